package io.raftd.daemon;

import io.raftd.config.ConfigLoader;
import io.raftd.config.RaftdConfig;
import io.raftd.raft.Role;
import io.raftd.host.Fatal;
import io.raftd.storage.FileIO;
import io.raftd.storage.NioFileIO;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionService;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorCompletionService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * A cluster of daemons in this JVM on loopback, for tests: each with its own data dir and free ports. Public
 * for raftctl's tests, which get it through raftd's test jar.
 */
public final class LocalCluster implements AutoCloseable {
  /**
   * Extra TOML for clusters that write a lot on a loaded machine: small WAL segments (each is preallocated
   * with zeros) and no fsync (nothing here survives a power failure anyway).
   */
  public static final String FAST_WAL = """
      [wal]
      segment_bytes = 4194304
      fsync = "never"
      """;

  public final List<String> names = new ArrayList<>();
  public final List<String> tomls = new ArrayList<>();
  public final List<Daemon> daemons = new ArrayList<>();
  public final List<String> adminAddresses = new ArrayList<>();
  public final List<Integer> peerPorts = new ArrayList<>();
  /** Each member's metrics_address port (/metrics and the health endpoints). */
  public final List<Integer> metricsPorts = new ArrayList<>();
  public final List<Path> dataDirs = new ArrayList<>();
  /** Each member's file system (the real one unless a test puts a faulty one in before starting it). */
  public final List<FileIO> fileSystems = new ArrayList<>();
  public final List<Throwable> fatal = new CopyOnWriteArrayList<>();
  public final Fatal recordFatal = (component, cause) -> fatal.add(new IllegalStateException(component + " failed", cause));

  public LocalCluster(Path root, int size, String extraToml) throws IOException {
    this(root, size, extraToml, "local-cluster-test-token");
  }

  private final Path root;
  private final String extraToml;
  private final String token;

  /** @param token the cluster.token: clusters built with different tokens never talk to each other */
  public LocalCluster(Path root, int size, String extraToml, String token) throws IOException {
    this(root, size, extraToml, token, freePorts(3 * size));
  }

  /**
   * @param ports peer, admin (alternating, member by member), then metrics ports, 3 * size in all: for tests that
   *     keep to a port range of their own ({@link #freePortsIn})
   */
  public LocalCluster(Path root, int size, String extraToml, String token, int[] ports) {
    if (ports.length != 3 * size) {
      throw new IllegalArgumentException("need " + 3 * size + " ports, got " + ports.length);
    }
    this.root = root;
    this.extraToml = extraToml;
    this.token = token;
    int[] metrics = Arrays.copyOfRange(ports, 2 * size, 3 * size);
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < size; i++) {
      names.add("n" + (i + 1));
      adminAddresses.add("127.0.0.1:" + ports[2 * i + 1]);
      peerPorts.add(ports[2 * i]);
      metricsPorts.add(metrics[i]);
      dataDirs.add(root.resolve("n" + (i + 1)));
      members.append(String.format("  { name = \"n%d\", peer = \"127.0.0.1:%d\", admin = \"127.0.0.1:%d\" },%n",
          i + 1, ports[2 * i], ports[2 * i + 1]));
    }
    for (int i = 0; i < size; i++) {
      tomls.add(memberToml("n" + (i + 1), root.resolve("n" + (i + 1)), ports[2 * i], ports[2 * i + 1], metrics[i])
          + extraToml + "\n[cluster]\ntoken = \"" + token + "\"\nmembers = [\n" + members + "]\n");
      daemons.add(null);
      fileSystems.add(new NioFileIO());
    }
  }

  /** A member's own keys on loopback, the first lines of its raftd.toml (tables follow). */
  public static String memberToml(String name, Path dataDir, int peerPort, int adminPort, int metricsPort) {
    return String.format("""
        name = "%s"
        data_dir = "%s"
        peer_address = "127.0.0.1:%d"
        admin_address = "127.0.0.1:%d"
        metrics_address = "127.0.0.1:%d"
        """, name, dataDir, peerPort, adminPort, metricsPort);
  }

  /** The TOML array of these addresses, quoted: {@code ["a", "b"]}. */
  public static String tomlList(List<String> addresses) {
    return "[" + String.join(", ", addresses.stream().map(a -> "\"" + a + "\"").toList()) + "]";
  }

  /**
   * A new member, named n(k+1) for the k members so far, whose first start asks the cluster at
   * {@code joinAt} (admin addresses) to add it: {@code cluster.join} in place of members. Not started.
   *
   * @return its index
   */
  public int addJoining(String... joinAt) throws IOException {
    int i = daemons.size();
    int[] ports = freePorts(3);
    String name = "n" + (i + 1);
    names.add(name);
    adminAddresses.add("127.0.0.1:" + ports[1]);
    peerPorts.add(ports[0]);
    metricsPorts.add(ports[2]);
    dataDirs.add(root.resolve(name));
    tomls.add(memberToml(name, root.resolve(name), ports[0], ports[1], ports[2]) + extraToml
        + "\n[cluster]\ntoken = \"" + token + "\"\njoin = " + tomlList(List.of(joinAt)) + "\n");
    daemons.add(null);
    fileSystems.add(new NioFileIO());
    return i;
  }

  public RaftdConfig config(int i) throws Exception {
    return ConfigLoader.parse(tomls.get(i), "n" + (i + 1) + ".toml");
  }

  /**
   * Starts every member at once (the seeds must find each other to bootstrap). The first member that fails
   * to start fails the call at once, as does a start that takes over a minute; members that did start are
   * left to {@link #close()}.
   */
  public void startAll() throws Exception {
    int n = daemons.size();
    ExecutorService pool = Executors.newFixedThreadPool(n);
    CompletionService<Integer> done = new ExecutorCompletionService<>(pool);
    Daemon[] started = new Daemon[n];
    try {
      for (int i = 0; i < n; i++) {
        RaftdConfig c = config(i);
        int at = i;
        done.submit(() -> {
          started[at] = Daemon.start(c, recordFatal, fileSystems.get(at));
          return at;
        });
      }
      long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(1);
      for (int k = 0; k < n; k++) {
        Future<Integer> f = done.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
        if (f == null) {
          throw new AssertionError("the members did not all start within a minute");
        }
        f.get();
      }
    } finally {
      pool.shutdownNow();  // interrupts the members still waiting for their seeds
      if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
        throw new AssertionError("a member's start did not give up within 30 s of an interrupt");
      }
      for (int i = 0; i < n; i++) {
        daemons.set(i, started[i]);
      }
    }
  }

  public void stop(int i) throws Exception {
    daemons.get(i).close();
    daemons.set(i, null);
  }

  public void start(int i) throws Exception {
    daemons.set(i, Daemon.start(config(i), recordFatal, fileSystems.get(i)));
  }

  /** The running member that leads, once one does and every other running member agrees (polls up to 60 s). */
  public int awaitLeader() throws InterruptedException {
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

  /** Asks running member {@code i}'s core on its RaftLoop (its counters, say); waits up to 10 s for the answer. */
  public <T> T core(int i, java.util.function.Function<io.raftd.raft.RawNode, T> query) throws Exception {
    return daemons.get(i).node().inspect(query).get(10, TimeUnit.SECONDS);
  }

  /** A running member other than {@code leader}. */
  public int followerOtherThan(int leader) {
    for (int i = 0; i < daemons.size(); i++) {
      if (i != leader && daemons.get(i) != null) {
        return i;
      }
    }
    throw new IllegalStateException("no other member runs");
  }

  /** A condition checked by polling; it may throw, which counts as not yet. */
  public interface Condition {
    boolean holds() throws Exception;
  }

  /** Polls {@code condition} every 20 ms until it holds, failing the test after {@code within}. */
  public static void await(String what, Duration within, Condition condition) throws InterruptedException {
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

  /**
   * A listening socket on a random loopback port below the kernel's ephemeral range (32768 and up): a
   * port released there and bound again later (a member restarted) cannot meanwhile be taken as the
   * local port of some outgoing connection, as a port from the ephemeral range can.
   */
  private static ServerSocket bindBelowEphemeralRange() throws IOException {
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 1000; attempt++) {
      ServerSocket s = new ServerSocket();
      try {
        s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), random.nextInt(20_000, 32_000)), 1);
        return s;
      } catch (IOException taken) {
        s.close();
      }
    }
    throw new IOException("no free loopback port found in 20000..31999");
  }

  /** {@code n} distinct loopback ports free now in {@code [from, to)} (below the ephemeral range), for a test's own range. */
  public static int[] freePortsIn(int from, int to, int n) throws IOException {
    if (to > 32768 || to - from < n) {
      throw new IllegalArgumentException("the range " + from + ".." + to + " must hold " + n + " ports below 32768");
    }
    int[] ports = new int[n];
    List<ServerSocket> held = new ArrayList<>();
    java.util.concurrent.ThreadLocalRandom random = java.util.concurrent.ThreadLocalRandom.current();
    try {
      for (int i = 0, attempt = 0; i < n; attempt++) {
        if (attempt > 100 * n) {
          throw new IOException("no " + n + " free loopback ports in " + from + ".." + (to - 1));
        }
        ServerSocket s = new ServerSocket();
        try {
          s.bind(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), random.nextInt(from, to)), 1);
        } catch (IOException taken) {
          s.close();
          continue;
        }
        held.add(s);
        ports[i++] = s.getLocalPort();
      }
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
    return ports;
  }

  public static int[] freePorts(int n) throws IOException {
    int[] ports = new int[n];
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = bindBelowEphemeralRange();
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
