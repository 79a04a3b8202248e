package io.raftd.ctl;

import com.google.gson.JsonObject;
import io.raftd.proto.Event;
import io.raftd.proto.MemberStatus;
import java.io.PrintStream;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code raftctl watch}: what the members see happen, as it happens, one line per event, until interrupted
 * ({@link MemberWatches} keeps each member's stream up).
 */
@Command(name = "watch", description = {"Shows what the members see happen as it happens, one line per event "
    + "(JSON lines with -o json), until interrupted (Ctrl-C): elections, role and leader changes, membership "
    + "changes and learners catching up, snapshots, followers falling behind, transfers, vote barriers, slow "
    + "fsyncs. Every member by default, their events merged as they arrive; a member that stops or cannot be "
    + "reached is said so on stderr and watched again once it answers."})
final class WatchCommand extends CtlCommand {
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
    try (MemberWatches watches = new MemberWatches(c.client(), chosen, printer)) {
      while (true) {
        watches.keepUp();
        Thread.sleep(100);  // how soon an ended watch is noticed; the events themselves print as they come
      }
    } catch (InterruptedException e) {
      return ExitCode.OK;  // interrupted: what a watch ends with
    }
  }

  /** Prints events and notes from every member's connection thread, a line at a time. */
  static final class Printer implements MemberWatches.Listener {
    private final Output out;
    private final PrintStream err;
    private final ZoneId zone;

    Printer(Output out, PrintStream err, ZoneId zone) {
      this.out = out;
      this.err = err;
      this.zone = zone;
    }

    @Override
    public synchronized void events(List<Event> events) {
      events.forEach(this::print);
    }

    private void print(Event e) {
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

    @Override
    public synchronized void note(String line) {
      err.println("raftctl: " + line);
    }
  }
}
