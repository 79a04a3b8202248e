package io.raftd.client;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The time limits of the attempts waiting for an answer, swept by one task on the client's scheduler while any
 * is outstanding. A timer per attempt, set and then cancelled when the answer came, woke the scheduler's
 * thread for most requests (cancelling the earliest timer signals it): with 64 blocking callers that cost
 * twice the client CPU per request of the library before it. A limit fires up to one sweep late.
 */
final class AttemptDeadlines {
  static final long SWEEP_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  /** One attempt's limit: {@code onExpiry} runs on the scheduler if the limit passes before it is removed. */
  static final class Limit {
    private final long deadline;
    private final Runnable onExpiry;

    private Limit(long deadline, Runnable onExpiry) {
      this.deadline = deadline;
      this.onExpiry = onExpiry;
    }
  }

  private final ScheduledExecutorService scheduler;
  private final Set<Limit> outstanding = ConcurrentHashMap.newKeySet();
  /** A sweep is scheduled, or running. */
  private final AtomicBoolean sweeping = new AtomicBoolean();

  AttemptDeadlines(ScheduledExecutorService scheduler) {
    this.scheduler = scheduler;
  }

  /**
   * Watches a limit at {@code deadline} (System.nanoTime()).
   *
   * @throws RejectedExecutionException if the scheduler is shut down (the client is closed)
   */
  Limit add(long deadline, Runnable onExpiry) {
    Limit limit = new Limit(deadline, onExpiry);
    outstanding.add(limit);
    if (sweeping.compareAndSet(false, true)) {
      try {
        scheduler.schedule(this::sweep, SWEEP_NANOS, TimeUnit.NANOSECONDS);
      } catch (RejectedExecutionException e) {
        outstanding.remove(limit);
        sweeping.set(false);
        throw e;
      }
    }
    return limit;
  }

  /** The attempt ended: its limit no longer matters. */
  void remove(Limit limit) {
    outstanding.remove(limit);
  }

  private void sweep() {
    long now = System.nanoTime();
    for (Limit limit : outstanding) {
      if (now - limit.deadline >= 0 && outstanding.remove(limit)) {
        limit.onExpiry.run();
      }
    }
    if (outstanding.isEmpty()) {
      sweeping.set(false);
      // A limit added between the check and the flag saw a sweep scheduled: take it over.
      if (outstanding.isEmpty() || !sweeping.compareAndSet(false, true)) {
        return;
      }
    }
    try {
      scheduler.schedule(this::sweep, SWEEP_NANOS, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException closed) {
      sweeping.set(false);  // the client is closed: its connections fail what is outstanding
    }
  }
}
