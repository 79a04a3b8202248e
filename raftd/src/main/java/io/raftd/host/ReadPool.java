package io.raftd.host;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The threads that answer linearizable reads once their read index is confirmed. The RaftLoop completes
 * the read index and must not run the query (a scan may be long); nor may the common pool, which on two
 * CPUs has one thread and falls back to a new thread per task (measured: 6,700 gets/s against 31-36k/s
 * with a pool of its own). Bounded both ways: as many threads as CPUs (at least 2), and a queue past which
 * a read is refused at once ({@link RejectedExecutionException}: the caller answers BUSY) rather than
 * served after its client gave up. Owned by the daemon: closed when it stops.
 */
public final class ReadPool implements Executor, AutoCloseable {
  private final ThreadPoolExecutor pool;

  public ReadPool() {
    this(Math.max(2, Runtime.getRuntime().availableProcessors()), 4096);
  }

  /** @param queue reads waiting for a thread before new ones are refused */
  ReadPool(int threads, int queue) {
    AtomicInteger created = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(threads, threads, 0, TimeUnit.MILLISECONDS, new LinkedBlockingQueue<>(queue), r -> {
      Thread t = new Thread(r, "raftd-read-" + created.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
  }

  /** @throws RejectedExecutionException if the queue is full or the pool is closed */
  @Override
  public void execute(Runnable read) {
    pool.execute(read);
  }

  /** Reads answered so far. */
  public long completed() {
    return pool.getCompletedTaskCount();
  }

  /** True once closed and every read it had started is done. */
  public boolean isTerminated() {
    return pool.isTerminated();
  }

  /** Refuses new reads and lets the queued ones finish (their clients are still waiting), up to 5 s. */
  @Override
  public void close() throws InterruptedException {
    pool.shutdown();
    pool.awaitTermination(5, TimeUnit.SECONDS);
  }
}
