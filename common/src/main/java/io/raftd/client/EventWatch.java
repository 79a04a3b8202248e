package io.raftd.client;

import io.raftd.proto.AdminResponse;
import io.raftd.proto.Event;
import io.raftd.proto.WatchEventsResponse;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * A watch of one member's events (WatchEvents), on a connection of its own, from {@link RaftdClient#watchEvents}:
 * the events go to a {@link Sink} as the member sends them, until the watch is closed, the member cuts it off
 * for reading too slowly, or the connection breaks.
 */
public final class EventWatch implements AutoCloseable {
  /** Where the events go: on the watch's connection thread, in order. It must not take long. */
  public interface Sink {
    /** The member took the subscription: every event it sees from now on comes. */
    default void subscribed() {}

    void events(List<Event> events);
  }

  private final String endpoint;
  private final AdminConnection connection;
  private final Sink sink;
  private final CompletableFuture<Long> ended = new CompletableFuture<>();

  EventWatch(String endpoint, AdminConnection connection, Sink sink) {
    this.endpoint = endpoint;
    this.connection = connection;
    this.sink = sink;
  }

  /** The frames of the stream, on the connection's reader thread. */
  void frame(AdminResponse r) {
    if (ended.isDone()) {
      return;
    }
    if (r.hasError()) {
      ended.completeExceptionally(new RaftdException(r.getError().getCode(), r.getError().getMessage(), null));
      connection.close();
      return;
    }
    WatchEventsResponse w = r.getWatchEvents();
    if (w.getEventsCount() == 0 && w.getLost() == 0) {
      sink.subscribed();
      return;
    }
    if (w.getEventsCount() > 0) {
      sink.events(w.getEventsList());
    }
    if (w.getLost() > 0) {
      ended.complete(w.getLost());
      connection.close();
    }
  }

  /** The connection went: the watch ends, unless it already had. */
  void connectionEnded(Throwable why) {
    Throwable cause = why instanceof CompletionException && why.getCause() != null ? why.getCause() : why;
    ended.completeExceptionally(RaftdException.unreachable(String.valueOf(cause.getMessage()), cause));
  }

  /** The member's admin address. */
  public String endpoint() {
    return endpoint;
  }

  /**
   * Completes when the watch ends: with the number of events lost when the member cut it off for reading too
   * slowly; exceptionally with the member's error, or an unreachable {@link RaftdException} when the connection
   * broke or the watch was closed.
   */
  public CompletableFuture<Long> ended() {
    return ended;
  }

  /** Ends the watch: the member forgets the subscriber as the connection closes. */
  @Override
  public void close() {
    connection.close();
  }
}
