package io.raftd.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The load generator keeps exactly its calls in flight, counts failures, and survives calls that complete at once. */
class ClosedLoopTest {
  @Test
  void keepsInFlightCallsOutstandingAndMeasuresOnlyTheWindow() throws Exception {
    ScheduledExecutorService server = Executors.newScheduledThreadPool(2);
    AtomicInteger outstanding = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    AtomicLong calls = new AtomicLong();
    try {
      ClosedLoop.Measured<Long> m = ClosedLoop.run(8, () -> {
        most.accumulateAndGet(outstanding.incrementAndGet(), Math::max);
        long n = calls.incrementAndGet();
        CompletableFuture<Void> f = new CompletableFuture<>();
        server.schedule(() -> {
          outstanding.decrementAndGet();
          if (n % 10 == 0) {
            f.completeExceptionally(new IllegalStateException("refused"));
          } else {
            f.complete(null);
          }
        }, 1, TimeUnit.MILLISECONDS);
        return f;
      }, Duration.ofMillis(200), Duration.ofMillis(300), calls::get);
      assertEquals(8, most.get());
      assertEquals(0, m.stuck());
      long inWindow = m.after() - m.before();
      // Every call that completed in the window is a latency or an error; calls started in it may still be outstanding.
      long measured = m.latencies().count() + m.errors();
      assertTrue(measured > 0 && Math.abs(measured - inWindow) <= 8, measured + " measured, " + inWindow + " started");
      assertTrue(m.errors() > 0 && m.errors() < measured / 5, m.errors() + " errors of " + measured);
      assertTrue(m.latencies().millis(0.5) >= 1.0, "latency " + m.latencies().millis(0.5));
      assertTrue(m.firstError().getMessage().contains("refused"));
    } finally {
      server.shutdownNow();
    }
  }

  @Test
  void callsThatCompleteAtOnceDoNotRecurse() throws Exception {
    // Completed futures: each completion starts the next call on the same thread; a recursion would overflow the stack.
    ClosedLoop.Measured<Object> m = ClosedLoop.run(1, () -> CompletableFuture.completedFuture(null), Duration.ZERO,
        Duration.ofMillis(200), () -> null);
    assertTrue(m.latencies().count() > 10_000, m.latencies().count() + " calls");
    assertEquals(0, m.errors());
  }
}
