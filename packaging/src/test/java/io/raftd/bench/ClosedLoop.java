package io.raftd.bench;

import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The load generator of the side-by-side comparison: a closed loop that keeps {@code inFlight} calls outstanding,
 * starting the next one in a slot when that slot's call completes (on whatever thread completed it, so no thread
 * per call and no hand-off), for a warm-up and then a measured window. Inside the window each completion's
 * latency is recorded and each failure counted; before the window opens and once it closes, {@code sample} is
 * taken on the calling thread (the counters the window is the difference of).
 */
final class ClosedLoop {
  /** What one measured window produced. */
  record Measured<S>(Latencies latencies, long errors, Throwable firstError, double seconds, S before, S after,
      int stuck) {}

  private static final int WARMING = 0;
  private static final int MEASURING = 1;
  private static final int STOPPED = 2;

  private final Supplier<CompletableFuture<Void>> call;
  private volatile int phase = WARMING;
  private final Slot[] slots;
  private final CountDownLatch drained;
  private final AtomicReference<Throwable> firstError = new AtomicReference<>();

  private ClosedLoop(int inFlight, Supplier<CompletableFuture<Void>> call) {
    this.call = call;
    this.slots = new Slot[inFlight];
    this.drained = new CountDownLatch(inFlight);
    for (int i = 0; i < inFlight; i++) {
      slots[i] = new Slot();
    }
  }

  /**
   * Runs {@code call} at {@code inFlight} outstanding for {@code warmup}, then measures {@code window}. Calls still
   * outstanding when the window closes are waited for (at most 30 s; those that do not come back are counted as
   * stuck) but not measured.
   */
  static <S> Measured<S> run(int inFlight, Supplier<CompletableFuture<Void>> call, Duration warmup, Duration window,
      Callable<S> sample) throws Exception {
    ClosedLoop loop = new ClosedLoop(inFlight, call);
    // Each slot's first call from a thread of its own: were a target to complete its calls at once (one refusing
    // everything while disconnected), that slot's loop would run on its starter until the window closes, and this
    // thread must stay free to close it. Calls completed later start the next on the completing thread.
    ExecutorService starters = Executors.newCachedThreadPool(r -> {
      Thread t = new Thread(r, "closed-loop-start");
      t.setDaemon(true);
      return t;
    });
    for (Slot s : loop.slots) {
      starters.execute(s::next);
    }
    starters.shutdown();
    sleepUntil(System.nanoTime() + warmup.toNanos());
    S before = sample.call();
    long start = System.nanoTime();
    loop.phase = MEASURING;
    sleepUntil(start + window.toNanos());
    loop.phase = STOPPED;
    long end = System.nanoTime();
    S after = sample.call();
    loop.drained.await(30, TimeUnit.SECONDS);
    int stuck = (int) loop.drained.getCount();
    long[] all = new long[Arrays.stream(loop.slots).mapToInt(s -> s.count).sum()];
    long errors = 0;
    int at = 0;
    for (Slot s : loop.slots) {
      System.arraycopy(s.nanos, 0, all, at, s.count);
      at += s.count;
      errors += s.errors;
    }
    return new Measured<>(new Latencies(all), errors, loop.firstError.get(), (end - start) / 1e9, before, after, stuck);
  }

  /**
   * One call outstanding at a time. Its fields are only touched by the thread that completed its previous call,
   * one after the other, and read after {@code drained}.
   */
  private final class Slot {
    /** Runs of {@link #issue} asked for: a call that completes inside issue() asks for the next without recursing. */
    private final AtomicInteger wanted = new AtomicInteger();
    private long[] nanos = new long[1024];
    private int count;
    private long errors;

    void next() {
      if (wanted.getAndIncrement() == 0) {
        do {
          issue();
        } while (wanted.decrementAndGet() != 0);
      }
    }

    private void issue() {
      if (phase == STOPPED) {
        drained.countDown();
        return;
      }
      long start = System.nanoTime();
      CompletableFuture<Void> f;
      try {
        f = call.get();
      } catch (RuntimeException e) {
        f = CompletableFuture.failedFuture(e);
      }
      f.whenComplete((v, e) -> {
        long end = System.nanoTime();
        if (phase == MEASURING) {
          if (e != null) {
            errors++;
            firstError.compareAndSet(null, e);
          } else {
            if (count == nanos.length) {
              nanos = Arrays.copyOf(nanos, 2 * count);
            }
            nanos[count++] = end - start;
          }
        }
        next();
      });
    }
  }

  /** Waits for the end of a timed phase (a benchmark's window, not a test's synchronisation). */
  static void sleepUntil(long nanoTime) throws InterruptedException {
    long left;
    while ((left = nanoTime - System.nanoTime()) > 0) {
      Thread.sleep(Math.max(1, left / 1_000_000));  // waiting for the end of a timed phase
    }
  }
}
