package io.raftd.ctl;

import io.raftd.client.EventWatch;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.proto.Event;
import io.raftd.proto.MemberStatus;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The event streams of chosen members ({@code watch}, {@code top}), each on a connection of its own, so a
 * member that hangs or goes away holds up nobody else's events; one whose stream ends (stopped, cut off for
 * reading too slowly, unreachable) is said so once and watched again as soon as it answers.
 */
final class MemberWatches implements AutoCloseable {
  /** Where events and notes go, from the members' connection threads. */
  interface Listener {
    void events(List<Event> events);

    /** A line about the watching itself (a member watched, its stream ended), for stderr or a status line. */
    void note(String line);
  }

  /** How often a member not being watched is tried again. */
  private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final RaftdClient client;
  private final Listener listener;
  private final List<Watched> watched;

  MemberWatches(RaftdClient client, List<MemberStatus> members, Listener listener) {
    this.client = client;
    this.listener = listener;
    this.watched = members.stream().map(m -> new Watched(m.getMember().getName(), m.getMember().getAdminAddress()))
        .toList();
  }

  /** Starts the streams not running; call it every so often (a tenth of a second). */
  void keepUp() {
    for (Watched w : watched) {
      w.keepUp(client, listener);
    }
  }

  @Override
  public void close() {
    watched.forEach(Watched::close);
  }

  /** One member's watch, started again whenever it ends. */
  private static final class Watched {
    final String name;
    final String address;
    private EventWatch watch;
    /** Whether the member is being watched, as last told on stderr (so an outage is one line, not one a second). */
    private volatile boolean up = true;
    private volatile boolean everUp;
    private long triedAt = Long.MIN_VALUE;

    Watched(String name, String address) {
      this.name = name;
      this.address = address;
    }

    void keepUp(RaftdClient client, Listener printer) {
      if (watch != null && !watch.ended().isDone()) {
        return;
      }
      if (watch != null) {
        String why = why(watch);
        watch = null;
        printer.note(name + ": " + why + "; watching again as soon as it answers");
        up = false;
      }
      long now = System.nanoTime();
      if (triedAt != Long.MIN_VALUE && now - triedAt < RETRY_NANOS) {
        return;
      }
      triedAt = now;
      try {
        watch = client.watchEvents(address, new EventWatch.Sink() {
          @Override
          public void subscribed() {
            if (!up || !everUp) {
              printer.note(name + ": watching" + (everUp ? " again" : ""));
            }
            up = true;
            everUp = true;
          }

          @Override
          public void events(List<Event> events) {
            printer.events(events);
          }
        });
      } catch (RaftdException e) {
        if (up) {
          printer.note(name + ": not watched: " + Reasons.plain(e) + "; trying again every second");
          up = false;
        }
      }
    }

    private static String why(EventWatch w) {
      try {
        long lost = w.ended().getNow(0L);
        return lost + " event(s) lost: this watch read too slowly and the member cut it off";
      } catch (RuntimeException e) {
        Throwable cause = e.getCause() != null ? e.getCause() : e;
        return "watch ended: " + Reasons.plain(cause);
      }
    }

    void close() {
      if (watch != null) {
        watch.close();
      }
    }
  }

}
