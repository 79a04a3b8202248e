package io.raftd.bench;

import com.google.protobuf.ByteString;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.storage.FileIO;
import io.raftd.storage.ForwardingFileIO;
import io.raftd.storage.NioFileIO;
import io.raftd.storage.WriteAheadLog;
import io.raftd.walformat.WalFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.stream.Stream;

/**
 * The write-ahead log benchmark (issue 5). A main class, not a JUnit test, so CI never runs it.
 *
 * <p>For entry sizes 128 B, 1 KiB and 16 KiB in batches of 1, 16 and 256, one writer appends batches
 * to a {@link WriteAheadLog} with fsync always, each batch one {@code writeBatch} + {@code sync} of what
 * a second thread staged meanwhile ({@code stage}, as the daemon's RaftLoop does while its WAL writer
 * syncs), in the state production reaches: the log compacts behind a snapshot
 * every 64 MiB of entry data and new segments are written into recycled files ({@link WalSide}); the
 * same run measures a bare {@link FileChannel} doing
 * {@code write} + {@code force(false)} of the same entry-data bytes per batch into a preallocated file:
 * the floor the WAL is compared with. Then, unless {@code -Dbench.recovery=false}, it writes a 1 GiB log
 * of 1 KiB entries and times {@link WriteAheadLog#open} on it cold (page cache dropped, which needs root)
 * and warm.
 *
 * <p>Run from the root, installing first: {@code -pl raftd} takes the {@code common} module from the local
 * repository (docs/benchmarks.md):
 * <pre>
 * mvn -q -o install -DskipTests
 * mvn -q -o -pl raftd test-compile exec:java -Dexec.mainClass=io.raftd.bench.WalBenchmark -Dexec.classpathScope=test
 * </pre>
 * Properties: {@code bench.dir} (a fresh directory is made inside it and deleted afterwards; default
 * {@code raftd/target}), {@code bench.seconds} measured per cell and side (default 3), {@code bench.block}
 * (the sides take turns in blocks this long, default 0.5 s), {@code bench.warmup} seconds per cell and side
 * (default 0.5), {@code bench.cells} (the append cells, default true), {@code bench.recovery} (default
 * true), {@code bench.cell} (only this cell, e.g. {@code 1024x256}; default all), {@code bench.recoveryBytes}
 * (entry data in the recovery log, default 1 GiB).
 */
public final class WalBenchmark {
  private WalBenchmark() {}

  static final int[] SIZES = {128, 1024, 16 << 10};
  static final int[] BATCHES = {1, 16, 256};
  static final Configuration BOOT = Configuration.newBuilder().addVoters(1).build();
  /** The raw side's preallocated file; it is rewritten from the start when full. Same as a WAL segment. */
  static final long RAW_FILE_BYTES = WriteAheadLog.Options.DEFAULT_SEGMENT_BYTES;
  static final int MAX_SAMPLES = 2_000_000;

  /**
   * One side of one cell: per-batch latencies and where the time went; for the WAL, how many rollovers in
   * the measured time went into recycled files and how many into fresh (preallocated) ones.
   */
  record Run(int size, int batch, long batches, long elapsedNanos, long[] sorted, long stepA, long stepB, long stepC,
      long recycled, long fresh) {
    double batchesPerSecond() {
      return batches * 1e9 / elapsedNanos;
    }

    double appendsPerSecond() {
      return batchesPerSecond() * batch;
    }

    /** Entry data only (10^6 bytes), the same count on both sides. */
    double megabytesPerSecond() {
      return appendsPerSecond() * size / 1e6;
    }

    double meanMicros() {
      return Arrays.stream(sorted).average().orElse(0) / 1e3;
    }

    double percentileMicros(double p) {
      int rank = (int) Math.ceil(p * sorted.length);
      return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))] / 1e3;
    }

    double meanMicros(long stepNanos) {
      return stepNanos / 1e3 / batches;
    }
  }

  public static void main(String[] args) throws Exception {
    double seconds = Double.parseDouble(System.getProperty("bench.seconds", "3"));
    double warmup = Double.parseDouble(System.getProperty("bench.warmup", "0.5"));
    double block = Double.parseDouble(System.getProperty("bench.block", "0.5"));
    boolean cellsWanted = Boolean.parseBoolean(System.getProperty("bench.cells", "true"));
    String onlyCell = System.getProperty("bench.cell");
    boolean recovery = Boolean.parseBoolean(System.getProperty("bench.recovery", "true"));
    long recoveryBytes = Long.parseLong(System.getProperty("bench.recoveryBytes", String.valueOf(1L << 30)));
    Path parent = System.getProperty("bench.dir") != null ? Path.of(System.getProperty("bench.dir")) : targetDir();
    Files.createDirectories(parent);
    Path root = Files.createTempDirectory(parent, "wal-bench-");
    ExecutorService preallocator = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "wal-preallocator");
      t.setDaemon(true);
      return t;
    });
    try {
      machine(root);
      System.out.printf(Locale.ROOT, "cell: %.1f s measured per side, WAL and raw taking turns in %.1f s blocks, after"
          + " %.1f s warm-up each; fsync always; one writer%n%n", seconds, block, warmup);
      if (cellsWanted) {
        Path rawFile = root.resolve("raw.dat");
        try (FileChannel raw = FileChannel.open(rawFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
            StandardOpenOption.WRITE)) {
          preallocate(raw, RAW_FILE_BYTES);
          // JIT warm-up on both paths before anything is recorded.
          cell(root.resolve("warmup"), preallocator, raw, 1024, 16, 1.0, 1.0, 0.5);

          List<Run[]> cells = new ArrayList<>();
          for (int size : SIZES) {
            for (int batch : BATCHES) {
              if (onlyCell != null && !onlyCell.equals(size + "x" + batch)) {
                continue;
              }
              Path dir = root.resolve("wal-" + size + "x" + batch);
              Run[] c = cell(dir, preallocator, raw, size, batch, seconds, warmup, block);
              Run w = c[0];
              Run r = c[1];
              cells.add(c);
              System.out.printf(Locale.ROOT, "  done %5d B x %3d: WAL %.0f appends/s, raw %.0f appends/s%n",
                  size, batch, w.appendsPerSecond(), r.appendsPerSecond());
            }
          }
          report(cells);
        }
        Files.delete(rawFile);
      }
      if (recovery) {
        recovery(root.resolve("recovery"), preallocator, recoveryBytes);
      } else {
        System.out.println("\nrecovery: skipped (-Dbench.recovery=false)");
      }
      System.out.printf(Locale.ROOT, "%nload average at end: %s%n", load());
    } finally {
      deleteTree(root);
      preallocator.shutdownNow();
    }
  }

  // ---- the two sides of a cell ----

  static List<Entry> batch(long first, int n, ByteString data) {
    List<Entry> out = new ArrayList<>(n);
    for (int k = 0; k < n; k++) {
      out.add(Entry.newBuilder().setIndex(first + k).setTerm(1).setData(data).build());
    }
    return out;
  }

  /** Per-batch latencies and step times collected over the blocks of one side of a cell. */
  static final class Samples {
    long[] nanos = new long[1 << 12];
    int count;
    long elapsed;
    long stepA;
    long stepB;
    long stepC;
    long recycled;
    long fresh;

    void add(long latency) {
      if (count == nanos.length) {
        nanos = Arrays.copyOf(nanos, nanos.length * 2);
      }
      nanos[count++] = latency;
    }

    Run run(int size, int batch) {
      long[] sorted = Arrays.copyOf(nanos, count);
      Arrays.sort(sorted);
      return new Run(size, batch, count, elapsed, sorted, stepA, stepB, stepC, recycled, fresh);
    }
  }

  /**
   * One cell: the WAL and the raw file take turns in blocks of {@code block} seconds until each has run
   * {@code seconds}, so that both see the same device (a virtual disk's fsync latency drifts by 10x
   * within seconds).
   */
  static Run[] cell(Path dir, ExecutorService preallocator, FileChannel raw, int size, int batch, double seconds,
      double warmup, double block) throws IOException {
    Samples w = new Samples();
    Samples r = new Samples();
    try (WalSide wal = new WalSide(dir, preallocator, size, batch)) {
      RawSide bare = new RawSide(raw, size, batch);
      wal.run(warmup, null);
      bare.run(warmup, null);
      for (double done = 0; done < seconds - 1e-9; done += block) {
        double b = Math.min(block, seconds - done);
        wal.run(b, w);
        bare.run(b, r);
      }
    }
    return new Run[] {w.run(size, batch), r.run(size, batch)};
  }

  /** The daemon's default {@code snapshot.bytes}: a snapshot per 64 MiB of applied entry data. */
  static final long SNAPSHOT_BYTES = 64L << 20;

  /** Counts the rollovers that start a segment in a recycled file and those that start one in a fresh file. */
  static final class RolloverCount extends ForwardingFileIO {
    long recycled;
    long fresh;

    RolloverCount(FileIO io) {
      super(io);
    }

    @Override
    public void rename(Path from, Path to) throws IOException {
      String name = from.getFileName().toString();
      if (name.endsWith(WalFormat.FREE_SUFFIX)) {
        recycled++;
      } else if (name.endsWith(WalFormat.TEMP_SUFFIX)) {
        fresh++;
      }
      super.rename(from, to);
    }
  }

  /**
   * Appends batches to a WAL in the state a member runs in: the log compacts behind a snapshot every
   * {@link #SNAPSHOT_BYTES} of entry data (the snapshot record goes in the next batch), so new segments are
   * written into recycled files. The threads are a member's: batches are staged on one thread (the
   * RaftLoop's part: the records are encoded there, and the log's view is compacted once a snapshot record
   * is durable) and written and synced on another (the WAL writer's, which also retires the compacted
   * segments before its next batch), one batch ahead: batch n+1 is staged while batch n is written and
   * synced. A batch's latency is its own stage + writeBatch + sync; the throughput is the writer's, whose
   * time is writeBatch + sync (and the retiring of segments).
   */
  static final class WalSide implements AutoCloseable {
    final WriteAheadLog wal;
    final RolloverCount io;
    final ExecutorService preallocator;
    final ByteString data;
    final int batch;
    /** The next index to write, and to stage (the stager's own). */
    long next = 1;
    long nextStaged;
    long sinceSnapshot;
    /** The stager may stage one more batch; the writer gives the permit back once it has taken the last one. */
    final Semaphore mayStage = new Semaphore(1);
    /** How long each staged batch took to stage, in nanoseconds, in order; the writer takes them. */
    final BlockingQueue<Long> staged = new ArrayBlockingQueue<>(1);
    final Thread stager;
    volatile Throwable stagerFailed;
    /** A snapshot record is durable: the stager compacts the view, then the writer retires segments. */
    volatile boolean compactDue;
    volatile boolean retireDue;

    WalSide(Path dir, ExecutorService preallocator, int size, int batch) throws IOException {
      this.io = new RolloverCount(new NioFileIO());
      this.wal = WriteAheadLog.open(io, dir, WriteAheadLog.Options.defaults(preallocator), BOOT);
      this.preallocator = preallocator;
      this.data = ByteString.copyFrom(randomBytes(size, size * 31L + batch));
      this.batch = batch;
      reachRecycling();
      nextStaged = next;
      stager = new Thread(this::stage, "wal-bench-stager");
      stager.setDaemon(true);
      stager.start();
    }

    /**
     * Writes, untimed, in batches of 256 x 16 KiB, until a new segment has been started in a recycled
     * file: from then on every rollover is, as on a member whose log has compacted once.
     */
    private void reachRecycling() throws IOException {
      ByteString big = ByteString.copyFrom(randomBytes(16 << 10, 5));
      while (io.recycled == 0) {
        wal.stage(null, null, batch(next, 256, big));
        next += 256;
        sinceSnapshot += 256L * big.size();
        writeAndSync(null, 0);
      }
      awaitPreallocation(preallocator);
    }

    /** The stager thread: stages a batch each time the writer has taken the one before. */
    private void stage() {
      try {
        while (true) {
          mayStage.acquire();
          if (compactDue) {
            compactDue = false;
            wal.compact();
            retireDue = true;
          }
          List<Entry> entries = batch(nextStaged, batch, data);
          nextStaged += batch;
          long t0 = System.nanoTime();
          wal.stage(null, null, entries);
          staged.put(System.nanoTime() - t0);
        }
      } catch (InterruptedException e) {
        // closed
      } catch (Throwable t) {
        stagerFailed = t;
        staged.offer(-1L);
      }
    }

    /** One batch, staged ahead by the stager: written and synced, timed into {@code out}. */
    private void append(Samples out) throws IOException {
      long stageNanos;
      try {
        stageNanos = staged.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      if (stagerFailed != null) {
        throw new IllegalStateException("staging failed", stagerFailed);
      }
      next += batch;
      sinceSnapshot += (long) batch * data.size();
      writeAndSync(out, stageNanos);
    }

    /**
     * Writes and syncs what is staged, with the snapshot record when a snapshot is due; lets the stager
     * stage the next batch as soon as this one is taken.
     */
    private void writeAndSync(Samples out, long stageNanos) throws IOException {
      long t1 = System.nanoTime();
      if (retireDue) {
        retireDue = false;
        wal.deleteCompactedSegments();
      }
      boolean snapshot = sinceSnapshot >= SNAPSHOT_BYTES;
      if (snapshot) {
        wal.snapshotTaken(SnapshotMetadata.newBuilder().setIndex(next - 1).setTerm(1).setConfiguration(BOOT).build(),
            next - 1);
        sinceSnapshot = 0;
      }
      wal.writeBatch();
      long t2 = System.nanoTime();
      if (stager != null) {  // null while reachRecycling stages for itself
        mayStage.release();  // the benchmark's hand-off, not the WAL's: outside the batch's latency
      }
      long t2b = System.nanoTime();
      wal.sync();
      if (snapshot && stager == null) {  // reachRecycling, with no stager yet, compacts for itself
        wal.compact();
        wal.deleteCompactedSegments();
      } else if (snapshot) {
        compactDue = true;
      }
      long t3 = System.nanoTime();
      if (out != null) {
        out.stepA += stageNanos;
        out.stepB += t2 - t1;
        out.stepC += t3 - t2b;
        out.add(stageNanos + (t2 - t1) + (t3 - t2b));
      }
      last = t3;
    }

    /** When the last batch ended. */
    long last;

    /**
     * Appends for {@code seconds} (at least one batch), recording into {@code out} unless it is null. A
     * block ends once the background preallocation of the next segment, started by a rollover in it, is
     * done, and that wait counts in the block's time: the WAL's throughput pays for its preallocation,
     * and the raw block after it does not run next to it. The very first batch starts the first segment.
     */
    void run(double seconds, Samples out) throws IOException {
      long start = System.nanoTime();
      long end = start + (long) (seconds * 1e9);
      long recycled = io.recycled;
      long fresh = io.fresh;
      do {
        append(out);
      } while (last < end && (out == null || out.count < MAX_SAMPLES));
      awaitPreallocation(preallocator);
      if (out != null) {
        out.elapsed += System.nanoTime() - start;
        out.recycled += io.recycled - recycled;
        out.fresh += io.fresh - fresh;
      }
    }

    @Override
    public void close() throws IOException {
      stager.interrupt();
      try {
        stager.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      wal.close();
    }
  }

  /** Waits for every task queued on the single-thread preallocator so far: they run in order. */
  static void awaitPreallocation(ExecutorService preallocator) {
    try {
      preallocator.submit(() -> {}).get();
    } catch (InterruptedException | java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException(e);
    }
  }

  /** write + force(false) of batch * size bytes, appended to a preallocated file (from its start again when full). */
  static final class RawSide {
    final FileChannel ch;
    final ByteBuffer buf;
    final int bytes;
    long pos;

    RawSide(FileChannel ch, int size, int batch) {
      this.ch = ch;
      this.bytes = size * batch;
      this.buf = ByteBuffer.allocateDirect(bytes);
      buf.put(randomBytes(bytes, size * 17L + batch)).flip();
    }

    void run(double seconds, Samples out) throws IOException {
      long start = System.nanoTime();
      long end = start + (long) (seconds * 1e9);
      long now = start;
      do {
        if (pos + bytes > RAW_FILE_BYTES) {
          pos = 0;
        }
        buf.clear();
        long t0 = System.nanoTime();
        for (long p = pos; buf.hasRemaining(); ) {
          p += ch.write(buf, p);
        }
        long t1 = System.nanoTime();
        ch.force(false);
        long t2 = System.nanoTime();
        pos += bytes;
        if (out != null) {
          out.stepB += t1 - t0;
          out.stepC += t2 - t1;
          out.add(t2 - t0);
        }
        now = t2;
      } while (now < end && (out == null || out.count < MAX_SAMPLES));
      if (out != null) {
        out.elapsed += now - start;
      }
    }
  }

  /** Zeros, written and forced: what the WAL does to a segment before writing frames into it. */
  static void preallocate(FileChannel ch, long bytes) throws IOException {
    ByteBuffer zeros = ByteBuffer.allocateDirect(1 << 20);
    for (long at = 0; at < bytes; at += zeros.capacity()) {
      zeros.clear();
      for (long p = at; zeros.hasRemaining(); ) {
        p += ch.write(zeros, p);
      }
    }
    ch.force(false);
  }

  // ---- the report ----

  static void report(List<Run[]> cells) {
    System.out.println();
    System.out.println("Latency is per batch (stage + writeBatch + sync for the WAL, write + force(false) raw), in µs.");
    System.out.println("MB/s counts entry data only (10^6 bytes), identical on both sides; ratio = WAL p50 / raw p50.");
    System.out.println();
    String head = "| size | batch | WAL appends/s | WAL MB/s | WAL mean | WAL p50 | WAL p99 | raw appends/s | raw MB/s"
        + " | raw mean | raw p50 | raw p99 | p50 ratio | MB/s ratio |";
    System.out.println(head);
    System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (Run[] c : cells) {
      Run w = c[0];
      Run r = c[1];
      System.out.printf(Locale.ROOT,
          "| %s | %d | %,.0f | %.1f | %.0f | %.0f | %.0f | %,.0f | %.1f | %.0f | %.0f | %.0f | %.2f× | %.0f%% |%n",
          sizeName(w.size()), w.batch(), w.appendsPerSecond(), w.megabytesPerSecond(), w.meanMicros(),
          w.percentileMicros(0.50), w.percentileMicros(0.99), r.appendsPerSecond(), r.megabytesPerSecond(),
          r.meanMicros(), r.percentileMicros(0.50), r.percentileMicros(0.99),
          w.percentileMicros(0.50) / r.percentileMicros(0.50), 100 * w.megabytesPerSecond() / r.megabytesPerSecond());
    }
    System.out.println();
    System.out.println("Where the time goes (mean µs per batch); frame = bytes the WAL writes per batch, raw = entry data.");
    System.out.println();
    System.out.println("| size | batch | WAL stage | WAL writeBatch | WAL sync | raw write | raw force | WAL frame B | raw B"
        + " | samples WAL/raw | WAL rollovers recycled/fresh |");
    System.out.println("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (Run[] c : cells) {
      Run w = c[0];
      Run r = c[1];
      int entryBytes = Entry.newBuilder().setIndex(1_000_000).setTerm(1)
          .setData(ByteString.copyFrom(new byte[w.size()])).build().getSerializedSize();
      int frame = WalFormat.frameSectors(w.batch() * (WalFormat.RECORD_HEADER + entryBytes)) * WalFormat.SECTOR;
      System.out.printf(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.1f | %.1f | %.1f | %,d | %,d | %,d / %,d | %d / %d |%n",
          sizeName(w.size()), w.batch(), w.meanMicros(w.stepA()), w.meanMicros(w.stepB()), w.meanMicros(w.stepC()),
          r.meanMicros(r.stepB()), r.meanMicros(r.stepC()), frame, w.size() * w.batch(), w.batches(), r.batches(),
          w.recycled(), w.fresh());
    }
    System.out.println();
    System.out.println("Targets:");
    for (Run[] c : cells) {
      Run w = c[0];
      Run r = c[1];
      if (w.batch() == 1) {
        double p50 = w.percentileMicros(0.5) / r.percentileMicros(0.5);
        double mean = w.meanMicros() / r.meanMicros();
        System.out.printf(Locale.ROOT, "  batch-1 %s latency WAL/raw: p50 %.2f×, mean %.2f× (target ≤ 1.25×): %s%n",
            sizeName(w.size()), p50, mean, p50 <= 1.25 ? "met" : String.format(Locale.ROOT, "NOT met (%.0f%% over)",
                (p50 / 1.25 - 1) * 100));
      }
      if (w.batch() == 256 && w.size() == 1024) {
        double ratio = w.megabytesPerSecond() / r.megabytesPerSecond();
        System.out.printf(Locale.ROOT, "  256 x 1 KiB throughput WAL/raw: %.0f%% (target ≥ 80%%): %s%n", ratio * 100,
            ratio >= 0.8 ? "met" : String.format(Locale.ROOT, "NOT met (%.0f points short)", (0.8 - ratio) * 100));
      }
    }
  }

  // ---- recovery ----

  static void recovery(Path dir, ExecutorService preallocator, long dataBytes) throws IOException, InterruptedException {
    int size = 1024;
    int batch = 256;
    long entries = (dataBytes + size - 1) / size;
    ByteString data = ByteString.copyFrom(randomBytes(size, 7));
    WriteAheadLog.Options options = WriteAheadLog.Options.defaults(preallocator);
    long t0 = System.nanoTime();
    try (WriteAheadLog wal = WriteAheadLog.open(new NioFileIO(), dir, options, BOOT)) {
      for (long next = 1; next <= entries; ) {
        int n = (int) Math.min(batch, entries - next + 1);
        long last = next + n - 1;
        wal.append(null, HardState.newBuilder().setTerm(1).setVotedFor(1).setCommit(last).build(), batch(next, n, data));
        next = last + 1;
      }
    }
    double writeSeconds = (System.nanoTime() - t0) / 1e9;
    long onDisk;
    long files;
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> segs = s.filter(p -> p.toString().endsWith(WalFormat.SEGMENT_SUFFIX)).toList();
      files = segs.size();
      long sum = 0;
      for (Path p : segs) {
        sum += Files.size(p);
      }
      onDisk = sum;
    }
    System.out.printf(Locale.ROOT, "%nrecovery: %,d entries of %d B in batches of %d (%.2f GiB of entry data), %d segments,"
        + " %.2f GiB on disk; written in %.1f s%n", entries, size, batch, entries * (double) size / (1L << 30), files,
        onDisk / (double) (1L << 30), writeSeconds);

    // The first open also runs the recovery code before the JIT has compiled it, as a daemon's start does.
    String how = dropCaches();
    double[] seconds = new double[1];
    String cold = timeOpen(dir, options, seconds);
    System.out.printf(Locale.ROOT, "  open, %s: %s%n", how, cold);
    for (int k = 1; k <= 2; k++) {
      System.out.printf(Locale.ROOT, "  open, warm (run %d): %s%n", k, timeOpen(dir, options, new double[1]));
    }
    System.out.printf(Locale.ROOT, "Target: open of a %.2f GiB log under 3 s cold: %s%n",
        entries * (double) size / (1L << 30), !how.startsWith("cold")
        ? "not measured cold (" + how + "); first open took " + String.format(Locale.ROOT, "%.2f s", seconds[0])
        : seconds[0] < 3 ? String.format(Locale.ROOT, "met (%.2f s)", seconds[0])
        : String.format(Locale.ROOT, "NOT met (%.2f s, %.2f s over)", seconds[0], seconds[0] - 3));
    deleteTree(dir);
  }

  /**
   * Times one open, after a full collection so that earlier garbage is not charged to it; says where the
   * time went: CPU of the opening thread, collector time, bytes the opening thread allocated.
   */
  static String timeOpen(Path dir, WriteAheadLog.Options options, double[] seconds) throws IOException {
    System.gc();
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
    long gc0 = gcMillis();
    long cpu0 = threads.getCurrentThreadCpuTime();
    long alloc0 = threads.getCurrentThreadAllocatedBytes();
    long t0 = System.nanoTime();
    WriteAheadLog wal = WriteAheadLog.open(new NioFileIO(), dir, options, BOOT);
    long t1 = System.nanoTime();
    seconds[0] = (t1 - t0) / 1e9;
    String r = String.format(Locale.ROOT, "%.2f s (CPU of the opening thread %.2f s, GC %.2f s, allocated %.1f GiB;"
        + " %s; last index %,d)", (t1 - t0) / 1e9, (threads.getCurrentThreadCpuTime() - cpu0) / 1e9,
        (gcMillis() - gc0) / 1e3, (threads.getCurrentThreadAllocatedBytes() - alloc0) / (double) (1L << 30),
        wal.recovery().describe(), wal.lastIndex());
    wal.close();  // waits for the next segment's preallocation, outside the timing
    return r;
  }

  static long gcMillis() {
    long sum = 0;
    for (var gc : java.lang.management.ManagementFactory.getGarbageCollectorMXBeans()) {
      sum += Math.max(0, gc.getCollectionTime());
    }
    return sum;
  }

  static String load() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "?";
    }
  }

  /** sync; echo 3 > /proc/sys/vm/drop_caches, if allowed; says which was done. */
  static String dropCaches() throws InterruptedException {
    try {
      new ProcessBuilder("sync").inheritIO().start().waitFor();
    } catch (IOException e) {
      // every WAL file is fsynced already; sync only flushes the rest of the system
    }
    try {
      Files.writeString(Path.of("/proc/sys/vm/drop_caches"), "3\n");
      return "cold (caches dropped)";
    } catch (IOException e) {
      boolean root = "root".equals(System.getProperty("user.name"));
      return "warm (could not drop caches: " + (root ? e.toString() : "not root") + ")";
    }
  }

  // ---- the machine and helpers ----

  static void machine(Path root) throws IOException {
    String cpu = "?";
    try (Stream<String> lines = Files.lines(Path.of("/proc/cpuinfo"))) {
      cpu = lines.filter(l -> l.startsWith("model name")).findFirst().map(l -> l.replaceFirst(".*:\\s*", "")).orElse("?");
    } catch (IOException | UncheckedIOException e) {
      // not Linux
    }
    FileStore store = Files.getFileStore(root);
    System.out.printf(Locale.ROOT, "machine: %d cores (%s), %.1f GiB max heap, %s %s, Java %s%n",
        Runtime.getRuntime().availableProcessors(), cpu, Runtime.getRuntime().maxMemory() / (double) (1L << 30),
        System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("java.version"));
    System.out.printf(Locale.ROOT, "bench dir: %s on %s (%s), %.0f GiB free%n", root, store.name(), store.type(),
        store.getUsableSpace() / (double) (1L << 30));
    System.out.printf(Locale.ROOT, "load average at start: %s (anything else running skews the numbers)%n", load());
  }

  static Path targetDir() throws URISyntaxException {
    // .../raftd/target/test-classes -> .../raftd/target
    Path classes = Path.of(WalBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    return classes.getParent();
  }

  static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    SplittableRandom r = new SplittableRandom(seed);
    for (int i = 0; i < n; i++) {
      b[i] = (byte) r.nextInt(256);
    }
    return b;
  }

  static String sizeName(int size) {
    return size >= 1024 ? (size >> 10) + " KiB" : size + " B";
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
