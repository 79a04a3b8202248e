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
    ReadPool pool = started(1, 2);
    CountDownLatch release = new CountDownLatch(1);
    List<String> threads = new CopyOnWriteArrayList<>();
    startLongRead(pool, release, threads);
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
  void aLongReadHoldsUpNoOtherWhileAnotherLaneIsFree() throws Exception {
    ReadPool pool = started(2, 10);
    CountDownLatch release = new CountDownLatch(1);
    List<String> threads = new CopyOnWriteArrayList<>();
    startLongRead(pool, release, threads);
    CountDownLatch served = new CountDownLatch(3);
    for (int i = 0; i < 3; i++) {
      pool.execute(() -> {
        threads.add(Thread.currentThread().getName());
        served.countDown();
      });
    }
    assertTrue(served.await(20, TimeUnit.SECONDS), "reads queued behind the long one: " + threads);
    assertEquals(List.of("raftd-read-1", "raftd-read-2", "raftd-read-2", "raftd-read-2"), threads);
    release.countDown();
    pool.close();
    assertEquals(4, pool.completed());
  }

  private ReadPool started(int threads, int queue) {
    ReadPool pool = new ReadPool(runtime, (c, t) -> failures.add(t), threads, queue);
    pool.start();
    return pool;
  }

  /** Starts a read that holds its lane until {@code release}, and waits until it runs. */
  private static void startLongRead(ReadPool pool, CountDownLatch release, List<String> threads) throws InterruptedException {
    CountDownLatch running = new CountDownLatch(1);
    pool.execute(() -> {
      threads.add(Thread.currentThread().getName());
      running.countDown();
      awaitQuietly(release);
    });
    assertTrue(running.await(20, TimeUnit.SECONDS), "the long read never started");
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await(20, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
