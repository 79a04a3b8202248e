package io.raftd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class ReadPoolTest {
  private final ThreadRuntime runtime = new ThreadRuntime();
  private final List<Throwable> failures = new CopyOnWriteArrayList<>();

  @AfterEach
  void stop() {
    runtime.close();
    assertEquals(List.of(), failures);
  }

  @Test
  void aFullQueueRefusesAtOnceAndClosingFinishesTheQueuedReads() throws Exception {
    ReadPool pool = new ReadPool(runtime, (c, t) -> failures.add(t), 1, 2);
    pool.start();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    List<String> threads = new CopyOnWriteArrayList<>();
    pool.execute(() -> {
      running.countDown();
      threads.add(Thread.currentThread().getName());
      awaitQuietly(release);
    });
    assertTrue(running.await(20, TimeUnit.SECONDS), "the first read never started");
    pool.execute(() -> threads.add(Thread.currentThread().getName()));
    pool.execute(() -> threads.add(Thread.currentThread().getName()));
    assertThrows(RejectedExecutionException.class, () -> pool.execute(() -> { }), "one thread busy, two queued");

    release.countDown();
    pool.close();
    assertTrue(pool.isTerminated());
    assertEquals(3, pool.completed(), "a read queued before close was dropped");
    assertEquals(List.of("raftd-read-1", "raftd-read-1", "raftd-read-1"), threads);
    assertThrows(RejectedExecutionException.class, () -> pool.execute(() -> { }), "closed");
  }

  @Test
  void aReadGoesToTheLaneWithTheFewestWaitingSoALongOneHoldsUpNoOther() throws Exception {
    ReadPool pool = new ReadPool(runtime, (c, t) -> failures.add(t), 2, 10);
    pool.start();
    CountDownLatch release = new CountDownLatch(1);
    CountDownLatch running = new CountDownLatch(1);
    pool.execute(() -> {
      running.countDown();
      awaitQuietly(release);
    });
    assertTrue(running.await(20, TimeUnit.SECONDS), "the long read never started");
    CountDownLatch served = new CountDownLatch(3);
    List<String> threads = new CopyOnWriteArrayList<>();
    for (int i = 0; i < 3; i++) {
      pool.execute(() -> {
        threads.add(Thread.currentThread().getName());
        served.countDown();
      });
    }
    assertTrue(served.await(20, TimeUnit.SECONDS), "reads queued behind the long one: " + threads);
    assertEquals(List.of("raftd-read-2", "raftd-read-2", "raftd-read-2"), threads);
    release.countDown();
    pool.close();
    assertEquals(4, pool.completed());
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
