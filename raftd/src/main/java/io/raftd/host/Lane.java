package io.raftd.host;

/**
 * A serial executor of the host (see {@link HostRuntime}): the RaftLoop, the WAL writer, the apply thread,
 * the snapshot writer are each one. Any thread may post to it.
 */
public interface Lane extends AutoCloseable {
  /** Starts running tasks; those posted before wait until then (the daemon wires everything up first). */
  void start();

  /** Runs {@code task} on this lane, after every task posted before it. */
  void post(Runnable task);

  /** Posts {@code task} to this lane once {@code delayNanos} have passed; the returned action cancels that. */
  Runnable schedule(long delayNanos, Runnable task);

  /**
   * Runs {@code task} on this lane every {@code periodNanos} (the RaftLoop's tick), between posted tasks and
   * as regularly as they allow; a lane far behind (a long pause) does not tick in a burst but starts again
   * from now. One such task per lane. The returned action stops it: no run starts after it returns (one
   * running may finish).
   */
  Runnable every(long periodNanos, Runnable task);

  /** Whether the caller runs on this lane. */
  boolean isCurrent();

  /**
   * Stops once the tasks posted so far have run, waiting up to 10 s for them unless called from the lane
   * itself. Never interrupts a task (one may be reading the WAL, and an interrupt closes its channel).
   */
  @Override
  void close() throws InterruptedException;
}
