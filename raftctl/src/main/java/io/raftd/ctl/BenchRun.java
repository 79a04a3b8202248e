package io.raftd.ctl;

import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * One run of {@code raftctl bench}: {@code clients} threads, each with one request outstanding at a time
 * (closed loop), putting and reading random keys through one {@link KvClient} until the duration is up. The
 * caller's thread watches: every second it gathers what the clients recorded and reports progress. A request
 * still in flight at the end is waited for (the client gives up on it at --timeout), so that a stall at the end
 * shows in the figures rather than vanishing; interrupting the caller's thread stops the clients at once,
 * dropping the requests in flight, and the figures are those of the requests answered until then.
 */
final class BenchRun {
  /** Every key the bench touches starts with this, so that they are easy to find and delete. */
  static final String KEY_PREFIX = "bench/";
  /** How often progress is reported: also the window of the "now" rate. */
  static final long TICK_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** HdrHistogram's precision: latencies to 3 significant digits. */
  private static final int DIGITS = 3;

  /** What to run; checked by the command. */
  record Load(int clients, long durationNanos, int valueSize, double readRatio, int keys) {}

  /** The run so far, as progress reports it: {@code perSecond} is the answers' rate since the last report. */
  record Progress(long elapsedNanos, long durationNanos, long answered, long perSecond, long errors) {}

  private final Load load;
  private final KvClient kv;
  private final ByteString value;
  private final Recorder writes = new Recorder(DIGITS);
  private final Recorder reads = new Recorder(DIGITS);
  private final BenchErrors errors = new BenchErrors();
  private volatile boolean stopped;

  BenchRun(Load load, KvClient kv) {
    this.load = load;
    this.kv = kv;
    this.value = value(load.valueSize());
  }

  /** A value of {@code size} random lowercase letters: readable when someone looks at the keys afterwards. */
  static ByteString value(int size) {
    byte[] b = new byte[size];
    ThreadLocalRandom r = ThreadLocalRandom.current();
    for (int i = 0; i < size; i++) {
      b[i] = (byte) ('a' + r.nextInt(26));
    }
    return ByteString.copyFrom(b);
  }

  static ByteString key(int i) {
    return ByteString.copyFromUtf8(KEY_PREFIX + i);
  }

  /**
   * One request of each kind the run makes (a put when it writes, a get when it reads), not measured: a cluster
   * that cannot answer fails here, like any command, rather than as a run of errors.
   */
  void check() throws RaftdException, InterruptedException {
    if (load.readRatio() < 1) {
      kv.put(key(0), value);
    }
    if (load.readRatio() > 0) {
      kv.get(key(0), false);
    }
  }

  /**
   * Runs the load, calling {@code progress} on this thread about once a second. Returns when every client has
   * stopped; if this thread is interrupted, it returns at once with what was measured, its interrupt status set.
   */
  BenchFigures run(Consumer<Progress> progress) {
    CountDownLatch done = new CountDownLatch(load.clients());
    long start = System.nanoTime();
    long end = start + load.durationNanos();
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < load.clients(); i++) {
      Thread t = new Thread(() -> {
        try {
          requests(end);
        } finally {
          done.countDown();
        }
      }, "raftctl-bench-" + i);
      t.setDaemon(true);  // never keeps raftctl running
      clients.add(t);
      t.start();
    }
    Histogram writeTotal = new Histogram(DIGITS);
    Histogram readTotal = new Histogram(DIGITS);
    boolean interrupted = false;
    long lastTick = start;
    try {
      while (!done.await(Math.max(0, lastTick + TICK_NANOS - System.nanoTime()), TimeUnit.NANOSECONDS)) {
        long answered = writeTotal.getTotalCount() + readTotal.getTotalCount();
        addInterval(writes, writeTotal);
        addInterval(reads, readTotal);
        long now = System.nanoTime();
        long total = writeTotal.getTotalCount() + readTotal.getTotalCount();
        long perSecond = (total - answered) * TimeUnit.SECONDS.toNanos(1) / Math.max(1, now - lastTick);
        progress.accept(new Progress(now - start, load.durationNanos(), total, perSecond, errors.total()));
        lastTick = now;
      }
    } catch (InterruptedException e) {
      interrupted = true;
      stopped = true;
      clients.forEach(Thread::interrupt);
    }
    long elapsed = System.nanoTime() - start;
    if (interrupted) {
      awaitStopped(done);
      Thread.currentThread().interrupt();
    }
    addInterval(writes, writeTotal);
    addInterval(reads, readTotal);
    return new BenchFigures(load, elapsed, interrupted, writeTotal, readTotal, errors.counts());
  }

  /** What the clients recorded since the last look, added to {@code total} (the recorder starts a new interval). */
  private static void addInterval(Recorder recorder, Histogram total) {
    total.add(recorder.getIntervalHistogram());
  }

  /**
   * The clients were interrupted: each leaves its request at once (the client library waits interruptibly), so
   * this is short. It is not cut short by another interrupt, so that the figures are complete when printed.
   */
  private static void awaitStopped(CountDownLatch done) {
    while (true) {
      try {
        done.await();
        return;
      } catch (InterruptedException e) {
        // the caller sets the interrupt status again once they have stopped
      }
    }
  }

  /** One client: requests back to back until the end of the run. */
  private void requests(long end) {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    while (!stopped && System.nanoTime() - end < 0) {
      boolean read = random.nextDouble() < load.readRatio();
      ByteString key = key(random.nextInt(load.keys()));
      long sent = System.nanoTime();
      try {
        if (read) {
          kv.get(key, false);
          reads.recordValue(System.nanoTime() - sent);
        } else {
          kv.put(key, value);
          writes.recordValue(System.nanoTime() - sent);
        }
      } catch (RaftdException e) {
        errors.add(read, e);
      } catch (InterruptedException e) {
        return;  // stopped: the request in flight is dropped, neither answered nor failed
      } catch (RuntimeException e) {
        errors.addInternal(read, e);  // a bug, but counted and shown rather than losing a client silently
      }
    }
  }
}
