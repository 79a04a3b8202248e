package io.raftd.host;

import java.util.concurrent.ScheduledThreadPoolExecutor;

/**
 * The production {@link HostRuntime}: the system clocks, a thread per lane, and one timer thread that posts
 * scheduled tasks to their lanes when due.
 */
public final class ThreadRuntime implements HostRuntime, AutoCloseable {
  private final ScheduledThreadPoolExecutor timer = new ScheduledThreadPoolExecutor(1, r -> {
    Thread t = new Thread(r, "raftd-timer");
    t.setDaemon(true);
    return t;
  });

  public ThreadRuntime() {
    timer.setRemoveOnCancelPolicy(true);
  }

  @Override
  public long nanoTime() {
    return System.nanoTime();
  }

  @Override
  public long currentTimeMillis() {
    return System.currentTimeMillis();
  }

  @Override
  public Lane lane(String name, Fatal fatal) {
    return new ThreadLane(name, fatal, timer, this::nanoTime);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
