package io.raftd.ctl;

import com.google.gson.JsonObject;
import io.raftd.client.EventWatch;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.proto.Event;
import io.raftd.proto.MemberStatus;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code raftctl watch}: what the members see happen, as it happens, one line per event, until interrupted.
 * Each member is watched on a connection of its own, so one that hangs or goes away holds up nobody else's
 * events; it is watched again as soon as it answers.
 */
@Command(name = "watch", description = {"Shows what the members see happen as it happens, one line per event "
    + "(JSON lines with -o json), until interrupted (Ctrl-C): elections, role and leader changes, membership "
    + "changes and learners catching up, snapshots, followers falling behind, transfers, vote barriers, slow "
    + "fsyncs. Every member by default, their events merged as they arrive; a member that stops or cannot be "
    + "reached is said so on stderr and watched again once it answers."})
final class WatchCommand extends CtlCommand {
  /** How often a member not being watched is tried again. */
  private static final long RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS", Locale.ROOT);

  @Option(names = "--node", paramLabel = "NAME", completionCandidates = CompletionScript.MemberNames.class,
      description = "watch only this member (again for more)")
  List<String> nodes = new ArrayList<>();

  @Override
  int run(Raftctl ctl) throws Exception {
    Connection c = ctl.connection();
    Cluster cluster = Cluster.ask(c);
    List<MemberStatus> chosen = new ArrayList<>();
    if (nodes.isEmpty()) {
      chosen.addAll(cluster.members());
    } else {
      for (String name : nodes) {
        chosen.add(cluster.member(name));
      }
    }
    Printer printer = new Printer(ctl.output(), ctl.io.err(), ZoneId.systemDefault());
    List<Watched> watched = chosen.stream().map(m -> new Watched(m.getMember().getName(),
        m.getMember().getAdminAddress())).toList();
    try {
      while (true) {
        for (Watched w : watched) {
          w.keepUp(c.client(), printer);
        }
        Thread.sleep(100);  // how soon an ended watch is noticed; the events themselves print as they come
      }
    } catch (InterruptedException e) {
      watched.forEach(Watched::close);
      return ExitCode.OK;  // interrupted: what a watch ends with
    }
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

    void keepUp(RaftdClient client, Printer printer) {
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
            events.forEach(printer::print);
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

  /** Prints events and notes from every member's connection thread, a line at a time. */
  static final class Printer {
    private final Output out;
    private final PrintStream err;
    private final ZoneId zone;

    Printer(Output out, PrintStream err, ZoneId zone) {
      this.out = out;
      this.err = err;
      this.zone = zone;
    }

    synchronized void print(Event e) {
      String kind = e.getKind().name().toLowerCase(Locale.ROOT);
      if (out.json) {
        JsonObject o = new JsonObject();
        o.addProperty("time", Instant.ofEpochMilli(e.getTimeMs()).toString());
        o.addProperty("member", e.getMember());
        o.addProperty("kind", kind);
        o.addProperty("term", e.getTerm());
        o.addProperty("index", e.getIndex());
        o.addProperty("peer", e.getPeer().isEmpty() ? null : e.getPeer());
        o.addProperty("pre_vote", e.getPreVote());
        o.addProperty("votes", e.getVotes());
        o.addProperty("voters", e.getVoters());
        o.addProperty("text", e.getText());
        out.jsonLine(o);
      } else {
        out.line(TIME.format(Instant.ofEpochMilli(e.getTimeMs()).atZone(zone)) + "  " + e.getMember() + "  term "
            + e.getTerm() + "  " + kind.replace('_', ' ') + ": " + e.getText());
      }
      out.out.flush();
    }

    synchronized void note(String line) {
      err.println("raftctl: " + line);
    }
  }
}
