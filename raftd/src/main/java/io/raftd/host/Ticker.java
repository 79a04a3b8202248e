package io.raftd.host;

/**
 * Runs a task on a lane at a fixed period (the RaftLoop's tick), as regularly as the lane allows. A lane
 * far behind (a long pause) does not tick in a burst: it starts again from now.
 */
public final class Ticker {
  private final HostRuntime runtime;
  private final Lane lane;
  private final long periodNanos;
  private final Runnable task;
  private long next;
  private volatile Runnable cancel;
  private volatile boolean stopped;

  private Ticker(HostRuntime runtime, Lane lane, long periodNanos, Runnable task) {
    this.runtime = runtime;
    this.lane = lane;
    this.periodNanos = periodNanos;
    this.task = task;
  }

  /** Starts ticking {@code task} on {@code lane} every {@code periodNanos}. */
  public static Ticker every(HostRuntime runtime, Lane lane, long periodNanos, Runnable task) {
    Ticker t = new Ticker(runtime, lane, periodNanos, task);
    t.next = runtime.nanoTime() + periodNanos;
    t.cancel = lane.schedule(periodNanos, t::tick);
    return t;
  }

  private void tick() {
    if (stopped) {
      return;
    }
    task.run();
    long now = runtime.nanoTime();
    next += periodNanos;
    if (now - next > 10 * periodNanos) {
      next = now + periodNanos;
    }
    cancel = lane.schedule(Math.max(0, next - now), this::tick);
  }

  /** No tick starts after this returns (one running may finish). */
  public void stop() {
    stopped = true;
    cancel.run();
  }
}
