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

  /** Whether the caller runs on this lane. */
  boolean isCurrent();

  /**
   * Stops once the tasks posted so far have run, waiting up to 10 s for them unless called from the lane
   * itself. Never interrupts a task (one may be reading the WAL, and an interrupt closes its channel).
   */
  @Override
  void close() throws InterruptedException;
}
