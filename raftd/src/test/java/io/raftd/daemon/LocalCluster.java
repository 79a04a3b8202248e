package io.raftd.daemon;

import io.raftd.config.ConfigLoader;
import io.raftd.config.RaftdConfig;
import io.raftd.raft.Role;
import io.raftd.server.Fatal;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.IntStream;

/** A cluster of daemons in this JVM on loopback, for tests: each with its own data dir and free ports. */
final class LocalCluster implements AutoCloseable {
  /**
   * Extra TOML for clusters that write a lot on a loaded machine: small WAL segments (each is preallocated
   * with zeros) and no fsync (nothing here survives a power failure anyway).
   */
  static final String FAST_WAL = """
      [wal]
      segment_bytes = 4194304
      fsync = "never"
      """;

  final List<String> names = new ArrayList<>();
  final List<String> tomls = new ArrayList<>();
  final List<Daemon> daemons = new ArrayList<>();
  final List<String> adminAddresses = new ArrayList<>();
  final List<Integer> peerPorts = new ArrayList<>();
  final List<Path> dataDirs = new ArrayList<>();
  final List<Throwable> fatal = new CopyOnWriteArrayList<>();
  final Fatal recordFatal = (component, cause) -> fatal.add(new IllegalStateException(component + " failed", cause));

  LocalCluster(Path root, int size, String extraToml) throws IOException {
    this(root, size, extraToml, "test", freePorts(2 * size));
  }

  /**
   * @param ports each member's peer and admin port, in turn ({@code 2 * size} of them)
   */
  LocalCluster(Path root, int size, String extraToml, String token, int[] ports) throws IOException {
    int[] metricsPorts = freePortsExcept(size, ports);
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < size; i++) {
      names.add("n" + (i + 1));
      adminAddresses.add("127.0.0.1:" + ports[2 * i + 1]);
      peerPorts.add(ports[2 * i]);
      dataDirs.add(root.resolve("n" + (i + 1)));
      members.append(String.format("  { name = \"n%d\", peer = \"127.0.0.1:%d\", admin = \"127.0.0.1:%d\" },%n",
          i + 1, ports[2 * i], ports[2 * i + 1]));
    }
    for (int i = 0; i < size; i++) {
      tomls.add(String.format("""
          name = "n%d"
          data_dir = "%s"
          peer_address = "127.0.0.1:%d"
          admin_address = "127.0.0.1:%d"
          metrics_address = "127.0.0.1:%d"
          %s
          [cluster]
          token = "%s"
          members = [
          %s]
          """, i + 1, root.resolve("n" + (i + 1)), ports[2 * i], ports[2 * i + 1], metricsPorts[i], extraToml, token,
          members));
      daemons.add(null);
    }
  }

  RaftdConfig config(int i) throws Exception {
    return ConfigLoader.parse(tomls.get(i), "n" + (i + 1) + ".toml");
  }

  /** Starts every member at once (the seeds must find each other to bootstrap). */
  void startAll() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(daemons.size());
    try {
      List<Future<Daemon>> started = new ArrayList<>();
      for (int i = 0; i < daemons.size(); i++) {
        RaftdConfig c = config(i);
        started.add(pool.submit(() -> Daemon.start(c, recordFatal)));
      }
      for (int i = 0; i < daemons.size(); i++) {
        daemons.set(i, started.get(i).get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  void stop(int i) throws Exception {
    daemons.get(i).close();
    daemons.set(i, null);
  }

  void start(int i) throws Exception {
    daemons.set(i, Daemon.start(config(i), recordFatal));
  }

  /** The running member that leads, once one does and every other running member agrees (polls up to 60 s). */
  int awaitLeader() throws InterruptedException {
    int[] leader = {-1};
    await("a leader that every running member follows", Duration.ofSeconds(60), () -> {
      leader[0] = -1;
      long leaderId = 0;
      for (int i = 0; i < daemons.size(); i++) {
        Daemon d = daemons.get(i);
        if (d == null) {
          continue;
        }
        io.raftd.raft.Status s = d.node().status();
        if (s.role() == Role.LEADER) {
          leader[0] = i;
        }
        if (s.leader() == 0 || (leaderId != 0 && s.leader() != leaderId)) {
          return false;
        }
        leaderId = s.leader();
      }
      return leader[0] >= 0 && daemons.get(leader[0]).memberId() == leaderId;
    });
    return leader[0];
  }

  /** A running member other than {@code leader}. */
  int followerOtherThan(int leader) {
    for (int i = 0; i < daemons.size(); i++) {
      if (i != leader && daemons.get(i) != null) {
        return i;
      }
    }
    throw new IllegalStateException("no other member runs");
  }

  /** A condition checked by polling; it may throw, which counts as not yet. */
  interface Condition {
    boolean holds() throws Exception;
  }

  /** Polls {@code condition} every 20 ms until it holds, failing the test after {@code within}. */
  static void await(String what, Duration within, Condition condition) throws InterruptedException {
    long deadline = System.nanoTime() + within.toNanos();
    Exception last = null;
    while (true) {
      try {
        if (condition.holds()) {
          return;
        }
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        last = e;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("timed out after " + within.toSeconds() + " s waiting for " + what
            + (last != null ? " (last failure: " + last + ")" : ""), last);
      }
      Thread.sleep(20);  // polling interval, not synchronisation
    }
  }

  /** {@code n} free ports, none of them in {@code taken} (a port just released may be handed out again). */
  static int[] freePortsExcept(int n, int[] taken) throws IOException {
    while (true) {
      int[] ports = freePorts(n);
      if (IntStream.of(ports).noneMatch(p -> IntStream.of(taken).anyMatch(t -> t == p))) {
        return ports;
      }
    }
  }

  static int[] freePorts(int n) throws IOException {
    int[] ports = new int[n];
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        held.add(s);
        ports[i] = s.getLocalPort();
      }
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
    return ports;
  }

  @Override
  public void close() throws Exception {
    for (int i = 0; i < daemons.size(); i++) {
      if (daemons.get(i) != null) {
        stop(i);
      }
    }
  }
}
