package io.raftd.host;

import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The lanes that answer linearizable reads once their read index is confirmed. The RaftLoop completes
 * the read index and must not run the query (a scan may be long); nor may the common pool, which on two
 * CPUs has one thread and falls back to a new thread per task (measured: 6,700 gets/s against 31-36k/s
 * with a pool of its own). Bounded both ways: as many lanes as CPUs (at least 2), taking reads from one
 * queue (so a long scan holds up no read while another lane is free), and a limit on reads waiting past
 * which a read is refused at once ({@link RejectedExecutionException}: the
 * caller answers BUSY) rather than served after its client gave up. Owned by the daemon: closed when it
 * stops.
 */
public final class ReadPool implements Executor, AutoCloseable {
  private final Lane[] lanes;
  /** Whether each lane is taking reads from {@link #queue} now. */
  private final AtomicBoolean[] busy;
  private final ConcurrentLinkedQueue<Runnable> queue = new ConcurrentLinkedQueue<>();
  /** Reads taken and not yet finished. */
  private final AtomicInteger taken = new AtomicInteger();
  private final AtomicInteger nextLane = new AtomicInteger();
  private final int limit;
  private final AtomicLong completed = new AtomicLong();
  private volatile boolean closed;

  public ReadPool(HostRuntime runtime, Fatal fatal) {
    this(runtime, fatal, Math.max(2, Runtime.getRuntime().availableProcessors()), 4096);
  }

  /** @param queue reads waiting for a lane, beyond one running on each, before new ones are refused */
  ReadPool(HostRuntime runtime, Fatal fatal, int threads, int queue) {
    this.lanes = new Lane[threads];
    this.busy = new AtomicBoolean[threads];
    this.limit = threads + queue;
    for (int i = 0; i < threads; i++) {
      lanes[i] = runtime.lane("raftd-read-" + (i + 1), fatal);
      busy[i] = new AtomicBoolean();
    }
  }

  /** Starts answering: reads taken before wait until then. */
  public void start() {
    for (Lane lane : lanes) {
      lane.start();
    }
  }

  /** @throws RejectedExecutionException if too many reads wait or the pool is closed */
  @Override
  public void execute(Runnable read) {
    if (closed) {
      throw new RejectedExecutionException("the read pool is closed");
    }
    if (taken.incrementAndGet() > limit) {
      taken.decrementAndGet();
      throw new RejectedExecutionException(limit + " reads taken and not yet answered");
    }
    queue.add(read);
    // An idle lane if there is one; else any: each busy lane takes the next read once its own is done.
    int lane = Math.floorMod(nextLane.getAndIncrement(), lanes.length);
    for (int i = 0; i < lanes.length; i++) {
      if (!busy[i].get()) {
        lane = i;
        break;
      }
    }
    int chosen = lane;
    lanes[chosen].post(() -> drain(chosen));
  }

  /**
   * A lane takes reads until none is left. It says it is idle before it looks a last time, and a read is
   * queued before its poster looks for an idle lane: so a read is always seen by one or the other.
   */
  private void drain(int lane) {
    do {
      busy[lane].set(true);
      for (Runnable read = queue.poll(); read != null; read = queue.poll()) {
        try {
          read.run();
        } finally {
          taken.decrementAndGet();
          completed.incrementAndGet();
        }
      }
      busy[lane].set(false);
    } while (!queue.isEmpty());
  }

  /** Reads answered so far. */
  public long completed() {
    return completed.get();
  }

  /** True once closed and every read it had taken is done. */
  public boolean isTerminated() {
    return closed && taken.get() == 0;
  }

  /** Refuses new reads and lets the queued ones finish (their clients are still waiting). */
  @Override
  public void close() throws InterruptedException {
    closed = true;
    for (Lane lane : lanes) {
      lane.close();
    }
  }
}
