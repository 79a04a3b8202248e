package io.raftd.host;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * A {@link Lane} on a thread of its own: {@link ThreadRuntime}'s. Its periodic task runs on its own thread
 * too, between batches, when the wait for the next task times out: a tick needs no other thread to wake
 * this one (a timer thread's wake-ups for the RaftLoop's hundred ticks a second cost a measurable share of
 * a member's CPU).
 */
final class ThreadLane implements Lane {
  private static final Runnable WAKE = () -> { };

  private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final ScheduledExecutorService timer;
  private final Fatal fatal;
  private final LongSupplier clock;
  private volatile boolean running = true;
  /** The periodic task, null if none; {@link #period} and {@link #nextRun} are written before it. */
  private volatile Runnable periodic;
  private long period;
  /** The clock's time when the periodic task is next due (the lane's thread alone writes it once set). */
  private long nextRun;

  /** @param clock the runtime's monotonic clock, for the periodic task */
  ThreadLane(String name, Fatal fatal, ScheduledExecutorService timer, LongSupplier clock) {
    this.clock = clock;
    this.fatal = fatal;
    this.timer = timer;
    this.thread = new Thread(this::run, name);
    this.thread.setDaemon(true);
  }

  @Override
  public void start() {
    thread.start();
  }

  @Override
  public void post(Runnable task) {
    inbox.add(task);
  }

  @Override
  public Runnable schedule(long delayNanos, Runnable task) {
    ScheduledFuture<?> f = timer.schedule(() -> post(task), delayNanos, TimeUnit.NANOSECONDS);
    return () -> f.cancel(false);
  }

  @Override
  public Runnable every(long periodNanos, Runnable task) {
    if (periodic != null) {
      throw new IllegalStateException(thread.getName() + " already runs a periodic task");
    }
    period = periodNanos;
    nextRun = clock.getAsLong() + periodNanos;
    periodic = task;
    inbox.add(WAKE);  // a lane waiting without a timeout must start counting
    return () -> periodic = null;
  }

  @Override
  public boolean isCurrent() {
    return Thread.currentThread() == thread;
  }

  private void run() {
    List<Runnable> batch = new ArrayList<>();
    try {
      while (running) {
        Runnable first;
        if (periodic == null) {
          first = inbox.take();
        } else {
          long wait = nextRun - clock.getAsLong();
          first = wait > 0 ? inbox.poll(wait, TimeUnit.NANOSECONDS) : inbox.poll();
        }
        if (first != null) {
          // Everything queued at once, under one take of the queue's lock: the RaftLoop gets a task per
          // message, read and durable write, and posters should not contend for the lock once per task.
          batch.add(first);
          inbox.drainTo(batch);
          for (Runnable task : batch) {
            task.run();
          }
          batch.clear();
        }
        runPeriodicIfDue();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      if (running) {
        fatal.stop(thread.getName(), t);
      }
    }
  }

  private void runPeriodicIfDue() {
    Runnable task = periodic;
    if (task == null || clock.getAsLong() - nextRun < 0) {
      return;
    }
    task.run();
    long now = clock.getAsLong();
    nextRun += period;
    if (now - nextRun > 10 * period) {
      nextRun = now + period;  // far behind (a long pause): start again from now rather than run in a burst
    }
  }

  @Override
  public void close() throws InterruptedException {
    inbox.add(() -> running = false);
    if (!isCurrent() && thread.isAlive()) {
      thread.join(10_000);
    }
  }
}
