package io.raftd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;

/** Attempt time limits swept on the scheduler: expired ones fire once, removed ones never, and the sweep stops when idle. */
class AttemptDeadlinesTest {
  @Test
  void anExpiredLimitFiresOnceARemovedOneNeverAndTheSweepStopsWhenNoneIsLeft() throws Exception {
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    try {
      AttemptDeadlines deadlines = new AttemptDeadlines(scheduler);
      AtomicInteger removedFired = new AtomicInteger();
      AtomicInteger expiredFired = new AtomicInteger();
      CountDownLatch expired = new CountDownLatch(1);
      long now = System.nanoTime();
      AttemptDeadlines.Limit answered = deadlines.add(now + TimeUnit.MILLISECONDS.toNanos(30), removedFired::incrementAndGet);
      deadlines.add(now + TimeUnit.MILLISECONDS.toNanos(30), () -> {
        expiredFired.incrementAndGet();
        expired.countDown();
      });
      deadlines.remove(answered);

      assertTrue(expired.await(10, TimeUnit.SECONDS), "the limit never fired");
      await(() -> scheduler.getQueue().isEmpty() && scheduler.getActiveCount() == 0, "the sweep to stop");
      assertEquals(1, expiredFired.get());
      assertEquals(0, removedFired.get(), "a removed limit fired");

      CountDownLatch again = new CountDownLatch(1);
      deadlines.add(System.nanoTime(), again::countDown);
      assertTrue(again.await(10, TimeUnit.SECONDS), "a limit added after the sweep stopped never fired");
    } finally {
      scheduler.shutdownNow();
    }
  }

  @Test
  void aClosedSchedulerRefusesNewLimits() {
    ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    scheduler.shutdownNow();
    AttemptDeadlines deadlines = new AttemptDeadlines(scheduler);
    assertThrows(RejectedExecutionException.class, () -> deadlines.add(System.nanoTime(), () -> { }));
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - deadline > 0) {
        throw new AssertionError("not within 10 s: " + what);
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }
}
