package io.raftd.transport;

import static org.junit.jupiter.api.Assertions.fail;

import io.raftd.proto.Heartbeat;
import io.raftd.proto.RaftMessage;
import io.raftd.storage.NioFileIO;
import io.raftd.storage.SnapshotStore;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/** Transports on loopback for one test, each with its own snapshot store; closes them all and checks no thread leaks. */
final class Peers implements AutoCloseable {
  static final long CLUSTER = 0xC1A5_7E40_0000_0001L;
  static final Duration PATIENCE = Duration.ofSeconds(20);
  /** The test cluster's token: every member started here proves with it. */
  static final ClusterKeys KEYS = ClusterKeys.of("peers-test-token-0123456789", List.of());
  /**
   * Member ids 1 to 9 are the test cluster's members, named n1 to n9: each transport admits them; any other
   * id is a stranger.
   */
  static final PeerTransport.Membership MEMBERS = new PeerTransport.Membership() {
    @Override
    public boolean admits(long memberId) {
      return memberId >= 1 && memberId <= 9;
    }

    @Override
    public String nameOf(long memberId) {
      return admits(memberId) ? "n" + memberId : null;
    }
  };

  /** One member: its transport, what its listener heard, and its snapshot store. */
  record Member(long id, PeerTransport transport, Heard heard, SnapshotStore store, Path storeDir) {
    InetSocketAddress address() {
      return transport.boundAddress();
    }

    Counters counters() {
      return transport.counters();
    }
  }

  /** Everything a listener was told, in order. */
  static final class Heard implements PeerTransport.Listener {
    final Queue<RaftMessage> messages = new ConcurrentLinkedQueue<>();
    final Queue<RaftMessage> snapshotsReady = new ConcurrentLinkedQueue<>();
    final Queue<String> snapshotsSent = new ConcurrentLinkedQueue<>();
    final Queue<Long> unreachable = new ConcurrentLinkedQueue<>();

    @Override
    public void onMessage(RaftMessage m) {
      messages.add(m);
    }

    @Override
    public void onSnapshotReady(RaftMessage installSnapshot) {
      snapshotsReady.add(installSnapshot);
    }

    @Override
    public void onSnapshotSent(long peer, boolean delivered) {
      snapshotsSent.add(peer + ":" + delivered);
    }

    @Override
    public void onUnreachable(long peer) {
      unreachable.add(peer);
    }

    boolean got(RaftMessage m) {
      return messages.contains(m);
    }
  }

  private final Path dir;
  private final List<Member> members = new ArrayList<>();

  Peers(Path dir) {
    this.dir = dir;
  }

  Member start(long id) throws IOException {
    return start(id, CLUSTER, 0, Options.defaults());
  }

  Member start(long id, long clusterId, int port, Options options) throws IOException {
    return start(id, clusterId, port, options, KEYS);
  }

  Member start(long id, long clusterId, int port, Options options, ClusterKeys keys) throws IOException {
    return start(id, clusterId, port, options, keys, null);
  }

  /** A member with mutual TLS ({@code tls} not null) or without. */
  Member start(long id, long clusterId, int port, Options options, ClusterKeys keys, PeerTls tls) throws IOException {
    Path storeDir = dir.resolve("member-" + id + "-" + members.size());
    SnapshotStore store = new SnapshotStore(new NioFileIO(), storeDir, 2);
    Heard heard = new Heard();
    PeerTransport t = new PeerTransport(clusterId, id, keys, tls, new InetSocketAddress("127.0.0.1", port), options,
        PortLimits.unbounded("peer_port"), heard, store, null);
    t.setMembership(MEMBERS);
    Member m = new Member(id, t, heard, store, storeDir);
    members.add(m);
    t.start();
    return m;
  }

  /** Tells each of {@code group} where all of them listen. */
  static void introduce(Member... group) {
    Map<Long, InetSocketAddress> addresses = new HashMap<>();
    for (Member m : group) {
      addresses.put(m.id(), m.address());
    }
    for (Member m : group) {
      m.transport().setPeers(addresses);
    }
  }

  static RaftMessage heartbeat(long from, long to, long term) {
    return heartbeat(CLUSTER, from, to, term);
  }

  static RaftMessage heartbeat(long clusterId, long from, long to, long term) {
    return RaftMessage.newBuilder().setClusterId(clusterId).setFrom(from).setTo(to).setTerm(term)
        .setHeartbeat(Heartbeat.newBuilder().setCommit(term)).build();
  }

  /** A loopback address where nothing listens (a port just released). */
  static InetSocketAddress closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return new InetSocketAddress("127.0.0.1", s.getLocalPort());
    }
  }

  /** Sends {@code m} from {@code from} again and again until {@code to} has it: the first sends only connect. */
  static void deliver(Member from, Member to, RaftMessage m) {
    awaitTrue(() -> {
      from.transport().send(m);
      return to.heard().got(m);
    }, () -> "member " + to.id() + " never received " + m.getTerm() + " from " + from.id());
  }

  static void awaitTrue(BooleanSupplier condition, Supplier<String> what) {
    long deadline = System.nanoTime() + PATIENCE.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        fail("not within " + PATIENCE + ": " + what.get());
      }
      try {
        Thread.sleep(5);  // polling interval only: the condition is what the test waits for
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        fail("interrupted");
      }
    }
  }

  /** Closes every transport, then checks that none of their threads is left. */
  @Override
  public void close() {
    members.forEach(m -> m.transport().close());
    awaitTrue(() -> transportThreads().isEmpty(), () -> "threads left behind: " + transportThreads());
  }

  private static List<String> transportThreads() {
    List<String> names = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.isAlive() && (t.getName().startsWith("raftd-peer") || t.getName().startsWith("raftd-snapshot-io"))) {
        names.add(t.getName());
      }
    }
    return names;
  }
}
