package io.raftd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.Event;
import io.raftd.proto.EventKind;
import io.raftd.proto.WatchEventsResponse;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The event hub's contract: stamped events in order, bounded frames, and a watcher that falls behind cut off, never waited for. */
class EventHubTest {
  private final ThreadRuntime runtime = new ThreadRuntime();

  private EventHub hub(int buffer) {
    EventHub hub = new EventHub(runtime, buffer);
    hub.setMember("n1");
    hub.setPosition(() -> 7, () -> 42);
    return hub;
  }

  @Test
  void aSubscriberGetsAnEmptyFirstFrameThenEventsStampedInOrder() {
    EventHub hub = hub(16);
    hub.publish(Event.newBuilder().setKind(EventKind.SLOW_FSYNC));  // before anyone watches: nobody's
    AtomicInteger ready = new AtomicInteger();
    EventHub.Subscriber s = hub.subscribe(ready::incrementAndGet);
    assertEquals(WatchEventsResponse.getDefaultInstance(), s.next(), "the first frame says the subscription is in place");
    assertNull(s.next());
    hub.publish(Event.newBuilder().setKind(EventKind.ROLE_CHANGED).setText("a"));
    hub.publish(Event.newBuilder().setKind(EventKind.SNAPSHOT_TAKEN).setIndex(40).setTerm(6).setText("b"));
    assertEquals(3, ready.get(), "told once when subscribed and once an event");
    WatchEventsResponse frame = s.next();
    assertEquals(2, frame.getEventsCount());
    Event a = frame.getEvents(0);
    assertEquals("n1", a.getMember());
    assertEquals(7, a.getTerm());
    assertEquals(42, a.getIndex());
    assertTrue(a.getTimeMs() > 0);
    assertEquals(6, frame.getEvents(1).getTerm(), "an event's own term is kept");
    assertEquals(40, frame.getEvents(1).getIndex());
    assertNull(s.next());
    s.close();
    assertEquals(0, hub.subscribers());
  }

  @Test
  void framesHoldABoundedNumberOfEvents() {
    EventHub hub = hub(1000);
    EventHub.Subscriber s = hub.subscribe(() -> { });
    s.next();
    for (int i = 0; i < 600; i++) {
      hub.publish(Event.newBuilder().setKind(EventKind.SLOW_FSYNC));
    }
    assertEquals(EventHub.FRAME_EVENTS, s.next().getEventsCount());
    assertEquals(EventHub.FRAME_EVENTS, s.next().getEventsCount());
    assertEquals(600 - 2 * EventHub.FRAME_EVENTS, s.next().getEventsCount());
    assertNull(s.next());
  }

  @Test
  void aSubscriberAWholeBufferBehindGetsItsBufferThenTheNumberLostAndNothingMore() {
    EventHub hub = hub(8);
    EventHub.Subscriber slow = hub.subscribe(() -> { });
    EventHub.Subscriber keeping = hub.subscribe(() -> { });
    slow.next();
    keeping.next();
    int kept = 0;
    for (int i = 0; i < 20; i++) {
      hub.publish(Event.newBuilder().setKind(EventKind.SLOW_FSYNC).setText("e" + i));
      kept += keeping.next().getEventsCount();  // this one keeps up
    }
    assertEquals(20, kept);
    WatchEventsResponse queued = slow.next();
    assertEquals(8, queued.getEventsCount());
    assertEquals("e0", queued.getEvents(0).getText());
    WatchEventsResponse last = slow.next();
    assertEquals(12, last.getLost());
    assertEquals(0, last.getEventsCount());
    assertTrue(slow.over());
    assertNull(slow.next());
    assertEquals(1, hub.subscribers(), "the slow one is cut off, the other watches on");
  }
}
