package io.raftd.it;

import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.daemon.LocalCluster;
import io.raftd.proto.NodeStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * raftd members as real processes on loopback, run from the jars the packaging module gathered in lib/:
 * {@code java -Xmx128m -XX:+ExitOnOutOfMemoryError -cp "lib/*" io.raftd.daemon.Main --config FILE}. Each member
 * has free ports, its own data dir and a log file (stdout and stderr) under {@code target/it/<name>-*}.
 * Members can be killed with SIGKILL and restarted on the same data dir. Every process this class starts is
 * killed by {@link #close()} and, should the test JVM end first, by a shutdown hook. Public for the cluster
 * benchmark ({@code io.raftd.bench.ClusterBenchmark}), which runs members with production-sized settings.
 */
public final class ProcessCluster implements AutoCloseable {
  /** Every raftd process started by any cluster in this JVM and not yet reaped: the shutdown hook kills them. */
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(ProcessCluster::killTree), "kill-raftd-members"));
  }

  public final Path root;
  public final List<String> names = new ArrayList<>();
  public final List<String> adminAddresses = new ArrayList<>();
  final List<String> peerAddresses = new ArrayList<>();
  private final String token;
  /** What follows [cluster] in every member's config: [raft], [wal] and the extra tables. */
  private final String tail;
  private final List<Path> configs = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();
  /** Each member's process, null until started; a member added later gets its slot then. */
  private final List<Process> processes = new ArrayList<>();
  private final Path lib;
  private final List<String> jvmOptions;
  /** The open-file limit (ulimit -n) members run under, or 0 for the test JVM's. */
  private int openFileLimit;

  /**
   * Writes the configs of a {@code size}-member cluster; starts nothing.
   *
   * @param extraToml extra tables appended to every member's config (e.g. {@code [snapshot]})
   */
  ProcessCluster(String name, int size, String extraToml) throws IOException {
    this(name, size, extraToml, "segment_bytes = 1048576", List.of("-Xmx128m"));
  }

  /**
   * As above, with the body of every member's {@code [wal]} table and the JVM options of its process
   * (before {@code -XX:+ExitOnOutOfMemoryError -cp lib/* io.raftd.daemon.Main}).
   */
  public ProcessCluster(String name, int size, String extraToml, String walToml, List<String> jvmOptions)
      throws IOException {
    this(name, size, extraToml, walToml, jvmOptions, LocalCluster.freePorts(3 * size));  // below the ephemeral range
  }

  /**
   * As above, on these ports: peer, admin and metrics of each member in turn (3 * size), for tests that keep to
   * a port range of their own ({@link LocalCluster#freePortsIn}).
   */
  ProcessCluster(String name, int size, String extraToml, String walToml, List<String> jvmOptions, int[] ports)
      throws IOException {
    if (ports.length != 3 * size) {
      throw new IllegalArgumentException("need " + 3 * size + " ports, got " + ports.length);
    }
    this.lib = libDir();
    this.jvmOptions = List.copyOf(jvmOptions);
    Path itDir = Paths.get(System.getProperty("raftd.it.dir", "target/it")).toAbsolutePath();
    Files.createDirectories(itDir);
    this.root = Files.createTempDirectory(itDir, name + "-");
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < size; i++) {
      names.add("n" + (i + 1));
      adminAddresses.add("127.0.0.1:" + ports[3 * i + 1]);
      peerAddresses.add("127.0.0.1:" + ports[3 * i]);
      members.append(String.format("  { name = \"n%d\", peer = \"127.0.0.1:%d\", admin = \"127.0.0.1:%d\" },%n",
          i + 1, ports[3 * i], ports[3 * i + 1]));
    }
    // Election timeouts of at least a second: two loaded cores run three JVMs plus the test's.
    this.token = "integration-test-cluster-token";
    this.tail = String.format("""

        [raft]
        heartbeat_ms = 100
        election_timeout_ms = [1000, 2000]
        max_entry_bytes = 65536

        [wal]
        %s

        %s
        """, walToml, extraToml);
    for (int i = 0; i < size; i++) {
      String toml = LocalCluster.memberToml("n" + (i + 1), dataDir(i), ports[3 * i], ports[3 * i + 1], ports[3 * i + 2])
          + "\n[cluster]\ntoken = \"" + token + "\"\nmembers = [\n" + members + "]\n" + tail;
      Path config = root.resolve("n" + (i + 1) + ".toml");
      Files.writeString(config, toml);
      configs.add(config);
      logs.add(root.resolve("n" + (i + 1) + ".log"));
      processes.add(null);
    }
  }

  /**
   * Writes the config of a new member, n(k+1) for k members so far, that joins the cluster on its first
   * start through {@code joinAt} (admin addresses); starts nothing.
   *
   * @return its index
   */
  int addJoining(List<String> joinAt) throws IOException {
    int i = processes.size();
    int[] ports = LocalCluster.freePorts(3);
    String name = "n" + (i + 1);
    names.add(name);
    adminAddresses.add("127.0.0.1:" + ports[1]);
    peerAddresses.add("127.0.0.1:" + ports[0]);
    String toml = LocalCluster.memberToml(name, dataDir(i), ports[0], ports[1], ports[2])
        + "\n[cluster]\ntoken = \"" + token + "\"\njoin = " + LocalCluster.tomlList(joinAt) + "\n" + tail;
    Path config = root.resolve(name + ".toml");
    Files.writeString(config, toml);
    configs.add(config);
    logs.add(root.resolve(name + ".log"));
    processes.add(null);
    return i;
  }

  /** Member {@code i}'s data directory. */
  Path dataDir(int i) {
    return root.resolve(names.get(i) + "-data");
  }

  /** Deletes member {@code i}'s data directory, as a dead disk or an operator's wipe would. */
  void wipe(int i) throws IOException {
    Path dir = dataDir(i);
    if (!Files.exists(dir)) {
      return;
    }
    try (java.util.stream.Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** Makes member {@code i} join the cluster through {@code joinAt} at its next (first) start: join in place of members. */
  void joinInstead(int i, List<String> joinAt) throws IOException {
    rewriteConfig(i, toml -> toml.replaceAll("(?s)members = \\[.*?\\n\\]", "join = " + LocalCluster.tomlList(joinAt)));
  }

  /** Rewrites member {@code i}'s config file (it takes effect at its next start). */
  void rewriteConfig(int i, java.util.function.UnaryOperator<String> change) throws IOException {
    Files.writeString(configs.get(i), change.apply(Files.readString(configs.get(i))));
  }

  /** The exit code of member {@code i}'s process, once it has exited on its own (waits up to {@code timeout}). */
  int awaitExit(int i, Duration timeout) throws InterruptedException {
    Process p = processes.get(i);
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(names.get(i) + " still runs after " + timeout + "\n" + tails(40));
    }
    LIVE.remove(p);
    return p.exitValue();
  }

  record Run(int code, String out, String err, long ms) {
    @Override
    public String toString() {
      return "exit " + code + " in " + ms + " ms\n-- out:\n" + out + "-- err:\n" + err;
    }
  }

  /**
   * raftctl as a process from the packaged jars (JVM start included in the time: that is what an operator
   * waits), with {@code --endpoints} first.
   */
  Run raftctl(List<String> endpoints, String... args) throws Exception {
    List<String> command = java(List.of("-Xmx64m", "-XX:TieredStopAtLevel=1"), "io.raftd.ctl.Main");
    command.addAll(List.of("--endpoints", String.join(",", endpoints)));
    command.addAll(List.of(args));
    Path out = Files.createTempFile(root, "raftctl-", ".out");
    Path err = Files.createTempFile(root, "raftctl-", ".err");
    long start = System.nanoTime();
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("raftctl " + String.join(" ", args) + " still runs after 120 s");
    }
    long ms = (System.nanoTime() - start) / 1_000_000;
    return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8),
        ms);
  }

  /** lib/ at the repository root, as the packaging module's package phase leaves it. */
  private static Path libDir() throws IOException {
    Path lib = Paths.get(System.getProperty("raftd.lib", "../lib")).toAbsolutePath().normalize();
    try (var jars = Files.list(lib)) {
      if (jars.noneMatch(p -> p.getFileName().toString().matches("raftd-.*\\.jar"))) {
        throw new IllegalStateException("no raftd jar in " + lib + ": run the package phase first (mvn -B verify does)");
      }
    } catch (java.nio.file.NoSuchFileException e) {
      throw new IllegalStateException("no " + lib + ": run the package phase first (mvn -B verify does)", e);
    }
    return lib;
  }

  /** Runs members started from now on under an open-file limit of {@code n} (ulimit -n, through bash). */
  void openFileLimit(int n) {
    this.openFileLimit = n;
  }

  int size() {
    return processes.size();
  }

  /** {@code java OPTIONS -XX:+ExitOnOutOfMemoryError -cp "lib/*" MAIN}: a program from the packaged jars. */
  List<String> java(List<String> options, String mainClass) {
    List<String> command = new ArrayList<>();
    command.add(Paths.get(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(options);
    command.addAll(List.of("-XX:+ExitOnOutOfMemoryError", "-cp", lib + "/*", mainClass));
    return command;
  }

  /** Starts every member at once: on the first start the seeds must find each other to form the cluster. */
  public void startAll() throws IOException {
    for (int i = 0; i < processes.size(); i++) {
      start(i);
    }
  }

  /** Starts member {@code i} (again, after a kill: same config and data dir; its log file is appended to). */
  void start(int i) throws IOException {
    if (processes.get(i) != null && processes.get(i).isAlive()) {
      throw new IllegalStateException(names.get(i) + " already runs (pid " + processes.get(i).pid() + ")");
    }
    List<String> command = java(jvmOptions, "io.raftd.daemon.Main");
    command.addAll(List.of("--config", configs.get(i).toString()));
    if (openFileLimit > 0) {
      // exec, so the member is bash's process itself: its pid is the one kill() and freeze() signal.
      List<String> limited = new ArrayList<>(List.of("bash", "-c", "ulimit -n " + openFileLimit + " && exec \"$@\"", "raftd"));
      limited.addAll(command);
      command = limited;
    }
    ProcessBuilder pb = new ProcessBuilder(command)
        .directory(root.toFile())
        .redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.appendTo(logs.get(i).toFile()));
    note(i, "starting");
    Process p = pb.start();
    LIVE.add(p);
    processes.set(i, p);
  }

  /**
   * SIGSTOP to member {@code i}: it stops answering anything at once, so requests sent to it stay in flight
   * until it is killed or continued. Freezing first, then killing, makes "in flight at the kill" certain.
   */
  void freeze(int i) throws IOException, InterruptedException {
    signal(i, "STOP");
    // kill returns once the signal is sent; the process shows as stopped only once the kernel has stopped
    // it, a moment later (a check right after kill once failed in CI).
    await(Duration.ofSeconds(10), names.get(i) + " to be stopped by SIGSTOP", () -> isFrozen(i));
  }

  /** SIGCONT to member {@code i}: it runs on from where {@link #freeze} stopped it. */
  void thaw(int i) throws IOException, InterruptedException {
    signal(i, "CONT");
  }

  /** Whether member {@code i} is stopped by a signal now (state T in /proc/PID/stat): the freeze took. */
  boolean isFrozen(int i) throws IOException {
    String stat = Files.readString(Paths.get("/proc", Long.toString(processes.get(i).pid()), "stat"));
    return stat.substring(stat.lastIndexOf(')') + 2).startsWith("T");
  }

  private void signal(int i, String signal) throws IOException, InterruptedException {
    note(i, "SIG" + signal);
    // sh's builtin kill: a kill binary (procps) is not in every minimal image.
    Process kill = new ProcessBuilder("sh", "-c", "kill -" + signal + " " + processes.get(i).pid())
        .redirectErrorStream(true).start();
    String out = new String(kill.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (kill.waitFor() != 0) {
      throw new IllegalStateException("kill -" + signal + " " + processes.get(i).pid() + " failed: " + out);
    }
  }

  /** SIGKILL to member {@code i} (and anything it started), and waits until it is gone. Returns its exit code. */
  int kill(int i) throws InterruptedException, IOException {
    Process p = processes.get(i);
    note(i, "SIGKILL");
    killTree(p);
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException(names.get(i) + " (pid " + p.pid() + ") survived SIGKILL for 30 s");
    }
    LIVE.remove(p);
    return p.exitValue();
  }

  /** A line in member {@code i}'s log saying what the test did to it. */
  private void note(int i, String what) throws IOException {
    Files.writeString(logs.get(i), "==== it: " + what + " " + names.get(i) + " at " + java.time.Instant.now() + "\n",
        StandardCharsets.UTF_8, java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
  }

  boolean isAlive(int i) {
    return processes.get(i) != null && processes.get(i).isAlive();
  }

  public long pid(int i) {
    return processes.get(i).pid();
  }

  int indexOfAdmin(String adminAddress) {
    int i = adminAddresses.indexOf(adminAddress);
    if (i < 0) {
      throw new IllegalArgumentException(adminAddress + " is not a member's admin address: " + adminAddresses);
    }
    return i;
  }

  /** This member's status, or null if it does not answer (within a short timeout). */
  public NodeStatus status(int i) throws InterruptedException {
    try (RaftdClient c = RaftdClient.create(List.of(adminAddresses.get(i)), Duration.ofMillis(1500))) {
      return c.status(adminAddresses.get(i));
    } catch (RaftdException e) {
      return null;
    }
  }

  /** Member {@code i}'s status, waiting until it answers. */
  NodeStatus awaitStatus(int i, Duration timeout) throws InterruptedException {
    NodeStatus[] s = new NodeStatus[1];
    await(timeout, names.get(i) + " to answer a status request", () -> (s[0] = status(i)) != null);
    return s[0];
  }

  /** Waits until the running members agree on one leader among them; returns its index. */
  public int awaitLeader(Duration timeout) throws InterruptedException {
    int[] leader = {-1};
    await(timeout, "the running members to agree on a leader", () -> {
      leader[0] = agreedLeader();
      return leader[0] >= 0;
    });
    return leader[0];
  }

  private int agreedLeader() throws InterruptedException {
    String leaderAdmin = null;
    for (int i = 0; i < processes.size(); i++) {
      if (!isAlive(i)) {
        continue;
      }
      NodeStatus s = status(i);
      if (s == null || !s.hasLeader()) {
        return -1;
      }
      String a = s.getLeader().getAdminAddress();
      if (leaderAdmin != null && !leaderAdmin.equals(a)) {
        return -1;
      }
      leaderAdmin = a;
    }
    if (leaderAdmin == null) {
      return -1;
    }
    int l = indexOfAdmin(leaderAdmin);
    NodeStatus ls = isAlive(l) ? status(l) : null;
    return ls != null && ls.getRole().equals("leader") ? l : -1;
  }

  /**
   * Waits until every member runs and all report the same last index, commit and applied index (and the
   * same leader): nothing is left to replicate or apply. Returns their statuses.
   */
  List<NodeStatus> awaitConverged(Duration timeout) throws InterruptedException {
    List<NodeStatus> last = new ArrayList<>();
    await(timeout, "every member to hold, commit and apply the same log (last seen: " + describe(last) + ")", () -> {
      last.clear();
      for (int i = 0; i < processes.size(); i++) {
        NodeStatus s = isAlive(i) ? status(i) : null;
        if (s == null) {
          return false;
        }
        last.add(s);
      }
      NodeStatus first = last.get(0);
      return first.hasLeader() && last.stream().allMatch(s -> s.getLastIndex() == first.getLastIndex()
          && s.getCommit() == first.getLastIndex() && s.getApplied() == first.getLastIndex()
          && s.getTerm() == first.getTerm() && s.hasLeader() && s.getLeader().getId() == first.getLeader().getId());
    });
    return List.copyOf(last);
  }

  private static Object describe(List<NodeStatus> statuses) {
    // evaluated lazily in the failure message
    return new Object() {
      @Override
      public String toString() {
        return statuses.stream().map(s -> s.getSelf().getName() + " " + s.getRole() + " term " + s.getTerm() + " last "
            + s.getLastIndex() + " commit " + s.getCommit() + " applied " + s.getApplied()).collect(Collectors.joining("; "));
      }
    };
  }

  interface Check {
    boolean holds() throws Exception;
  }

  /**
   * Polls {@code check} (a condition on the cluster or on the test's own state) until it holds or the deadline passes (then fails with {@code what}, the members'
   * log tails and whichever member died). A member that exits on its own also fails the wait at once.
   */
  void await(Duration timeout, Object what, Check check) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception lastError = null;
    while (true) {
      for (int i = 0; i < processes.size(); i++) {
        Process p = processes.get(i);
        if (p != null && !p.isAlive() && LIVE.contains(p)) {
          throw new AssertionError(names.get(i) + " exited on its own with " + p.exitValue() + " while waiting for "
              + what + "\n" + tails(60));
        }
      }
      try {
        if (check.holds()) {
          return;
        }
        lastError = null;
      } catch (InterruptedException e) {
        throw e;
      } catch (Exception e) {
        lastError = e;
      }
      if (System.nanoTime() - deadline > 0) {
        AssertionError failure = new AssertionError("gave up after " + timeout.toMillis() + " ms waiting for " + what
            + "\n" + tails(60));
        if (lastError != null) {
          failure.initCause(lastError);
        }
        throw failure;
      }
      Thread.sleep(50);  // poll interval of a deadline-bounded wait
    }
  }

  /** The last {@code lines} lines of every member's log, for failure messages. */
  public String tails(int lines) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < logs.size(); i++) {
      b.append("---- ").append(names.get(i)).append(" (").append(logs.get(i)).append("), last ").append(lines)
          .append(" lines:\n");
      try {
        List<String> all = Files.exists(logs.get(i)) ? Files.readAllLines(logs.get(i), StandardCharsets.UTF_8) : List.of();
        all.subList(Math.max(0, all.size() - lines), all.size()).forEach(l -> b.append("  ").append(l).append('\n'));
      } catch (IOException | UncheckedIOException e) {
        b.append("  (unreadable: ").append(e).append(")\n");
      }
    }
    return b.toString();
  }

  /** Lines of member {@code i}'s log. */
  List<String> log(int i) throws IOException {
    return Files.readAllLines(logs.get(i), StandardCharsets.UTF_8);
  }

  /** Kills every member; the data and logs stay under target/it for a look after a failure. */
  @Override
  public void close() {
    for (Process p : processes) {
      if (p != null) {
        killTree(p);
        try {
          p.waitFor(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        LIVE.remove(p);
      }
    }
  }

  /** SIGKILL to the process first (its children would be orphaned, not killed, by its death), then to its children. */
  private static void killTree(Process p) {
    List<ProcessHandle> children = p.descendants().toList();
    p.destroyForcibly();
    children.forEach(ProcessHandle::destroyForcibly);
  }

}
