package io.raftd.sim;

import java.util.PriorityQueue;

/**
 * The simulator's agenda: events ordered by virtual time (ms), ties broken by the order they were
 * scheduled, so one seed always yields one order. Each event carries a label for the failure trace.
 */
final class EventQueue {
  /** One scheduled action; {@code kind}, {@code node} and {@code detail} only describe it. */
  record Event(long time, long seq, String kind, int node, Object detail, Runnable action)
      implements Comparable<Event> {
    @Override
    public int compareTo(Event o) {
      int c = Long.compare(time, o.time);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private long seq;
  private long now;

  long now() {
    return now;
  }

  void at(long time, String kind, int node, Object detail, Runnable action) {
    queue.add(new Event(Math.max(time, now), seq++, kind, node, detail, action));
  }

  void after(long delay, String kind, int node, Object detail, Runnable action) {
    at(now + delay, kind, node, detail, action);
  }

  /** Removes and returns the next event due at or before {@code until}, advancing the clock; null if none. */
  Event next(long until) {
    Event e = queue.peek();
    if (e == null || e.time() > until) {
      now = Math.max(now, until);
      return null;
    }
    queue.poll();
    now = e.time();
    return e;
  }
}
