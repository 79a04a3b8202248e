package io.raftd.sim;

import io.raftd.host.Fatal;
import io.raftd.host.HostRuntime;
import io.raftd.host.Lane;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * The host simulator's {@link HostRuntime}: every lane of a member runs on the caller's one thread. At each
 * {@link #step} a seeded choice picks which started lane with a task runs its next one, so the order in
 * which the "threads" of a real member would interleave at every hand-off (a post, a durable write, an
 * apply) is drawn from the seed, and a seed replays exactly. Time is virtual: it moves only when no lane has
 * a task, to the next timer that is due. A task that throws goes to its lane's {@link Fatal}, as on a real
 * thread.
 */
final class SimHostRuntime implements HostRuntime {
  private final SplittableRandom random;
  private final long wallClockStartMs;
  private final List<SimLane> lanes = new ArrayList<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private long nowNanos;
  private long timerSeq;
  private SimLane current;
  /** Tasks run, and how many of them ran on a lane other than the one before: interleavings. */
  long tasksRun;
  long laneSwitches;

  private record Timer(long dueNanos, long seq, SimLane lane, Runnable task, boolean[] cancelled)
      implements Comparable<Timer> {
    @Override
    public int compareTo(Timer o) {
      return dueNanos != o.dueNanos ? Long.compare(dueNanos, o.dueNanos) : Long.compare(seq, o.seq);
    }
  }

  /** @param wallClockStartMs what {@link #currentTimeMillis} reads at virtual time 0 */
  SimHostRuntime(long seed, long wallClockStartMs) {
    this.random = new SplittableRandom(seed);
    this.wallClockStartMs = wallClockStartMs;
  }

  @Override
  public long nanoTime() {
    return nowNanos;
  }

  @Override
  public long currentTimeMillis() {
    return wallClockStartMs + nowNanos / 1_000_000;
  }

  @Override
  public Lane lane(String name, Fatal fatal) {
    SimLane lane = new SimLane(name, fatal);
    lanes.add(lane);
    return lane;
  }

  /**
   * Runs one task of a lane drawn from those that are started and have one; with none, moves the clock to
   * the next timer that is due and posts its task.
   *
   * @return false if there is nothing left to do: no task and no timer
   */
  boolean step() {
    List<SimLane> ready = new ArrayList<>();
    for (SimLane l : lanes) {
      if (l.started && !l.tasks.isEmpty()) {
        ready.add(l);
      }
    }
    if (ready.isEmpty()) {
      return fireNextTimer();
    }
    SimLane lane = ready.get(random.nextInt(ready.size()));
    Runnable task = lane.tasks.poll();
    if (current != null && current != lane) {
      laneSwitches++;
    }
    current = lane;
    tasksRun++;
    try {
      task.run();
    } catch (Throwable t) {
      lane.fatal.stop(lane.name, t);
    }
    return true;
  }

  /** Steps until virtual time reaches {@code untilNanos}, or nothing is left to do. */
  void runUntil(long untilNanos) {
    while (true) {
      boolean work = lanes.stream().anyMatch(l -> l.started && !l.tasks.isEmpty());
      if (!work) {
        Timer next = nextLiveTimer();
        if (next == null || next.dueNanos > untilNanos) {
          nowNanos = Math.max(nowNanos, untilNanos);
          return;
        }
      }
      step();
    }
  }

  private boolean fireNextTimer() {
    Timer t = nextLiveTimer();
    if (t == null) {
      return false;
    }
    timers.poll();
    nowNanos = Math.max(nowNanos, t.dueNanos);
    t.lane.post(t.task);
    return true;
  }

  private Timer nextLiveTimer() {
    while (!timers.isEmpty() && timers.peek().cancelled[0]) {
      timers.poll();
    }
    return timers.peek();
  }

  /** A lane of this runtime: a queue the scheduler draws from. */
  private final class SimLane implements Lane {
    final String name;
    final Fatal fatal;
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    boolean started;
    boolean closed;

    SimLane(String name, Fatal fatal) {
      this.name = name;
      this.fatal = fatal;
    }

    @Override
    public void start() {
      started = true;
    }

    @Override
    public void post(Runnable task) {
      if (!closed) {
        tasks.add(task);
      }
    }

    @Override
    public Runnable schedule(long delayNanos, Runnable task) {
      boolean[] cancelled = {false};
      timers.add(new Timer(nowNanos + Math.max(0, delayNanos), timerSeq++, this, task, cancelled));
      return () -> cancelled[0] = true;
    }

    @Override
    public boolean isCurrent() {
      return current == this;
    }

    /** Takes no new task; those queued still run, as on a real lane (which the caller would wait for). */
    @Override
    public void close() {
      closed = true;
    }
  }
}
