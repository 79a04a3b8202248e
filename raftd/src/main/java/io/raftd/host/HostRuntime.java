package io.raftd.host;

/**
 * The host's one way to time and threads. The daemon's components read no clock and start no thread but
 * through this: production runs each lane on a thread of its own and reads the system clocks
 * ({@link ThreadRuntime}); the host simulator runs every lane on one seeded scheduler that picks which
 * lane's next task runs at every hand-off, over a virtual clock, so a seed replays a run exactly.
 */
public interface HostRuntime {
  /** Monotonic time in nanoseconds, for durations (as {@link System#nanoTime()}). */
  long nanoTime();

  /** Wall-clock time in milliseconds, for stamps (as {@link System#currentTimeMillis()}). */
  long currentTimeMillis();

  /**
   * A new lane: the tasks posted to it run one at a time, in the order posted. A task that throws stops
   * the node through {@code fatal}: a lane owns state nothing else may touch, so nothing could carry on.
   */
  Lane lane(String name, Fatal fatal);
}
