package io.raftd.host;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A named thread that runs the tasks posted to it, in order, and optionally a tick at a fixed period:
 * the RaftLoop (which ticks) and the apply thread are each one. A task that throws stops the node through
 * {@link Fatal}: these threads own state nothing else may touch, so nothing could safely carry on.
 */
public final class TaskThread implements AutoCloseable {
  private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final long tickNanos;
  private final Runnable tick;
  private final Fatal fatal;
  private volatile boolean running = true;

  /**
   * @param tickNanos the tick period, or 0 for none
   * @param tick run every period, between tasks; null if tickNanos is 0
   */
  public TaskThread(String name, long tickNanos, Runnable tick, Fatal fatal) {
    this.tickNanos = tickNanos;
    this.tick = tick;
    this.fatal = fatal;
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  /** Runs {@code task} on this thread, after every task posted before it. Any thread may post. */
  public void post(Runnable task) {
    inbox.add(task);
  }

  public boolean isCurrent() {
    return Thread.currentThread() == thread;
  }

  private void run() {
    long nextTick = System.nanoTime() + tickNanos;
    List<Runnable> batch = new ArrayList<>();
    try {
      while (running) {
        Runnable first = tickNanos == 0 ? inbox.poll(1, TimeUnit.SECONDS)
            : inbox.poll(Math.max(0, nextTick - System.nanoTime()), TimeUnit.NANOSECONDS);
        if (first != null) {
          first.run();
          inbox.drainTo(batch);
          for (Runnable r : batch) {
            r.run();
          }
          batch.clear();
        }
        if (tickNanos > 0 && System.nanoTime() - nextTick >= 0) {
          tick.run();
          nextTick += tickNanos;
          if (System.nanoTime() - nextTick > 10 * tickNanos) {
            nextTick = System.nanoTime() + tickNanos;  // far behind (a long pause): do not tick in a burst
          }
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      if (running) {
        fatal.stop(thread.getName(), t);
      }
    }
  }

  /**
   * Stops after the tasks queued so far. Never interrupts: a task may be reading the WAL, and an
   * interrupt would close its channel.
   */
  @Override
  public void close() throws InterruptedException {
    inbox.add(() -> running = false);
    if (!isCurrent()) {
      thread.join(5000);
    }
  }
}
