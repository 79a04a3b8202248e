package io.raftd.daemon;

import static io.raftd.daemon.KvRequests.put;
import static io.raftd.daemon.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.client.RaftdClient;
import io.raftd.client.Session;
import io.raftd.transport.Counters;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Floods of connections on the leader's ports, each while a writer keeps putting: the leader stays leader
 * and keeps committing (at least {@link #MIN_WRITES} writes acknowledged while the flood is held), and the
 * port's counters show the flood was refused. Floods come from other loopback addresses (127.0.0.2 and
 * up), so that the per-address limit is the flood's and not the writer's or the peers' (127.0.0.1).
 *
 * <p>On main, before the limits, none of this compiles (no counters for it, no [peer_port] or
 * [admin_port]); in substance the refusal assertions fail there: every flood connection is admitted
 * and held, and each 15 MiB frame is buffered.
 */
class PortFloodTest {
  private static final int ADMIN_MAX = 200;
  private static final int ADMIN_PER_ADDRESS = 100;
  private static final int PEER_MAX = 64;
  private static final int PEER_PER_ADDRESS = 16;
  private static final int BUFFER = 32 << 20;
  private static final Duration IDLE = Duration.ofSeconds(3);
  /** Writes the cluster must acknowledge while each flood is held: a leader that keeps committing. */
  private static final int MIN_WRITES = 50;

  @TempDir static Path root;
  static LocalCluster c;

  private int leader;
  private long term;
  private Writer writer;

  @BeforeAll
  static void startCluster() throws Exception {
    c = new LocalCluster(root, 3, LocalCluster.FAST_WAL + """
        [transport]
        frame_timeout_ms = 2000
        [peer_port]
        max_connections = %d
        max_connections_per_address = %d
        frame_buffer_bytes = %d
        [admin_port]
        max_connections = %d
        max_connections_per_address = %d
        frame_buffer_bytes = %d
        idle_timeout_ms = %d
        """.formatted(PEER_MAX, PEER_PER_ADDRESS, BUFFER, ADMIN_MAX, ADMIN_PER_ADDRESS, BUFFER, IDLE.toMillis()));
    c.startAll();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    c.close();
  }

  @BeforeEach
  void startWriter() throws Exception {
    leader = c.awaitLeader();
    term = c.daemons.get(leader).node().status().term();
    writer = new Writer(c.adminAddresses);
  }

  @AfterEach
  void stopWriter() throws Exception {
    writer.close();
    assertTrue(c.fatal.isEmpty(), c.fatal.toString());
  }

  @Test
  void thousandsOfIdleAdminConnectionsAreRefusedOverTheLimitAndClosedWhenIdle() throws Exception {
    Daemon target = c.daemons.get(leader);
    Counters counters = target.admin().counters();
    long refused = counters.connectionsRefused();
    long idleClosed = counters.idleConnectionsClosed();
    List<Socket> flood = new ArrayList<>();
    try {
      // 3,000 connections from 30 addresses, 100 from each: the port holds ADMIN_MAX, the rest are refused.
      for (int i = 0; i < 3000; i++) {
        flood.add(connect(target.adminAddress(), 2 + i / ADMIN_PER_ADDRESS));
      }
      await("the connections over admin_port.max_connections to be refused", Duration.ofSeconds(60),
          () -> counters.connectionsRefused() - refused >= 3000 - ADMIN_MAX);
      assertTrue(target.admin().openConnections() <= ADMIN_MAX, "open: " + target.admin().openConnections());
      writer.keepsCommittingWhile("3,000 idle admin connections");
      await("the idle connections to be closed after admin_port.idle_timeout_ms", Duration.ofSeconds(60),
          () -> counters.idleConnectionsClosed() - idleClosed >= ADMIN_MAX - 10);
    } finally {
      closeAll(flood);
    }
    stillLeads();
  }

  @Test
  void anIdleConnectionIsClosedButAClientSessionKeepsItsConnectionAlive() throws Exception {
    Daemon target = c.daemons.get(leader);
    Counters counters = target.admin().counters();
    try (RaftdClient client = RaftdClient.create(List.of(c.adminAddresses.get(leader)), Duration.ofSeconds(20))) {
      // A session of 3 s keeps alive every second, within the 3 s idle timeout.
      Session session = client.openSession(IDLE);
      long idleClosed = counters.idleConnectionsClosed();
      long sent = System.nanoTime();
      try (Socket idle = connect(target.adminAddress(), 2)) {
        idle.setSoTimeout(30_000);
        assertEquals(-1, idle.getInputStream().read(), "the server answered an idle connection");
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sent);
        assertTrue(waited >= IDLE.toMillis(), "closed after " + waited + " ms, before the idle timeout");
      }
      // The raw connection was closed for idling; the session's, idle but for keep-alives, was not.
      await("the idle close to be counted", Duration.ofSeconds(10),
          () -> counters.idleConnectionsClosed() == idleClosed + 1);
      session.write(put("session", "alive"));
      assertEquals(0, session.retries(), "the session's connection was cut and a write retried");
      assertEquals(idleClosed + 1, counters.idleConnectionsClosed(), "the session's connection was closed as idle");
      session.close();
    }
    stillLeads();
  }

  @Test
  void connectionsBeyondThePerAddressLimitAreRefusedAndOtherAddressesAreServed() throws Exception {
    Daemon target = c.daemons.get(leader);
    Counters counters = target.admin().counters();
    long refused = counters.connectionsRefused();
    List<Socket> flood = new ArrayList<>();
    try {
      for (int i = 0; i < ADMIN_PER_ADDRESS + 50; i++) {
        flood.add(connect(target.adminAddress(), 2));
      }
      await("the 50 connections over admin_port.max_connections_per_address to be refused", Duration.ofSeconds(30),
          () -> counters.connectionsRefused() - refused == 50);
      writer.keepsCommittingWhile("150 connections from one address");
      // Another address still gets in.
      try (RaftdClient other = RaftdClient.create(List.of(c.adminAddresses.get(leader)), Duration.ofSeconds(20))) {
        assertEquals("leader", other.status(null).getRole());
      }
      assertEquals(50, counters.connectionsRefused() - refused);
    } finally {
      closeAll(flood);
    }
    stillLeads();
  }

  @Test
  void slowlorisPartialFramesOnTheAdminPortAreBoundedByTheFrameBuffer() throws Exception {
    Daemon target = c.daemons.get(leader);
    slowloris(target.adminAddress(), target.admin().counters(), ADMIN_PER_ADDRESS, "the admin port");
  }

  /**
   * 48 connections each declare a 1 MiB frame and send 1,000 bytes of it: the first 32 fill the 32 MiB
   * frame buffer, the other 16 are closed at their length prefix.
   */
  private void slowloris(InetSocketAddress port, Counters counters, int perAddress, String where) throws Exception {
    long overBudget = counters.framesOverBudget();
    List<Socket> flood = new ArrayList<>();
    try {
      byte[] partial = ByteBuffer.allocate(4 + 1000).putInt(1 << 20).array();
      for (int i = 0; i < 48; i++) {
        Socket s = connect(port, 2 + i / Math.min(perAddress, 16));
        flood.add(s);
        sendQuietly(s, partial);
      }
      await("16 partial frames over the frame buffer to be refused", Duration.ofSeconds(30),
          () -> counters.framesOverBudget() - overBudget >= 16);
      writer.keepsCommittingWhile("48 slowloris connections on " + where);
    } finally {
      closeAll(flood);
    }
    stillLeads();
  }

  @Test
  void maxSizeFramesSentAlmostWholeOnTheAdminPortAreRefusedBeforeTheyAreBuffered() throws Exception {
    Daemon target = c.daemons.get(leader);
    almostWholeFrames(target.adminAddress(), target.admin().counters(), ADMIN_PER_ADDRESS);
  }

  /**
   * On the peer port a stranger cannot even start a large frame: until a connection has proved it holds the
   * cluster token it may send frames of 64 KiB at most, so 48 connections each announcing a 1 MiB frame, or
   * the largest frame there is, are closed at their length prefix, before anything is buffered.
   */
  @Test
  void largeFramesFromConnectionsThatHaveNotAuthenticatedAreRefusedAtTheirLengthPrefix() throws Exception {
    Daemon target = c.daemons.get(leader);
    InetSocketAddress peer = new InetSocketAddress("127.0.0.1", c.peerPorts.get(leader));
    Counters counters = target.transport().counters();
    long rejected = counters.framesRejected();
    List<Socket> flood = new ArrayList<>();
    try {
      for (int i = 0; i < 48; i++) {
        Socket s = connect(peer, 2 + i / PEER_PER_ADDRESS);
        flood.add(s);
        int declared = i % 2 == 0 ? 1 << 20 : (16 << 20) - 8;
        sendQuietly(s, ByteBuffer.allocate(4 + 1000).putInt(declared).array());
      }
      await("48 frames announced before any handshake to be refused", Duration.ofSeconds(30),
          () -> counters.framesRejected() - rejected >= 48);
      writer.keepsCommittingWhile("48 connections announcing large frames on the peer port");
    } finally {
      closeAll(flood);
    }
    stillLeads();
  }

  /**
   * Strangers that connect to the peer port and say nothing (each would be let go only at the handshake
   * timeout) hold half of its places at most: beyond that the oldest of them is closed for each new one. With
   * such a flood held, a follower restarts, reconnects to the leader (evicting a stranger, since its own
   * connection has not authenticated either when it arrives) and catches up.
   */
  @Test
  void connectionsThatHaveNotAuthenticatedHoldAtMostHalfThePeerPortAndMembersStillConnect() throws Exception {
    Daemon target = c.daemons.get(leader);
    InetSocketAddress peer = new InetSocketAddress("127.0.0.1", c.peerPorts.get(leader));
    Counters counters = target.transport().counters();
    long evicted = counters.unauthenticatedEvicted();
    long refused = counters.connectionsRefused();
    int strangers = PEER_MAX - 8;  // with the members' connections, under max_connections
    List<Socket> flood = new ArrayList<>();
    try {
      for (int i = 0; i < strangers; i++) {
        flood.add(connect(peer, 2 + i / PEER_PER_ADDRESS));
      }
      await("the oldest strangers beyond half of peer_port.max_connections to be closed", Duration.ofSeconds(30),
          () -> counters.unauthenticatedEvicted() - evicted >= strangers - PEER_MAX / 2);
      int follower = c.followerOtherThan(leader);
      c.stop(follower);
      writer.keepsCommittingWhile(strangers + " silent connections on the leader's peer port, a follower down");
      c.start(follower);
      long committed = c.daemons.get(leader).node().status().commit();
      await("the restarted follower to reconnect and catch up", Duration.ofSeconds(60),
          () -> c.daemons.get(follower).applier().appliedIndex() >= committed);
      assertEquals(refused, counters.connectionsRefused(), "a connection was refused rather than making room");
    } finally {
      closeAll(flood);
    }
    stillLeads();
  }

  /**
   * 48 connections each send 15 MiB of a 16 MiB frame (the maximum): two fit the 32 MiB frame buffer, the
   * other 46 are closed at their length prefix, before any of their 15 MiB is buffered.
   */
  private void almostWholeFrames(InetSocketAddress port, Counters counters, int perAddress) throws Exception {
    long overBudget = counters.framesOverBudget();
    int connections = 48;
    int declared = (16 << 20) - 8;  // the frame limit counts the 4-byte prefix too
    byte[] body = new byte[15 << 20];
    List<Socket> flood = new ArrayList<>();
    ExecutorService senders = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> sending = new ArrayList<>();
      for (int i = 0; i < connections; i++) {
        Socket s = connect(port, 2 + i / Math.min(perAddress, 16));
        flood.add(s);
        sending.add(senders.submit(() -> {
          sendQuietly(s, ByteBuffer.allocate(4).putInt(declared).array());
          sendQuietly(s, body);
          return null;
        }));
      }
      for (Future<?> f : sending) {
        f.get(120, TimeUnit.SECONDS);
      }
      await("the frames over the frame buffer to be refused", Duration.ofSeconds(60),
          () -> counters.framesOverBudget() - overBudget >= connections - BUFFER / declared);
      writer.keepsCommittingWhile(connections + " connections each holding 15 of a 16 MiB frame");
    } finally {
      senders.shutdownNow();
      closeAll(flood);
    }
    stillLeads();
  }

  @Test
  void limitsThatDoNotFitTheOpenFileLimitRefuseTheStart(@TempDir Path other) throws Exception {
    LocalCluster tooMany = new LocalCluster(other, 1, """
        [admin_port]
        max_connections = 1000000
        """);
    Daemon.StartupException e = assertThrows(Daemon.StartupException.class,
        () -> Daemon.start(tooMany.config(0), tooMany.recordFatal));
    assertTrue(e.getMessage().startsWith("the open-file limit ("), e.getMessage());
    assertTrue(e.getMessage().contains("admin_port.max_connections = 1000000"), e.getMessage());
  }

  /** The leader of before the flood still leads, in the same term. */
  private void stillLeads() throws Exception {
    assertEquals(leader, c.awaitLeader(), "leadership moved during the flood");
    assertEquals(term, c.daemons.get(leader).node().status().term(), "an election happened during the flood");
  }

  /** A connection to {@code port} from 127.0.0.{@code host}. */
  private static Socket connect(InetSocketAddress port, int host) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress("127.0.0." + host, 0));
    s.connect(port, 5_000);
    return s;
  }

  /** Sends, ignoring the failure of a connection the server has already closed (which is the point). */
  private static void sendQuietly(Socket s, byte[] bytes) {
    try {
      OutputStream out = s.getOutputStream();
      out.write(bytes);
      out.flush();
    } catch (IOException closedByServer) {
      // refused: the server closed it
    }
  }

  private static void closeAll(List<Socket> sockets) {
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException ignored) {
        // closing a test's own socket
      }
    }
  }

  /**
   * Puts from 127.0.0.1 in a loop, counting acknowledged writes, for the whole test: the cluster's commit
   * rate under the flood.
   */
  private static final class Writer implements AutoCloseable {
    private final RaftdClient client;
    private final Thread thread;
    private final AtomicLong acknowledged = new AtomicLong();
    private volatile boolean stop;

    Writer(List<String> endpoints) {
      client = RaftdClient.create(endpoints, Duration.ofSeconds(10));
      thread = new Thread(this::run, "flood-test-writer");
      thread.start();
    }

    private void run() {
      long i = 0;
      while (!stop) {
        try {
          client.write(put("k" + (i++ % 100), "v" + i));
          acknowledged.incrementAndGet();
        } catch (Exception e) {
          if (e instanceof InterruptedException) {
            return;
          }
          // counted by its absence: the rate falls
        }
      }
    }

    /** Asserts that at least MIN_WRITES writes are acknowledged while the flood is held; prints the rate. */
    void keepsCommittingWhile(String flood) throws InterruptedException {
      long from = acknowledged.get();
      long start = System.nanoTime();
      await(MIN_WRITES + " writes acknowledged during " + flood, Duration.ofSeconds(60),
          () -> acknowledged.get() - from >= MIN_WRITES);
      double seconds = (System.nanoTime() - start) / 1e9;
      long n = acknowledged.get() - from;
      System.out.printf("PortFloodTest: %d writes in %.2f s (%.0f/s) during %s%n", n, seconds, n / seconds, flood);
    }

    @Override
    public void close() throws InterruptedException {
      stop = true;
      thread.join(30_000);
      client.close();
    }
  }
}
