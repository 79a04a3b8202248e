package io.raftd.host;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/** A {@link Lane} on a thread of its own: {@link ThreadRuntime}'s. */
final class ThreadLane implements Lane {
  private final LinkedBlockingQueue<Runnable> inbox = new LinkedBlockingQueue<>();
  private final Thread thread;
  private final ScheduledExecutorService timer;
  private final Fatal fatal;
  private volatile boolean running = true;

  ThreadLane(String name, Fatal fatal, ScheduledExecutorService timer) {
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
  public boolean isCurrent() {
    return Thread.currentThread() == thread;
  }

  private void run() {
    List<Runnable> batch = new ArrayList<>();
    try {
      while (running) {
        // Everything queued at once, under one take of the queue's lock: the RaftLoop gets a task per
        // message, read and durable write, and posters should not contend for the lock once per task.
        batch.add(inbox.take());
        inbox.drainTo(batch);
        for (Runnable task : batch) {
          task.run();
        }
        batch.clear();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Throwable t) {
      if (running) {
        fatal.stop(thread.getName(), t);
      }
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
