package io.raftd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.daemon.LocalCluster;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A production lane's periodic task (the RaftLoop's tick) runs on the lane's own thread, between posted
 * tasks, with no timer thread to wake it; it starts while the lane waits with nothing posted, and stops.
 */
class ThreadLaneTest {
  @Test
  void thePeriodicTaskRunsOnTheLaneBetweenPostedTasksAndStops() throws Exception {
    List<Throwable> failed = new CopyOnWriteArrayList<>();
    try (ThreadRuntime runtime = new ThreadRuntime()) {
      Lane lane = runtime.lane("lane-under-test", (component, cause) -> failed.add(cause));
      lane.start();
      AtomicInteger ticks = new AtomicInteger();
      List<String> threads = new CopyOnWriteArrayList<>();
      // Set while the lane waits with nothing posted: it must start counting the period at once.
      Runnable stop = lane.every(TimeUnit.MILLISECONDS.toNanos(5), () -> {
        threads.add(Thread.currentThread().getName());
        ticks.incrementAndGet();
      });
      LocalCluster.await("ten ticks", Duration.ofSeconds(10), () -> ticks.get() >= 10);
      CompletableFuture<String> posted = new CompletableFuture<>();
      lane.post(() -> posted.complete(Thread.currentThread().getName()));
      assertEquals("lane-under-test", posted.get(10, TimeUnit.SECONDS), "a posted task still runs");
      assertTrue(threads.stream().allMatch("lane-under-test"::equals), "a tick ran off the lane: " + threads);
      assertThrows(IllegalStateException.class, () -> lane.every(1_000_000, () -> { }));

      stop.run();
      // The lane runs tasks in order: once a task posted after stop() has run, no tick may start again.
      CompletableFuture<Integer> afterStop = new CompletableFuture<>();
      lane.post(() -> afterStop.complete(ticks.get()));
      int stopped = afterStop.get(10, TimeUnit.SECONDS);
      CompletableFuture<Integer> later = new CompletableFuture<>();
      lane.schedule(TimeUnit.MILLISECONDS.toNanos(50), () -> later.complete(ticks.get()));
      assertEquals(stopped, later.get(10, TimeUnit.SECONDS), "it ticked after stop()");
      lane.close();
    }
    assertEquals(List.of(), failed);
  }
}
