package io.raftd.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * raftd side by side with etcd (issue 19, item 1): 3 members of each on loopback, fsync on, driven by the same
 * closed-loop load generator ({@link ClosedLoop}) through a {@link LoadTarget}: raftd through its own client
 * library ({@code RaftdClientTarget}), etcd through plain gRPC stubs ({@link EtcdTarget}). Runs alternate ABBA
 * (pair 1 in the order of bench.systems, pair 2 reversed, ...), each on a fresh cluster; every run does a pre-warm,
 * then every step: a warm-up, then a measured window. Prints each run's steps as it ends, then every step of every
 * run, the medians, and per step the ratio of each system to etcd in each pair with its median.
 *
 * <p>A main class, not a test: CI never runs it. {@code packaging/bench-vs-etcd} builds and runs it
 * (docs/benchmarks.md, "Side by side with etcd"). Properties: bench.systems ("raftd,etcd"; also "raftd-bare", the
 * same members through a bare client of the admin protocol), bench.pairs (3), bench.seconds (10), bench.warmup (3),
 * bench.prewarm (10: seconds of puts at 64 in flight before the first step), bench.steps
 * ("put:1,put:8,put:64,put:256,get:64,stale:64"), bench.value (256), bench.jvm (the raftd members' JVM options,
 * "-Xms256m -Xmx1536m": the heap sets raftd's state quota, and a run writes up to about half a million keys),
 * bench.toml (extra config of every raftd member, "\n" for a line break), bench.etcd (/usr/bin/etcd), bench.dir
 * (packaging/target/bench-etcd), raftd.lib (lib).
 */
public final class EtcdComparison {
  /** The system every other is divided by. */
  private static final String BASELINE = "etcd";

  private final int pairs = Integer.getInteger("bench.pairs", 3);
  private final Duration measured = Duration.ofSeconds(Integer.getInteger("bench.seconds", 10));
  private final Duration warmup = Duration.ofSeconds(Integer.getInteger("bench.warmup", 3));
  private final Duration prewarm = Duration.ofSeconds(Integer.getInteger("bench.prewarm", 10));
  private final List<Step> steps = Step.parse(System.getProperty("bench.steps", "put:1,put:8,put:64,put:256,get:64,stale:64"));
  private final byte[] value = new byte[Integer.getInteger("bench.value", 256)];
  private final List<String> jvm = List.of(System.getProperty("bench.jvm", "-Xms256m -Xmx1536m").trim().split("\\s+"));
  private final String toml = System.getProperty("bench.toml", "").replace("\\n", "\n");
  private final Path etcd = Path.of(System.getProperty("bench.etcd", "/usr/bin/etcd"));
  private final Path dir = Path.of(System.getProperty("bench.dir", "packaging/target/bench-etcd")).toAbsolutePath();
  private final List<String> systems = Arrays.stream(System.getProperty("bench.systems", "raftd,etcd").split(","))
      .map(String::trim).filter(s -> !s.isEmpty()).toList();

  /** A system the comparison can drive: how to start a fresh cluster of it, and how to put load on one. */
  private record Contender(String name, Starter cluster, Function<List<String>, LoadTarget> target) {}

  private interface Starter {
    BenchCluster start() throws IOException, InterruptedException;
  }

  private EtcdComparison() {
    ThreadLocalRandom.current().nextBytes(value);
  }

  public static void main(String[] args) throws Exception {
    if (System.getProperty("raftd.lib") == null) {
      System.setProperty("raftd.lib", "lib");
    }
    if (System.getProperty("raftd.it.dir") == null) {
      System.setProperty("raftd.it.dir", System.getProperty("bench.dir", "packaging/target/bench-etcd"));
    }
    new EtcdComparison().run();
    System.exit(0);  // gRPC's and the client library's threads: be sure nothing lingers
  }

  /** The systems by name. */
  private Contender contender(String name) {
    Starter raftd = () -> new RaftdMembers(jvm, toml);
    return switch (name) {
      case "raftd" -> new Contender(name, raftd, endpoints -> new RaftdClientTarget(endpoints, Duration.ofSeconds(30)));
      case "raftd-bare" -> new Contender(name, raftd, endpoints -> {
        try {
          return new BareAdminTarget(endpoints.get(0));  // the leader's
        } catch (IOException e) {
          throw new UncheckedIOException("connecting to " + endpoints.get(0), e);
        }
      });
      case BASELINE -> new Contender(name, () -> new EtcdCluster(etcd, Files.createTempDirectory(dir, "etcd-")),
          endpoints -> new EtcdTarget(endpoints.get(0)));
      default -> throw new IllegalArgumentException("unknown system " + name + ": expected raftd, raftd-bare or etcd");
    };
  }

  private void run() throws Exception {
    List<Contender> contenders = systems.stream().map(this::contender).toList();  // fails before starting anything
    if (systems.contains(BASELINE) && !Files.isExecutable(etcd)) {
      throw new IllegalStateException(etcd + " is missing: apt-get install etcd-server (packaging/bench-vs-etcd does)");
    }
    // The data dirs of a run that was killed (its members stopped by the shutdown hooks, its files left): each run
    // deletes its own when it ends.
    BenchFiles.deleteTree(dir);
    Files.createDirectories(dir);
    System.out.printf("side by side: %s; %d ABBA pairs, fresh clusters; 3 members each on loopback, fsync on; %d B values;"
        + " pre-warm %d s of puts × 64, then per step warm-up %d s, measured %d s; raftd members' JVM %s%s; %s; %d CPUs,"
        + " Java %s; load average %s%n", String.join(", ", systems), pairs, value.length, prewarm.toSeconds(),
        warmup.toSeconds(), measured.toSeconds(), jvm, toml.isEmpty() ? "" : ", extra config " + toml.replace("\n", "\\n"),
        firstLine(etcd + " --version"), Runtime.getRuntime().availableProcessors(), System.getProperty("java.version"),
        ClusterBenchmark.loadAverage());
    List<StepResult> results = new ArrayList<>();
    for (int pair = 0; pair < pairs; pair++) {
      List<Contender> order = new ArrayList<>(contenders);
      if (pair % 2 == 1) {
        Collections.reverse(order);
      }
      for (Contender c : order) {
        List<StepResult> run = runOnce(c, pair);
        System.out.println(new ComparisonReport(run).allSteps());
        results.addAll(run);
      }
    }
    ComparisonReport report = new ComparisonReport(results);
    System.out.printf("%n## Every step of every run%n%n%s%n## Medians of the pairs%n%n%s", report.allSteps(),
        report.medians(steps, systems));
    for (String system : systems) {
      if (!system.equals(BASELINE) && systems.contains(BASELINE)) {
        System.out.printf("%n## %s / %s, per pair and the median%n%n%s", system, BASELINE, report.ratios(steps, system, BASELINE));
      }
    }
    System.out.printf("%nload average at the end: %s%n", ClusterBenchmark.loadAverage());
  }

  /** One run: a fresh cluster of {@code c}, one target on it, the pre-warm and every step; then both closed. */
  private List<StepResult> runOnce(Contender c, int pair) throws Exception {
    System.out.printf("%n== pair %d, %s: starting a fresh cluster (load average %s)%n", pair + 1, c.name(),
        ClusterBenchmark.loadAverage());
    List<StepResult> results = new ArrayList<>();
    try (BenchCluster cluster = c.cluster().start()) {
      System.out.println(cluster.describe());
      try (LoadTarget target = c.target().apply(cluster.clientEndpoints())) {
        Keys keys = new Keys();
        // One put alone first: the client finds the leader before many calls are in flight.
        target.put(keys.next(), value).get(30, TimeUnit.SECONDS);
        if (!prewarm.isZero()) {
          ClosedLoop.run(64, () -> target.put(keys.next(), value), prewarm, Duration.ZERO, () -> null);
        }
        for (Step step : steps) {
          results.add(step(c.name(), pair, step, cluster, call(step, target, keys)));
        }
      } catch (Exception | Error e) {
        // The logs go with the cluster's data dir when it closes.
        System.err.println(c.name() + " failed: " + e + "\n" + cluster.tails());
        throw e;
      }
      if (cluster instanceof RaftdMembers raftd) {
        System.out.println("raftd leader: " + raftd.stateSize());
      }
    }
    return results;
  }

  private Supplier<CompletableFuture<Void>> call(Step step, LoadTarget target, Keys keys) {
    return switch (step.kind()) {
      case PUT -> () -> target.put(keys.next(), value);
      case GET -> () -> target.get(keys.written(), true);
      case STALE -> () -> target.get(keys.written(), false);
    };
  }

  /** The counters a measured window is the difference of. */
  private record Sample(double serverCpuS, double clientCpuS, BenchCluster.WalCounters wal) {}

  private StepResult step(String system, int pair, Step step, BenchCluster cluster, Supplier<CompletableFuture<Void>> call)
      throws Exception {
    String leaderBefore = cluster.leadership();
    ClosedLoop.Measured<Sample> m = ClosedLoop.run(step.inFlight(), call, warmup, measured, () -> sample(cluster));
    String leaderAfter = cluster.leadership();
    List<String> notes = new ArrayList<>();
    if (!leaderBefore.equals(leaderAfter)) {
      notes.add("leadership changed: " + leaderBefore + " → " + leaderAfter);
    }
    if (m.stuck() > 0) {
      notes.add(m.stuck() + " calls did not come back within 30 s");
    }
    if (m.errors() > 0) {
      notes.add("first error: " + m.firstError());
    }
    StepResult r = new StepResult(system, pair, step, m.seconds(), m.latencies(), m.errors(),
        m.after().serverCpuS() - m.before().serverCpuS(), m.after().clientCpuS() - m.before().clientCpuS(),
        m.after().wal().fsyncs() - m.before().wal().fsyncs(), m.after().wal().entries() - m.before().wal().entries(),
        String.join("; ", notes));
    System.out.printf(Locale.ROOT, "  %s %s: %,.0f ops/s, p99 %.2f ms, %d errors (load average %s)%n", system, step,
        r.opsPerSecond(), r.latencies().millis(0.99), r.errors(), ClusterBenchmark.loadAverage());
    return r;
  }

  private static Sample sample(BenchCluster cluster) throws Exception {
    BenchCluster.WalCounters wal = cluster.leaderWal();
    double server = 0;
    for (long pid : cluster.pids()) {
      server += ProcStat.cpuSeconds(pid);
    }
    return new Sample(server, ProcStat.cpuSeconds(ProcessHandle.current().pid()), wal);
  }

  /** The first line a command prints, or what went wrong. */
  private static String firstLine(String command) {
    try {
      Process p = new ProcessBuilder(command.split(" ")).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      return out.lines().findFirst().orElse("");
    } catch (IOException | InterruptedException e) {
      return command + ": " + e;
    }
  }

  /**
   * The keys of one run: distinct keys for the puts ("key-000000000042", 16 bytes), and for the gets random keys of
   * those the puts asked for (a failed put's key may be missing: the get then finds nothing, which is still an answer).
   */
  private static final class Keys {
    private final AtomicLong next = new AtomicLong();

    byte[] next() {
      return key(next.getAndIncrement());
    }

    byte[] written() {
      return key(ThreadLocalRandom.current().nextLong(next.get()));
    }

    private static byte[] key(long n) {
      byte[] key = {'k', 'e', 'y', '-', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0', '0'};
      for (int i = key.length - 1; n > 0; i--, n /= 10) {
        key[i] = (byte) ('0' + n % 10);
      }
      return key;
    }
  }
}
