package io.raftd.host;

import io.raftd.proto.Event;
import io.raftd.proto.WatchEventsResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * What this member sees happen (elections, transfers, configuration changes, snapshots, slow fsyncs...), handed
 * to whoever watches (WatchEvents, {@code raftctl watch}). Events are published from the RaftLoop and the
 * host's other lanes, and must never make them wait: each subscriber has a queue of its own, bounded, that
 * {@link #publish} only offers to. A subscriber that falls a whole queue behind (it reads too slowly, or not
 * at all) is cut off: it still gets what its queue holds, then a last frame with the number of events it lost.
 * Thread-safe.
 */
public final class EventHub {
  /** How many events a subscriber may fall behind before it is cut off: a few minutes of a busy cluster's. */
  public static final int BUFFER_EVENTS = 1024;
  /** Events in one frame at most: a frame stays small whatever a subscriber's backlog. */
  static final int FRAME_EVENTS = 256;

  private final HostRuntime runtime;
  private final int bufferEvents;
  private final List<Subscriber> subscribers = new CopyOnWriteArrayList<>();
  private volatile String member = "";
  private volatile LongSupplier term = () -> 0;
  private volatile LongSupplier lastIndex = () -> 0;

  /**
   * @param runtime the clock that stamps each event
   * @param bufferEvents how many events a subscriber may fall behind before it is cut off
   */
  public EventHub(HostRuntime runtime, int bufferEvents) {
    if (bufferEvents < 1) {
      throw new IllegalArgumentException("a subscriber's buffer must hold an event: " + bufferEvents);
    }
    this.runtime = runtime;
    this.bufferEvents = bufferEvents;
  }

  /** Names the member in every event from now on. */
  public void setMember(String name) {
    this.member = name;
  }

  /** Where events that do not say their term and index take them from: this member's, as of publishing. */
  public void setPosition(LongSupplier term, LongSupplier lastIndex) {
    this.term = term;
    this.lastIndex = lastIndex;
  }

  /**
   * Stamps {@code event} with the time and this member's name (and its term and last index unless set), and
   * offers it to every subscriber. Never waits. Any thread.
   */
  public void publish(Event.Builder event) {
    if (subscribers.isEmpty()) {
      return;
    }
    event.setTimeMs(runtime.currentTimeMillis()).setMember(member);
    if (event.getTerm() == 0) {
      event.setTerm(term.getAsLong());
    }
    if (event.getIndex() == 0) {
      event.setIndex(lastIndex.getAsLong());
    }
    Event e = event.build();
    for (Subscriber s : subscribers) {
      s.offer(e);
    }
  }

  /**
   * A new subscriber, which gets every event published from now on until it is closed or cut off.
   *
   * @param ready run, on the publishing thread, whenever the subscriber has a frame to take: it must not wait
   */
  public Subscriber subscribe(Runnable ready) {
    Subscriber s = new Subscriber(ready);
    subscribers.add(s);
    ready.run();  // its first frame, empty, says the subscription is in place
    return s;
  }

  /** Subscribers now (for tests and status). */
  public int subscribers() {
    return subscribers.size();
  }

  /** One watcher's queue. Frames are taken by one thread at a time (its connection's). */
  public final class Subscriber implements AutoCloseable {
    private final ArrayBlockingQueue<Event> queue = new ArrayBlockingQueue<>(bufferEvents);
    /** Events dropped since the queue first overflowed; once non-zero, every later event is dropped too. */
    private final AtomicLong lost = new AtomicLong();
    private final Runnable ready;
    private boolean greeted;
    private boolean over;

    private Subscriber(Runnable ready) {
      this.ready = ready;
    }

    private void offer(Event e) {
      if (lost.get() > 0 || !queue.offer(e)) {
        lost.incrementAndGet();
      }
      ready.run();
    }

    /**
     * The next frame to send: the first one empty, then up to {@link #FRAME_EVENTS} events; once cut off and its
     * queue drained, the last frame with the number lost. Null when there is nothing to send now.
     */
    public synchronized WatchEventsResponse next() {
      if (over) {
        return null;
      }
      if (!greeted) {
        greeted = true;
        return WatchEventsResponse.getDefaultInstance();
      }
      List<Event> events = new ArrayList<>();
      queue.drainTo(events, FRAME_EVENTS);
      if (!events.isEmpty()) {
        return WatchEventsResponse.newBuilder().addAllEvents(events).build();
      }
      long dropped = lost.get();
      if (dropped > 0) {
        over = true;
        subscribers.remove(this);
        return WatchEventsResponse.newBuilder().setLost(dropped).build();
      }
      return null;
    }

    /** True once the last frame (the one saying how many events were lost) was taken. */
    public synchronized boolean over() {
      return over;
    }

    /** The watcher went: it gets nothing more. */
    @Override
    public void close() {
      subscribers.remove(this);
    }
  }
}
