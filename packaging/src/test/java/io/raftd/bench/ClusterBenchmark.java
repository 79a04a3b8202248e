package io.raftd.bench;

import com.google.protobuf.ByteString;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.it.ProcessCluster;
import io.raftd.proto.KvCommand;
import io.raftd.proto.KvGet;
import io.raftd.proto.KvPut;
import io.raftd.proto.KvQuery;
import io.raftd.proto.KvQueryResult;
import io.raftd.proto.NodeStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The cluster benchmark (issue 6; docs/benchmarks.md, "Cluster"): three raftd members as real processes
 * from lib/ on loopback, fsync "always", driven through the client library. Cells: puts of 256-byte values
 * under distinct keys at 1, 64 and 256 requests in flight, then linearizable gets (of keys the puts wrote) at
 * 64 in flight. In flight = that many threads, each with one blocking request at a time, all on one
 * {@link RaftdClient} (so one pipelined connection, to the leader). Per cell: a warm-up, then a fixed measured
 * window; throughput, p50/p99 latency, the leader's WAL group commit (entries and writes per fsync, from the
 * deltas of its status counters) and the CPU time of the three member processes per operation.
 *
 * <p>A main class, not a test: CI never runs it. Run from the repository root after {@code mvn -q -o package
 * -DskipTests}: {@code java -cp "packaging/target/test-classes:lib/*" io.raftd.bench.ClusterBenchmark}.
 * Properties: bench.seconds (10), bench.warmup (3), bench.value (256), bench.puts ("1,64,256"),
 * bench.gets ("64"), bench.prewarm (20: seconds of puts, then half that of gets, before the first cell),
 * bench.jvm (the members' JVM options; bin/raftd's default "-Xms64m -Xmx512m"),
 * bench.toml (tables appended to every member's config, "\n" for a line break), bench.dir
 * (packaging/target/bench), bench.keep (false: the members' data dirs are deleted after a successful run),
 * raftd.lib (lib).
 */
public final class ClusterBenchmark {
  private final int seconds = Integer.getInteger("bench.seconds", 10);
  private final int warmup = Integer.getInteger("bench.warmup", 3);
  private final byte[] value = new byte[Integer.getInteger("bench.value", 256)];
  private final AtomicLong nextKey = new AtomicLong();
  /** Keys whose put failed (an unknown outcome: applied or not): the gets do not read them. */
  private final java.util.Set<Long> failedKeys = java.util.concurrent.ConcurrentHashMap.newKeySet();
  private ProcessCluster cluster;
  private RaftdClient client;
  private int leader;
  private long leaderTerm;

  private ClusterBenchmark() {
    ThreadLocalRandom.current().nextBytes(value);
  }

  public static void main(String[] args) throws Exception {
    if (System.getProperty("raftd.lib") == null) {
      System.setProperty("raftd.lib", "lib");
    }
    if (System.getProperty("raftd.it.dir") == null) {
      System.setProperty("raftd.it.dir", System.getProperty("bench.dir", "packaging/target/bench"));
    }
    new ClusterBenchmark().run();
    System.exit(0);  // the client's reader threads are daemons, but be sure nothing lingers
  }

  /** What one measured window produced. */
  record Cell(String op, int inFlight, double seconds, long ops, long errors, long[] latenciesNs, long fsyncs,
      long writes, long entries, double serverCpuS, double clientCpuS, double[] perMemberCpuS, String load) {}

  private void run() throws Exception {
    List<String> jvm = List.of(System.getProperty("bench.jvm", "-Xms64m -Xmx512m").trim().split("\\s+"));
    System.out.printf("cluster benchmark: 3 members, fsync always, %d B values, warm-up %d s, measured %d s per cell;"
        + " member JVM options %s; load average %s%n", value.length, warmup, seconds, jvm, loadAverage());
    String toml = System.getProperty("bench.toml", "").replace("\\n", "\n");
    if (!toml.isEmpty()) {
      System.out.printf("extra config of every member:%n%s%n", toml);
    }
    boolean done = false;
    cluster = new ProcessCluster("cluster-bench", 3, toml, "segment_bytes = 67108864\nfsync = \"always\"", jvm);
    try {
      cluster.startAll();
      leader = cluster.awaitLeader(Duration.ofSeconds(60));
      leaderTerm = cluster.status(leader).getTerm();
      System.out.printf("members in %s; leader %s (pid %d); pids %d %d %d%n", cluster.root, cluster.names.get(leader),
          cluster.pid(leader), cluster.pid(0), cluster.pid(1), cluster.pid(2));
      idle();
      client = RaftdClient.create(cluster.adminAddresses, Duration.ofSeconds(30));
      // One put alone first: it leaves the client connected to the leader. (Were 64 threads to start on a
      // follower's connection, the first NOT_LEADER redirect would close it under the other 63 puts, which
      // then fail with an unknown outcome.)
      put();
      int prewarm = Integer.getInteger("bench.prewarm", 20);
      if (prewarm > 0) {
        // The members' JIT compiles the write and read paths here, not in the first cell.
        System.out.printf("pre-warm: %d s of puts, then %d s of gets, at 64 in flight ...%n", prewarm, prewarm / 2);
        load(64, this::put, Duration.ofSeconds(prewarm));
        load(64, this::get, Duration.ofSeconds(prewarm / 2));
      }
      List<Cell> cells = new ArrayList<>();
      for (int n : ints("bench.puts", "1,64,256")) {
        cells.add(cell("put", n, this::put));
      }
      for (int n : ints("bench.gets", "64")) {
        cells.add(cell("get", n, this::get));
      }
      client.close();
      print(cells);
      System.out.printf("load average at the end: %s%n", loadAverage());
      done = true;
    } catch (Throwable t) {
      System.err.println(cluster.tails(40));
      throw t;
    } finally {
      cluster.close();
      if (done && !Boolean.getBoolean("bench.keep")) {
        BenchFiles.deleteTree(cluster.root);  // about 1 GB of WAL and snapshots
      }
    }
  }

  /** Runs {@code op} on {@code threads} threads for {@code time}, measuring nothing. */
  private void load(int threads, Op op, Duration time) throws InterruptedException {
    long end = System.nanoTime() + time.toNanos();
    AtomicLong errors = new AtomicLong();
    AtomicReference<Throwable> firstError = new AtomicReference<>();
    List<Thread> all = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread thread = new Thread(() -> {
        while (System.nanoTime() - end < 0) {
          try {
            op.run();
          } catch (Exception e) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, e);
          }
        }
      }, "prewarm-" + t);
      thread.start();
      all.add(thread);
    }
    for (Thread t : all) {
      t.join();
    }
    if (errors.get() > 0) {
      System.out.printf("  pre-warm: %d errors, the first: %s%n", errors.get(), firstError.get());
    }
  }

  /** The members' CPU with no load, after a few seconds to settle: the floor under every cell's CPU per op. */
  private void idle() throws Exception {
    Thread.sleep(3000);  // let start-up compilation and the first election settle
    Snapshot before = snapshot();
    Thread.sleep(5000);  // the idle window
    Snapshot after = snapshot();
    double s = (after.nanos - before.nanos) / 1e9;
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      b.append(String.format(Locale.ROOT, " %s %.1f%%", cluster.names.get(i),
          100 * (after.memberCpuS[i] - before.memberCpuS[i]) / s));
    }
    System.out.printf("idle CPU of one core over %.0f s:%s; leader fsyncs/s %.1f%n", s, b,
        (after.leader.getWalFsyncs() - before.leader.getWalFsyncs()) / s);
  }

  interface Op {
    void run() throws Exception;
  }

  private void put() throws Exception {
    long k = nextKey.getAndIncrement();
    byte[] key = String.format("key-%012d", k).getBytes(StandardCharsets.UTF_8);
    try {
      client.write(KvCommand.newBuilder().setPut(KvPut.newBuilder().setKey(ByteString.copyFrom(key))
          .setValue(ByteString.copyFrom(value))).build().toByteArray());
    } catch (Exception e) {
      failedKeys.add(k);
      throw e;
    }
  }

  /** A linearizable get of a key some put wrote (the puts run first). */
  private void get() throws Exception {
    long written = nextKey.get();
    long k;
    do {
      k = ThreadLocalRandom.current().nextLong(written);
    } while (failedKeys.contains(k));
    byte[] q = KvQuery.newBuilder().setGet(KvGet.newBuilder().setKey(ByteString.copyFrom(
        String.format("key-%012d", k), StandardCharsets.UTF_8))).build().toByteArray();
    io.raftd.proto.ReadResponse response = client.read(q, false);
    KvQueryResult r = KvQueryResult.parseFrom(response.getResult());
    if (r.getKvsCount() != 1 || r.getKvs(0).getValue().size() != value.length) {
      throw new IllegalStateException("linearizable get of key " + k + " (of " + written + " written) found "
          + r.getKvsCount() + " values at applied index " + response.getAppliedIndex() + "; " + lookAgain(q));
    }
  }

  /** After a get found nothing: what a second linearizable read and a stale read of each member find. */
  private String lookAgain(byte[] query) {
    StringBuilder b = new StringBuilder("again:");
    try {
      b.append(" linearizable ").append(KvQueryResult.parseFrom(client.read(query, false).getResult()).getKvsCount());
      for (int i = 0; i < 3; i++) {
        try (RaftdClient one = RaftdClient.create(List.of(cluster.adminAddresses.get(i)), Duration.ofSeconds(5))) {
          io.raftd.proto.ReadResponse r = one.read(query, true);
          b.append(", stale at ").append(cluster.names.get(i)).append(' ')
              .append(KvQueryResult.parseFrom(r.getResult()).getKvsCount()).append(" (applied ")
              .append(r.getAppliedIndex()).append(')');
        }
      }
    } catch (Exception e) {
      b.append(" failed: ").append(e);
    }
    return b.toString();
  }

  /**
   * Runs {@code inFlight} threads issuing {@code op} back to back: the warm-up, then the measured window. An op
   * counts if it completes inside the window; its latency is sampled then.
   */
  private Cell cell(String name, int inFlight, Op op) throws Exception {
    System.out.printf("%s x %d: warming up %d s ...%n", name, inFlight, warmup);
    long start = System.nanoTime();
    long windowStart = start + Duration.ofSeconds(warmup).toNanos();
    long windowEnd = windowStart + Duration.ofSeconds(seconds).toNanos();
    long[][] latencies = new long[inFlight][];
    int[] counts = new int[inFlight];
    long[] errors = new long[inFlight];
    AtomicReference<Throwable> firstError = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < inFlight; t++) {
      int id = t;
      latencies[id] = new long[1 << 12];
      Thread thread = new Thread(() -> {
        while (true) {
          long s = System.nanoTime();
          if (s - windowEnd >= 0) {
            return;
          }
          try {
            op.run();
          } catch (Exception e) {
            errors[id]++;
            firstError.compareAndSet(null, e);
            continue;
          }
          long e = System.nanoTime();
          if (e - windowStart >= 0 && e - windowEnd < 0) {
            if (counts[id] == latencies[id].length) {
              latencies[id] = Arrays.copyOf(latencies[id], 2 * counts[id]);
            }
            latencies[id][counts[id]++] = e - s;
          }
        }
      }, name + "-" + t);
      threads.add(thread);
    }
    threads.forEach(Thread::start);
    ClosedLoop.sleepUntil(windowStart);
    long windowStartMs = System.currentTimeMillis();
    Snapshot before = snapshot();
    ClosedLoop.sleepUntil(windowEnd);
    Snapshot after = snapshot();
    // For JfrAllocation: the members' allocation samples inside this window, when they record with JFR.
    System.out.printf("  window: %d..%d ms since the epoch%n", windowStartMs, System.currentTimeMillis());
    String load = loadAverage();
    for (Thread t : threads) {
      t.join();
    }
    NodeStatus s = cluster.status(leader);
    if (s == null || !s.getRole().equals("leader") || s.getTerm() != leaderTerm) {
      throw new IllegalStateException("leadership changed during the cell: " + s);
    }
    int total = Arrays.stream(counts).sum();
    long[] all = new long[total];
    int at = 0;
    for (int t = 0; t < inFlight; t++) {
      System.arraycopy(latencies[t], 0, all, at, counts[t]);
      at += counts[t];
    }
    Arrays.sort(all);
    long errorCount = Arrays.stream(errors).sum();
    if (errorCount > 0) {
      System.out.printf("  %d errors, the first: %s%n", errorCount, firstError.get());
    }
    double[] perMember = new double[3];
    for (int i = 0; i < 3; i++) {
      perMember[i] = after.memberCpuS[i] - before.memberCpuS[i];
    }
    Cell c = new Cell(name, inFlight, (after.nanos - before.nanos) / 1e9, total, errorCount, all,
        after.leader.getWalFsyncs() - before.leader.getWalFsyncs(),
        after.leader.getWalFsyncedWrites() - before.leader.getWalFsyncedWrites(),
        after.leader.getWalFsyncedEntries() - before.leader.getWalFsyncedEntries(),
        Arrays.stream(perMember).sum(), after.clientCpuS - before.clientCpuS, perMember, load);
    StringBuilder sys = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      sys.append(String.format(Locale.ROOT, " %s %.2f/%.2f", cluster.names.get(i),
          perMember[i] - (after.memberSysS[i] - before.memberSysS[i]), after.memberSysS[i] - before.memberSysS[i]));
    }
    System.out.printf("  %,.0f ops/s, p50 %.2f ms, p99 %.2f ms; CPU s user/sys:%s; leader context switches/op %.1f;"
        + " load average %s%n", c.ops / c.seconds, percentile(all, 0.50) / 1e6, percentile(all, 0.99) / 1e6, sys,
        (after.leaderSwitches - before.leaderSwitches) / (double) Math.max(1, c.ops), load);
    return c;
  }

  /** The counters a measured window is the difference of. */
  private record Snapshot(long nanos, NodeStatus leader, double[] memberCpuS, double[] memberSysS, double clientCpuS,
      long leaderSwitches) {}

  private Snapshot snapshot() throws IOException, InterruptedException {
    double[] cpu = new double[3];
    double[] sys = new double[3];
    for (int i = 0; i < 3; i++) {
      double[] us = ProcStat.userAndSystemSeconds(cluster.pid(i));
      cpu[i] = us[0] + us[1];
      sys[i] = us[1];
    }
    long switches = contextSwitches(cluster.pid(leader));
    long nanos = System.nanoTime();
    double[] self = ProcStat.userAndSystemSeconds(ProcessHandle.current().pid());
    NodeStatus s = cluster.status(leader);
    if (s == null) {
      throw new IllegalStateException("the leader does not answer a status request");
    }
    return new Snapshot(nanos, s, cpu, sys, self[0] + self[1], switches);
  }

  /** Voluntary and involuntary context switches of every thread of a process (threads that ended are not counted). */
  static long contextSwitches(long pid) throws IOException {
    long n = 0;
    try (var tasks = Files.list(Paths.get("/proc", Long.toString(pid), "task"))) {
      for (Path task : tasks.toList()) {
        try {
          for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.contains("ctxt_switches:")) {
              n += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
          }
        } catch (IOException e) {
          // the thread ended meanwhile
        }
      }
    }
    return n;
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "?";
    }
  }

  private static double percentile(long[] sorted, double p) {
    if (sorted.length == 0) {
      return Double.NaN;
    }
    return sorted[(int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
  }

  private static int[] ints(String property, String def) {
    String v = System.getProperty(property, def).trim();
    return v.isEmpty() ? new int[0] : Arrays.stream(v.split(",")).mapToInt(s -> Integer.parseInt(s.trim())).toArray();
  }

  private void print(List<Cell> cells) {
    System.out.println();
    System.out.println("| op | in flight | ops/s | p50 ms | p99 ms | leader fsyncs/s | entries/fsync | writes/fsync"
        + " | server CPU µs/op | CPU n1/n2/n3 s | client CPU µs/op | errors |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (Cell c : cells) {
      String perFsync = c.fsyncs == 0 ? "–" : String.format(Locale.ROOT, "%.1f", c.entries / (double) c.fsyncs);
      String writesPerFsync = c.fsyncs == 0 ? "–" : String.format(Locale.ROOT, "%.2f", c.writes / (double) c.fsyncs);
      String members = String.format(Locale.ROOT, "%.1f/%.1f/%.1f", c.perMemberCpuS[0], c.perMemberCpuS[1],
          c.perMemberCpuS[2]);
      System.out.println(String.format(Locale.ROOT, "| %s | %d | %,.0f | %.2f | %.2f | %,.0f | %s | %s | %.0f | %s | %.0f | %d |",
          c.op, c.inFlight, c.ops / c.seconds, percentile(c.latenciesNs, 0.50) / 1e6,
          percentile(c.latenciesNs, 0.99) / 1e6, c.fsyncs / c.seconds, perFsync, writesPerFsync,
          c.serverCpuS * 1e6 / c.ops, members, c.clientCpuS * 1e6 / c.ops, c.errors));
    }
    System.out.printf("leader: %s. Load average at the end of each cell: %s%n", cluster.names.get(leader),
        String.join("; ", cells.stream().map(c -> c.op + " x " + c.inFlight + " " + c.load).toList()));
  }
}
