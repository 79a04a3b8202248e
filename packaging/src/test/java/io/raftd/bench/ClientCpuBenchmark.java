package io.raftd.bench;

import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.it.ProcessCluster;
import io.raftd.proto.NodeStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The client library's CPU per operation against a bare client of the same protocol (issue 19, item 2;
 * docs/benchmarks.md, "Client library"). Three raftd members as real processes from lib/ on loopback, fsync
 * "always"; two {@link LoadTarget}s on them: the library's asynchronous API ({@link RaftdClientTarget}) and
 * {@link BareAdminTarget}. Each target in turn keeps 64 operations in flight (closed loop: an answer sends the
 * next), puts of 256-byte values cycling through 100,000 keys, then linearizable gets of keys the puts wrote. Per op: a
 * warm-up of each target, then blocks alternated A B B A, several pairs. Then, for reference, the library's
 * blocking API on 64 threads (the only way to have 64 in flight before the asynchronous API).
 *
 * <p>Client CPU is this JVM's, utime + stime from /proc/self/stat over a block, divided by the operations
 * answered in it: only the target under test works then (the other's threads are idle), and the load
 * generator, GC and the JIT are in it, the same for both targets.
 *
 * <p>A main class, not a test. Run from the repository root after {@code mvn -B -o -q package -DskipTests}:
 * {@code java -cp "packaging/target/test-classes:raftd/target/test-classes:lib/*" io.raftd.bench.ClientCpuBenchmark}.
 * Properties: bench.seconds (5: one block), bench.pairs (3: ABBA pairs per op), bench.warmup (15: seconds per
 * target per op), bench.inflight (64), bench.value (256), bench.keys (100000), bench.ops ("put,get"), bench.blocking (true),
 * bench.jvm (the members' JVM options, "-Xms64m -Xmx512m"), bench.dir (packaging/target/bench), raftd.lib (lib).
 */
public final class ClientCpuBenchmark {
  private final double seconds = Double.parseDouble(System.getProperty("bench.seconds", "5"));
  private final int pairs = Integer.getInteger("bench.pairs", 3);
  private final double warmup = Double.parseDouble(System.getProperty("bench.warmup", "15"));
  private final int inFlight = Integer.getInteger("bench.inflight", 64);
  private final byte[] value = new byte[Integer.getInteger("bench.value", 256)];
  /** Puts cycle through this many keys: a state that stays under the members' default quota however long the run. */
  private final long keys = Long.getLong("bench.keys", 100_000);
  private final AtomicLong puts = new AtomicLong();
  private ProcessCluster cluster;

  private ClientCpuBenchmark() {
    ThreadLocalRandom.current().nextBytes(value);
  }

  public static void main(String[] args) throws Exception {
    if (System.getProperty("raftd.lib") == null) {
      System.setProperty("raftd.lib", "lib");
    }
    if (System.getProperty("raftd.it.dir") == null) {
      System.setProperty("raftd.it.dir", System.getProperty("bench.dir", "packaging/target/bench"));
    }
    new ClientCpuBenchmark().run();
    System.exit(0);  // the clients' reader threads are daemons, but be sure nothing lingers
  }

  /** What one target did in one measured block. */
  record Block(String op, String target, double seconds, long ops, long errors, double cpuS, String load) {
    double opsPerS() {
      return ops / seconds;
    }

    double cpuMicrosPerOp() {
      return cpuS * 1e6 / ops;
    }
  }

  /** One operation on a target; the load generator starts the next when it completes. */
  interface Op {
    CompletableFuture<Void> start(LoadTarget target);
  }

  private void run() throws Exception {
    List<String> jvm = List.of(System.getProperty("bench.jvm", "-Xms64m -Xmx512m").trim().split("\\s+"));
    System.out.printf(Locale.ROOT, "client CPU benchmark: 3 members, fsync always, %d B values, %d in flight, warm-up"
        + " %.0f s per target, blocks of %.0f s, %d ABBA pairs per op; %d CPUs; load average %s%n", value.length,
        inFlight, warmup, seconds, pairs, Runtime.getRuntime().availableProcessors(), ClusterBenchmark.loadAverage());
    boolean done = false;
    cluster = new ProcessCluster("client-cpu-bench", 3, "", "segment_bytes = 67108864\nfsync = \"always\"", jvm);
    try {
      cluster.startAll();
      int leader = cluster.awaitLeader(Duration.ofSeconds(60));
      long term = cluster.status(leader).getTerm();
      System.out.printf("members in %s; leader %s at %s%n", cluster.root, cluster.names.get(leader),
          cluster.adminAddresses.get(leader));
      idle();
      List<Block> blocks = new ArrayList<>();
      // bench.pairs=0 runs the blocking reference alone: with an older client library on the class path, the
      // library before the asynchronous API, against the same blocking reference of this one.
      if (pairs > 0) {
        blocks.addAll(alternated(leader));
      }
      if (Boolean.parseBoolean(System.getProperty("bench.blocking", "true"))) {
        try (RaftdClient client = RaftdClient.create(cluster.adminAddresses, Duration.ofSeconds(30))) {
          KvClient kv = new KvClient(client);
          for (String op : System.getProperty("bench.ops", "put,get").split(",")) {
            blockingBlock(op, kv, warmup);
            blocks.add(blockingBlock(op, kv, seconds));
          }
        }
      }
      NodeStatus s = cluster.status(leader);
      if (s == null || !s.getRole().equals("leader") || s.getTerm() != term) {
        throw new IllegalStateException("leadership changed during the run: " + s);
      }
      print(blocks);
      System.out.printf("load average at the end: %s%n", ClusterBenchmark.loadAverage());
      done = true;
    } catch (Throwable t) {
      System.err.println(cluster.tails(40));
      throw t;
    } finally {
      cluster.close();
      if (done) {
        deleteTree(cluster.root);
      }
    }
  }

  /** The library's asynchronous API and the bare client, each warmed up, then in ABBA blocks, op by op. */
  private List<Block> alternated(int leader) throws Exception {
    List<Block> blocks = new ArrayList<>();
    try (LoadTarget bare = new BareAdminTarget(cluster.adminAddresses.get(leader));
         LoadTarget library = new RaftdClientTarget(cluster.adminAddresses, Duration.ofSeconds(30))) {
      put().start(library).get(30, TimeUnit.SECONDS);  // connects the library to the leader first
      for (String op : System.getProperty("bench.ops", "put,get").split(",")) {
        Op o = op.equals("put") ? put() : get();
        System.out.printf("%s: warming up ...%n", op);
        measure(op, "bare", bare, o, warmup);
        measure(op, "library", library, o, warmup);
        for (int p = 0; p < pairs; p++) {
          blocks.add(measure(op, "library", library, o, seconds));
          blocks.add(measure(op, "bare", bare, o, seconds));
          blocks.add(measure(op, "bare", bare, o, seconds));
          blocks.add(measure(op, "library", library, o, seconds));
        }
      }
    }
    return blocks;
  }

  /** This JVM's CPU with no load: the floor under every block's CPU per op (its share shrinks as ops/s grow). */
  private void idle() throws Exception {
    double cpu0 = cpuSeconds();
    long t0 = System.nanoTime();
    Thread.sleep(3000);  // the idle window
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf(Locale.ROOT, "idle: this JVM used %.1f ms of CPU per second%n", (cpuSeconds() - cpu0) * 1e3 / s);
  }

  private Op put() {
    return target -> target.put(key(puts.getAndIncrement() % keys), value);
  }

  /** A linearizable get of a key some put wrote. */
  private Op get() {
    return target -> target.get(someKey(), true);
  }

  private byte[] someKey() {
    return key(ThreadLocalRandom.current().nextLong(Math.min(keys, puts.get())));
  }

  private static byte[] key(long k) {
    return String.format(Locale.ROOT, "key-%012d", k).getBytes(StandardCharsets.UTF_8);
  }

  /** Keeps {@link #inFlight} operations outstanding on {@code target} for {@code blockSeconds}, measured. */
  private Block measure(String op, String name, LoadTarget target, Op o, double blockSeconds) throws Exception {
    Chains chains = new Chains(target, o);
    for (int i = 0; i < inFlight; i++) {
      chains.next();
    }
    return window(op, name, chains.answered, chains.errors, chains.firstError, blockSeconds, () -> {
      chains.stopping = true;
      chains.ended.await(60, TimeUnit.SECONDS);
    });
  }

  /** {@link #inFlight} chains of operations, each starting the next when its last is answered. */
  private final class Chains {
    final LoadTarget target;
    final Op op;
    final AtomicLong answered = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    final AtomicReference<Throwable> firstError = new AtomicReference<>();
    final CountDownLatch ended = new CountDownLatch(inFlight);
    volatile boolean stopping;

    Chains(LoadTarget target, Op op) {
      this.target = target;
      this.op = op;
    }

    void next() {
      op.start(target).whenComplete((ok, e) -> {
        if (e != null) {
          errors.incrementAndGet();
          firstError.compareAndSet(null, e);
          ended.countDown();  // a failed chain ends: a failure at once must not recurse
        } else {
          answered.incrementAndGet();
          if (stopping) {
            ended.countDown();
          } else {
            next();
          }
        }
      });
    }
  }

  /** The library's blocking API: {@link #inFlight} threads, each with one call at a time. */
  private Block blockingBlock(String op, KvClient kv, double blockSeconds) throws Exception {
    AtomicLong answered = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    AtomicReference<Throwable> firstError = new AtomicReference<>();
    List<Thread> threads = new ArrayList<>();
    AtomicBoolean stopping = new AtomicBoolean();
    for (int t = 0; t < inFlight; t++) {
      Thread thread = new Thread(() -> {
        while (!stopping.get()) {
          try {
            if (op.equals("put")) {
              kv.put(ByteString.copyFrom(key(puts.getAndIncrement() % keys)), ByteString.copyFrom(value));
            } else {
              kv.get(ByteString.copyFrom(someKey()), false);
            }
            answered.incrementAndGet();
          } catch (Exception e) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, e);
          }
        }
      }, "blocking-" + t);
      thread.start();
      threads.add(thread);
    }
    return window(op, "blocking, " + inFlight + " threads", answered, errors, firstError, blockSeconds, () -> {
      stopping.set(true);
      for (Thread t : threads) {
        t.join();
      }
    });
  }

  interface Stop {
    void stop() throws InterruptedException;
  }

  /** Measures the load already running for {@code blockSeconds} (after a half-second ramp), then stops it. */
  private Block window(String op, String name, AtomicLong answered, AtomicLong errors,
      AtomicReference<Throwable> firstError, double blockSeconds, Stop stop) throws Exception {
    Thread.sleep(500);  // the ramp: every chain (or thread) running before the window opens
    long n0 = answered.get();
    long t0 = System.nanoTime();
    double cpu0 = cpuSeconds();
    Thread.sleep((long) (blockSeconds * 1000));  // the measured window
    long n1 = answered.get();
    long t1 = System.nanoTime();
    double cpu1 = cpuSeconds();
    String load = ClusterBenchmark.loadAverage();
    stop.stop();
    Block b = new Block(op, name, (t1 - t0) / 1e9, n1 - n0, errors.get(), cpu1 - cpu0, load);
    System.out.printf(Locale.ROOT, "  %s %-9s %,8.0f ops/s, %6.1f µs client CPU/op, %d errors%s; load %s%n", op, name,
        b.opsPerS(), b.cpuMicrosPerOp(), b.errors, b.errors > 0 ? " (first: " + firstError.get() + ")" : "", load);
    return b;
  }

  private static double cpuSeconds() throws IOException {
    return ProcStat.cpuSeconds(ProcessHandle.current().pid());
  }

  private void print(List<Block> blocks) {
    System.out.println();
    System.out.println("| op | client | blocks | ops/s (median) | client CPU µs/op (median, range) |");
    System.out.println("|---|---|---:|---:|---:|");
    for (String op : blocks.stream().map(Block::op).distinct().toList()) {
      for (String target : blocks.stream().map(Block::target).distinct().toList()) {
        List<Block> mine = blocks.stream().filter(b -> b.op.equals(op) && b.target.equals(target)).toList();
        if (mine.isEmpty()) {
          continue;
        }
        double[] cpu = mine.stream().mapToDouble(Block::cpuMicrosPerOp).sorted().toArray();
        System.out.printf(Locale.ROOT, "| %s | %s | %d | %,.0f | %.1f (%.1f–%.1f) |%n", op, target, mine.size(),
            median(mine.stream().mapToDouble(Block::opsPerS).toArray()), median(cpu), cpu[0], cpu[cpu.length - 1]);
      }
      // Per ABBA pair: the library's two blocks against the bare client's two.
      List<Block> lib = blocks.stream().filter(b -> b.op.equals(op) && b.target.equals("library")).toList();
      List<Block> bare = blocks.stream().filter(b -> b.op.equals(op) && b.target.equals("bare")).toList();
      double[] ratios = new double[lib.size() / 2];
      for (int p = 0; p < ratios.length; p++) {
        ratios[p] = perOp(lib.get(2 * p), lib.get(2 * p + 1)) / perOp(bare.get(2 * p), bare.get(2 * p + 1));
      }
      Arrays.sort(ratios);
      if (ratios.length > 0) {
        System.out.printf(Locale.ROOT, "%s: client CPU per op, library / bare, per pair: %s; median %.2f×%n", op,
            String.join(", ", Arrays.stream(ratios).mapToObj(r -> String.format(Locale.ROOT, "%.2f", r)).toList()),
            median(ratios));
      }
    }
  }

  /** CPU per op over two blocks together. */
  private static double perOp(Block a, Block b) {
    return (a.cpuS + b.cpuS) / (a.ops + b.ops);
  }

  private static double median(double[] values) {
    double[] v = values.clone();
    Arrays.sort(v);
    return v.length % 2 == 1 ? v[v.length / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
  }

  private static void deleteTree(Path root) throws IOException {
    try (var paths = Files.walk(root)) {
      for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
