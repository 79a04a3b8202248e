package io.raftd.daemon;

import static io.raftd.daemon.KvRequests.put;
import static io.raftd.daemon.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.raftd.client.RaftdClient;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.PeerFrame;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.StatusRequest;
import io.raftd.transport.Counters;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Garbage on the admin port or the peer port closes only the connection it came on (and is counted); the
 * member stays up and the cluster keeps committing. A well-formed request without an operation gets INVALID_ARGUMENT. A
 * frame left unfinished closes its connection after the frame timeout; an idle connection stays open.
 */
class BadInputOnPortsTest {
  private static final int MAX_FRAME = 16 << 20;  // transport.max_frame_bytes's default
  /** Short, so that the test waits little; the default is 10 s. */
  private static final Duration FRAME_TIMEOUT = Duration.ofSeconds(1);

  @TempDir static Path root;
  static LocalCluster c;

  @BeforeAll
  static void startCluster() throws Exception {
    c = new LocalCluster(root, 3, LocalCluster.FAST_WAL + """
        [transport]
        frame_timeout_ms = %d
        """.formatted(FRAME_TIMEOUT.toMillis()));
    c.startAll();
  }

  @AfterAll
  static void stopCluster() throws Exception {
    c.close();
  }

  @Test
  void badInputClosesOnlyItsConnectionAndTheClusterKeepsCommitting() throws Exception {
    int leader = c.awaitLeader();
    Daemon target = c.daemons.get(leader);
    InetSocketAddress admin = target.adminAddress();
    Counters counters = target.admin().counters();

    // Random bytes. With these seeds the first four, read as a length, are beyond the frame limit (as they
    // are for 255 of 256 random prefixes); the in-range but undecodable case is below.
    for (long seed = 1; seed <= 3; seed++) {
      byte[] garbage = new byte[4096];
      new Random(seed).nextBytes(garbage);
      int declared = ByteBuffer.wrap(garbage).getInt();
      assertTrue(declared < 0 || declared > MAX_FRAME, "seed " + seed + " declares " + declared);
      rejected(counters, admin, "random bytes (seed " + seed + ")", garbage, false);
    }
    // A frame cut short by the end of the connection.
    rejected(counters, admin, "a truncated frame", concat(length(100), new byte[50]), true);
    // Length prefixes of 2 GiB and 2 GiB - 1, with nothing after them.
    rejected(counters, admin, "a 2 GiB length prefix", length(0x8000_0000), false);
    rejected(counters, admin, "a 2 GiB - 1 length prefix", length(0x7FFF_FFFF), false);
    // A frame of a valid length that is not an AdminRequest.
    byte[] undecodable = new byte[8];
    Arrays.fill(undecodable, (byte) 0xFF);
    rejected(counters, admin, "an undecodable frame", concat(length(8), undecodable), false);

    long closedBefore = counters.connectionsClosedForBadInput();
    try (Socket s = connect(admin)) {
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      DataInputStream in = new DataInputStream(s.getInputStream());
      AdminResponse empty = exchange(out, in, AdminRequest.newBuilder().setId(7).build());
      assertEquals(7, empty.getId());
      assertEquals(ErrorCode.INVALID_ARGUMENT, empty.getError().getCode(), empty.toString());
      // The connection is still good for the next request.
      AdminResponse status = exchange(out, in,
          AdminRequest.newBuilder().setId(8).setStatus(StatusRequest.getDefaultInstance()).build());
      assertEquals(8, status.getId());
      assertTrue(status.hasStatus(), status.toString());
    }
    assertEquals(closedBefore, counters.connectionsClosedForBadInput(), "a well-formed request was counted as bad input");

    stillCommits(leader);
  }

  /** The peer port's own rules are tested in io.raftd.transport.BadInputTest; here, a running member's. */
  @Test
  void badBytesOnThePeerPortCloseOnlyThatConnectionAndTheClusterKeepsCommitting() throws Exception {
    int leader = c.awaitLeader();
    Daemon target = c.daemons.get(leader);
    InetSocketAddress peer = new InetSocketAddress("127.0.0.1", c.peerPorts.get(leader));
    Counters counters = target.transport().counters();
    byte[] garbage = new byte[4096];
    new Random(4).nextBytes(garbage);
    rejected(counters, peer, "random bytes", garbage, false);
    rejected(counters, peer, "a truncated frame", concat(length(100), new byte[50]), true);
    rejected(counters, peer, "a 2 GiB length prefix", length(0x8000_0000), false);
    byte[] undecodable = new byte[8];
    Arrays.fill(undecodable, (byte) 0xFF);
    rejected(counters, peer, "an undecodable frame", concat(length(8), undecodable), false);
    // A well-formed frame with nonsense in it: a Raft message from nobody, before any Hello.
    byte[] raftFirst = PeerFrame.newBuilder().setRaft(RaftMessage.newBuilder().setTerm(1 << 30)).build().toByteArray();
    rejected(counters, peer, "a Raft message before the Hello", concat(length(raftFirst.length), raftFirst), false);
    stillCommits(leader);
  }

  /** A write commits on every member and the leader still leads: bad input disturbed nothing else. */
  private static void stillCommits(int leader) throws Exception {
    try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(20))) {
      long index = client.write(put("after", "garbage")).getIndex();
      for (Daemon d : c.daemons) {
        await("every member to apply the write at " + index, Duration.ofSeconds(30),
            () -> d.applier().appliedIndex() >= index);
      }
      assertEquals("leader", client.status(c.adminAddresses.get(leader)).getRole());
    }
    assertTrue(c.fatal.isEmpty(), c.fatal.toString());
  }

  @Test
  void aFrameLeftUnfinishedIsClosedAfterTheFrameTimeoutAndAnIdleConnectionIsNot() throws Exception {
    int leader = c.awaitLeader();
    Daemon target = c.daemons.get(leader);
    InetSocketAddress admin = target.adminAddress();
    Counters counters = target.admin().counters();
    long before = counters.connectionsClosedForBadInput();

    try (Socket idle = connect(admin); Socket stalled = connect(admin)) {
      DataOutputStream idleOut = new DataOutputStream(idle.getOutputStream());
      DataInputStream idleIn = new DataInputStream(idle.getInputStream());
      assertTrue(exchange(idleOut, idleIn, status(1)).hasStatus());  // idle from here on, between frames

      long sent = System.nanoTime();
      stalled.getOutputStream().write(concat(length(100), new byte[10]));  // a length of 100, then 10 bytes
      stalled.getOutputStream().flush();
      assertClosedByServer(stalled, "a frame left unfinished");
      long waitedMs = (System.nanoTime() - sent) / 1_000_000;
      assertTrue(waitedMs >= FRAME_TIMEOUT.toMillis(), "closed after " + waitedMs + " ms, before the frame timeout");
      await("the unfinished frame to be counted as bad input", Duration.ofSeconds(10),
          () -> counters.connectionsClosedForBadInput() == before + 1);

      // Idle for longer than the frame timeout by now, and still served.
      AdminResponse status = exchange(idleOut, idleIn, status(2));
      assertEquals(2, status.getId());
      assertTrue(status.hasStatus(), status.toString());
    }
    assertEquals(before + 1, counters.connectionsClosedForBadInput(), "the idle connection was counted as bad input");
    assertTrue(c.fatal.isEmpty(), c.fatal.toString());
  }

  /** Sends {@code bytes} on a connection of its own and expects the server to close it and count it. */
  private static void rejected(Counters counters, InetSocketAddress admin, String what, byte[] bytes,
      boolean thenShutdownOutput) throws Exception {
    long before = counters.connectionsClosedForBadInput();
    try (Socket s = connect(admin)) {
      s.getOutputStream().write(bytes);
      s.getOutputStream().flush();
      if (thenShutdownOutput) {
        s.shutdownOutput();
      }
      assertClosedByServer(s, what);
    }
    await(what + " to be counted as bad input", Duration.ofSeconds(10),
        () -> counters.connectionsClosedForBadInput() == before + 1);
  }

  /** Expects the server to close {@code s} within its 20 s read timeout, without answering. */
  private static void assertClosedByServer(Socket s, String what) throws IOException {
    try {
      int b = s.getInputStream().read();
      assertEquals(-1, b, what + ": the server answered instead of closing");
    } catch (SocketTimeoutException e) {
      fail(what + ": the server did not close the connection within 20 s");
    } catch (SocketException e) {
      // reset: closed with our bytes unread, also a close by the server
    }
  }

  private static AdminRequest status(long id) {
    return AdminRequest.newBuilder().setId(id).setStatus(StatusRequest.getDefaultInstance()).build();
  }

  private static Socket connect(InetSocketAddress admin) throws IOException {
    Socket s = new Socket();
    s.connect(admin, 5_000);
    s.setSoTimeout(20_000);
    return s;
  }

  private static AdminResponse exchange(DataOutputStream out, DataInputStream in, AdminRequest request)
      throws IOException {
    byte[] frame = request.toByteArray();
    out.writeInt(frame.length);
    out.write(frame);
    out.flush();
    byte[] answer = new byte[in.readInt()];
    in.readFully(answer);
    return AdminResponse.parseFrom(answer);
  }

  private static byte[] length(int n) {
    return ByteBuffer.allocate(4).putInt(n).array();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
