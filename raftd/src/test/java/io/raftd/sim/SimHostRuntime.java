package io.raftd.sim;

import io.raftd.host.Fatal;
import io.raftd.host.HostRuntime;
import io.raftd.host.Lane;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.function.UnaryOperator;

/**
 * The host simulator's {@link HostRuntime}: every lane of a member runs on the caller's one thread. At each
 * {@link #step} a seeded choice picks which started lane with a task runs its next one, so the order in
 * which the "threads" of a real member would interleave at every hand-off (a post, a durable write, an
 * apply) is drawn from the seed, and a seed replays exactly. Time is virtual: it moves by a seeded cost
 * after each task (if the runtime is given one) and by {@link #advance} inside one (a disk's fsync), and
 * jumps to the next timer when no lane has a task; timers that fall due post their tasks to their lanes.
 * A task that throws goes to its lane's {@link Fatal}, as on a real thread.
 *
 * <p>A task runs to its end unless it reaches a {@link #preempt} point (the simulator's decorators of the
 * file system and of the core's view of the log call it): there, by seed, one task of another lane of the
 * same member may run before it goes on, as a second thread would in the middle of a real one's work.
 * Lanes made by {@link #controlLane} (the simulator's own network, clients and faults) are never run there.
 */
final class SimHostRuntime implements HostRuntime {
  private final SplittableRandom random;
  private final long wallClockStartMs;
  private final List<SimLane> lanes = new ArrayList<>();
  private final PriorityQueue<Timer> timers = new PriorityQueue<>();
  private long nowNanos;
  private long timerSeq;
  /** The lane whose task runs now (the innermost, at a preemption point), and the one that ran last. */
  private SimLane current;
  private SimLane lastRun;
  /** What each lane made from here on gets its tasks wrapped in, by lane name (the broken variants). */
  private final Map<String, UnaryOperator<Runnable>> wrappers = new HashMap<>();
  private final int preemptOneIn;
  private final long maxTaskNanos;
  /** Tasks run, and how many of them ran on a lane other than the one before: interleavings. */
  long tasksRun;
  long laneSwitches;
  /** Tasks run inside another lane's task at a preemption point. */
  long preemptions;

  private record Timer(long dueNanos, long seq, SimLane lane, Runnable task, boolean[] cancelled)
      implements Comparable<Timer> {
    @Override
    public int compareTo(Timer o) {
      return dueNanos != o.dueNanos ? Long.compare(dueNanos, o.dueNanos) : Long.compare(seq, o.seq);
    }
  }

  /** @param wallClockStartMs what {@link #currentTimeMillis} reads at virtual time 0 */
  SimHostRuntime(long seed, long wallClockStartMs) {
    this(seed, wallClockStartMs, 0, 0);
  }

  /**
   * @param preemptOneIn the chance, one in this many, that a preemption point runs another lane's task (0: never)
   * @param maxTaskNanos each task takes up to this long in virtual time (0: tasks take no time)
   */
  SimHostRuntime(long seed, long wallClockStartMs, int preemptOneIn, long maxTaskNanos) {
    this.random = new SplittableRandom(seed);
    this.wallClockStartMs = wallClockStartMs;
    this.preemptOneIn = preemptOneIn;
    this.maxTaskNanos = maxTaskNanos;
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
    SimLane lane = new SimLane(name, fatal, true, wrappers.getOrDefault(name, UnaryOperator.identity()));
    lanes.add(lane);
    return lane;
  }

  /** A lane of the simulator itself: scheduled like the host's, never run at a preemption point. */
  Lane controlLane(String name) {
    SimLane lane = new SimLane(name, (c, t) -> {
      throw new AssertionError("the simulator's lane " + c + " failed", t);
    }, false, UnaryOperator.identity());
    lanes.add(lane);
    lane.start();
    return lane;
  }

  /** Lanes named {@code name} made from now on run each task through {@code wrapper}. */
  void wrapTasks(String name, UnaryOperator<Runnable> wrapper) {
    wrappers.put(name, wrapper);
  }

  /** Power loss for the lanes whose names start with {@code prefix}: their queued tasks and timers are gone. */
  void kill(String prefix) {
    lanes.removeIf(l -> {
      if (l.name.startsWith(prefix)) {
        l.closed = true;
        l.tasks.clear();
        return true;
      }
      return false;
    });
  }

  /**
   * A point inside a host task where another thread could run: by seed, runs one queued task of another
   * lane of the same member (the part of the name before '/'), unless a preempted task is already running.
   */
  void preempt() {
    if (preemptOneIn == 0 || current == null || !current.nestable || nested || random.nextInt(preemptOneIn) != 0) {
      return;
    }
    String member = current.name.substring(0, current.name.indexOf('/') + 1);
    List<SimLane> ready = new ArrayList<>();
    for (SimLane l : lanes) {
      if (l != current && l.nestable && l.started && !l.tasks.isEmpty() && l.name.startsWith(member)) {
        ready.add(l);
      }
    }
    if (ready.isEmpty()) {
      return;
    }
    SimLane outer = current;
    nested = true;
    try {
      run(ready.get(random.nextInt(ready.size())));
      preemptions++;
    } finally {
      nested = false;
      current = outer;
    }
  }

  private boolean nested;

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
    run(ready.get(random.nextInt(ready.size())));
    current = null;
    if (maxTaskNanos > 0) {
      advance(1 + random.nextLong(maxTaskNanos));
    }
    return true;
  }

  /**
   * Time passes inside a task (a disk's fsync, or the task's own work): timers that fall due meanwhile
   * post their tasks, which then compete with the lanes' queued work, as they would on a real machine.
   */
  void advance(long nanos) {
    nowNanos += nanos;
    for (Timer t = nextLiveTimer(); t != null && t.dueNanos <= nowNanos; t = nextLiveTimer()) {
      timers.poll();
      t.lane.post(t.task);
    }
  }

  private void run(SimLane lane) {
    Runnable task = lane.tasks.poll();
    if (lastRun != null && lastRun != lane) {
      laneSwitches++;
    }
    lastRun = lane;
    current = lane;
    tasksRun++;
    try {
      task.run();
    } catch (Throwable t) {
      lane.fatal.stop(lane.name, t);
    }
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

  /** A lane's periodic task, as {@link Lane#every} describes it, over this runtime's timers and virtual clock. */
  private final class Periodic {
    final SimLane lane;
    final long period;
    final Runnable task;
    long next;
    Runnable cancel;
    boolean stopped;

    Periodic(SimLane lane, long period, Runnable task) {
      this.lane = lane;
      this.period = period;
      this.task = task;
    }

    void run() {
      if (stopped) {
        return;
      }
      task.run();
      next += period;
      if (nowNanos - next > 10 * period) {
        next = nowNanos + period;
      }
      cancel = lane.schedule(Math.max(0, next - nowNanos), this::run);
    }

    void stop() {
      stopped = true;
      cancel.run();
    }
  }

  /** A lane of this runtime: a queue the scheduler draws from. */
  private final class SimLane implements Lane {
    final String name;
    final Fatal fatal;
    final boolean nestable;
    final UnaryOperator<Runnable> wrapper;
    final ArrayDeque<Runnable> tasks = new ArrayDeque<>();
    boolean started;
    boolean closed;

    SimLane(String name, Fatal fatal, boolean nestable, UnaryOperator<Runnable> wrapper) {
      this.name = name;
      this.fatal = fatal;
      this.nestable = nestable;
      this.wrapper = wrapper;
    }

    @Override
    public void start() {
      started = true;
    }

    @Override
    public void post(Runnable task) {
      if (!closed) {
        tasks.add(wrapper.apply(task));
      }
    }

    @Override
    public Runnable schedule(long delayNanos, Runnable task) {
      boolean[] cancelled = {false};
      timers.add(new Timer(nowNanos + Math.max(0, delayNanos), timerSeq++, this, task, cancelled));
      return () -> cancelled[0] = true;
    }

    /** A timer that posts the task and, once it has run, the next one: lanes here have no thread to wait with. */
    @Override
    public Runnable every(long periodNanos, Runnable task) {
      Periodic p = new Periodic(this, periodNanos, task);
      p.next = nowNanos + periodNanos;
      p.cancel = schedule(periodNanos, p::run);
      return p::stop;
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
