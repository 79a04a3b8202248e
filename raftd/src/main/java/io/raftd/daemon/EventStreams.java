package io.raftd.daemon;

import io.raftd.host.EventHub;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import io.raftd.transport.AdminStreams;

/** The admin port's streams: WatchEvents, each request a subscriber of this member's {@link EventHub}. */
final class EventStreams implements AdminStreams {
  private final EventHub events;

  EventStreams(EventHub events) {
    this.events = events;
  }

  @Override
  public Stream open(AdminRequest request, Runnable ready) {
    if (!request.hasWatchEvents()) {
      return null;
    }
    EventHub.Subscriber subscriber = events.subscribe(ready);
    return new Stream() {
      @Override
      public AdminResponse next() {
        var frame = subscriber.next();
        return frame == null ? null : AdminResponse.newBuilder().setId(request.getId()).setWatchEvents(frame).build();
      }

      @Override
      public boolean over() {
        return subscriber.over();
      }

      @Override
      public void close() {
        subscriber.close();
      }
    };
  }
}
