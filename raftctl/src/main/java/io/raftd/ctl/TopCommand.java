package io.raftd.ctl;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.raftd.proto.Event;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import org.jline.terminal.Attributes;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;
import org.jline.utils.AttributedString;
import org.jline.utils.Display;
import org.jline.utils.InfoCmp.Capability;
import org.jline.utils.NonBlockingReader;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code raftctl top}: a live view of the cluster, a row per member refreshed each period, the members' recent
 * events underneath. Full-screen on a terminal (JLine's display: only what changed is redrawn; q quits, p
 * pauses); on a dumb terminal or when piped, a table each period, as {@code top -b} does.
 */
@Command(name = "top", description = {"A live view of the cluster: one row per member (role, term, commit, "
    + "applied, lag, last contact, writes and reads answered a second, mean fsync time) refreshed every --interval, "
    + "the members' recent events underneath. Full-screen on a terminal: q quits, p pauses. Piped or on a dumb "
    + "terminal: the table every --interval (JSON lines with -o json), --iterations times or until interrupted."})
final class TopCommand extends CtlCommand {
  private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss", Locale.ROOT);
  private static final int EVENTS_KEPT = 200;

  @Option(names = "--interval", paramLabel = "DURATION", converter = Durations.class, defaultValue = "1s",
      description = "how often to refresh (default: 1s)")
  Duration interval;

  @Option(names = {"-n", "--iterations"}, paramLabel = "N", defaultValue = "0",
      description = "stop after N refreshes (default: 0, until q or interrupted)")
  int iterations;

  @Override
  int run(Raftctl ctl) throws Exception {
    if (iterations < 0) {
      throw new CtlException(ExitCode.USAGE, "--iterations must be 0 (until interrupted) or more, not " + iterations);
    }
    if (interval.compareTo(Duration.ofMillis(100)) < 0) {
      throw new CtlException(ExitCode.USAGE, "--interval must be at least 100ms, not " + interval.toMillis() + "ms");
    }
    Terminal shell = ctl.shellTerminal();
    boolean fullScreen = !ctl.output().json && ctl.io.stdoutTerminal() && ctl.io.stdinTerminal();
    if (fullScreen && shell != null) {
      return fullScreen(ctl, shell);
    }
    if (fullScreen) {
      try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
        if (!Terminal.TYPE_DUMB.equals(terminal.getType()) && !Terminal.TYPE_DUMB_COLOR.equals(terminal.getType())) {
          return fullScreen(ctl, terminal);
        }
      }
    }
    return plain(ctl);
  }

  /** The table every interval, for a pipe or a dumb terminal. */
  private int plain(Raftctl ctl) throws Exception {
    Connection c = ctl.connection();
    Output out = ctl.output();
    Cluster before = null;
    long beforeNanos = 0;
    for (int i = 0; iterations == 0 || i < iterations; i++) {
      if (i > 0) {
        Thread.sleep(interval.toMillis());  // the refresh period
      }
      Cluster now;
      try {
        now = Cluster.ask(c);
      } catch (InterruptedException e) {
        return ExitCode.OK;
      }
      long nowNanos = System.nanoTime();
      List<List<String>> rows = TopFrame.rows(now, before, (nowNanos - beforeNanos) / 1e9);
      if (out.json) {
        JsonObject frame = new JsonObject();
        frame.addProperty("time", Instant.now().toString());
        frame.addProperty("summary", TopFrame.summary(now));
        JsonArray members = new JsonArray();
        for (List<String> row : rows) {
          JsonObject m = new JsonObject();
          for (int col = 0; col < TopFrame.HEADER.size(); col++) {
            m.addProperty(TopFrame.HEADER.get(col).toLowerCase(Locale.ROOT).replace("/", "_per_"), row.get(col));
          }
          members.add(m);
        }
        frame.add("members", members);
        out.jsonLine(frame);
      } else {
        out.line(TIME.format(Instant.now().atZone(ZoneId.systemDefault())) + "  " + TopFrame.summary(now));
        out.table(TopFrame.HEADER, rows);
        out.line("");
      }
      out.out.flush();
      before = now;
      beforeNanos = nowNanos;
    }
    return ExitCode.OK;
  }

  /** Full-screen until q (or interrupted): the cluster's rows on top, its members' latest events below. */
  private int fullScreen(Raftctl ctl, Terminal terminal) throws Exception {
    Connection c = ctl.connection();
    Deque<String> events = new ArrayDeque<>();
    MemberWatches.Listener recent = new MemberWatches.Listener() {
      @Override
      public void events(List<Event> batch) {
        synchronized (events) {
          for (Event e : batch) {
            events.addFirst(TIME.format(Instant.ofEpochMilli(e.getTimeMs()).atZone(ZoneId.systemDefault())) + "  "
                + e.getMember() + "  " + e.getKind().name().toLowerCase(Locale.ROOT).replace('_', ' ') + ": "
                + e.getText());
          }
          while (events.size() > EVENTS_KEPT) {
            events.removeLast();
          }
        }
      }

      @Override
      public void note(String line) {
        // the watches' own comings and goings: the rows already say which members answer
      }
    };
    Cluster first = Cluster.ask(c);
    Attributes saved = terminal.enterRawMode();
    terminal.puts(Capability.enter_ca_mode);
    terminal.puts(Capability.cursor_invisible);
    Display display = new Display(terminal, true);
    NonBlockingReader keys = terminal.reader();
    try (MemberWatches watches = new MemberWatches(c.client(), first.members(), recent)) {
      Cluster before = null;
      Cluster now = first;
      long beforeNanos = 0;
      long nowNanos = System.nanoTime();
      long nextNanos = nowNanos;
      boolean paused = false;
      int frames = 0;
      while (iterations == 0 || frames < iterations) {
        watches.keepUp();
        if (!paused && System.nanoTime() - nextNanos >= 0) {
          if (frames > 0) {
            before = now;
            beforeNanos = nowNanos;
            now = Cluster.ask(c);
            nowNanos = System.nanoTime();
          }
          nextNanos = nowNanos + interval.toNanos();
          frames++;
        }
        display.resize(terminal.getHeight(), terminal.getWidth());
        display.update(screen(now, before == null ? null : TopFrame.rows(now, before, (nowNanos - beforeNanos) / 1e9),
            events, paused, terminal.getWidth(), terminal.getHeight()), -1);
        terminal.flush();
        int key = keys.read(100);  // also the loop's pace: keys are answered within a tenth of a second
        if (key == 'q' || key == 'Q' || key == 3 || key == NonBlockingReader.EOF) {
          break;
        }
        if (key == 'p' || key == 'P') {
          paused = !paused;
        }
      }
      return ExitCode.OK;
    } catch (IOException e) {
      if (Thread.currentThread().isInterrupted()) {
        return ExitCode.OK;  // Ctrl-C in the shell interrupts the read
      }
      throw e;
    } finally {
      terminal.puts(Capability.cursor_visible);
      terminal.puts(Capability.exit_ca_mode);
      terminal.setAttributes(saved);
      terminal.flush();
    }
  }

  private static List<AttributedString> screen(Cluster now, List<List<String>> rated, Deque<String> events,
      boolean paused, int width, int height) {
    List<String> lines = new ArrayList<>();
    lines.add("raftctl top  " + TIME.format(Instant.now().atZone(ZoneId.systemDefault())) + "  " + TopFrame.summary(now)
        + (paused ? "  [paused: p resumes]" : "  (q quits, p pauses)"));
    lines.add("");
    ByteArrayOutputStream table = new ByteArrayOutputStream();
    new Output(new PrintStream(table, true, StandardCharsets.UTF_8), false)
        .table(TopFrame.HEADER, rated != null ? rated : TopFrame.rows(now, null, 0));
    lines.addAll(table.toString(StandardCharsets.UTF_8).lines().toList());
    lines.add("");
    lines.add("recent events:");
    synchronized (events) {
      for (String e : events) {
        if (lines.size() >= height - 1) {
          break;
        }
        lines.add(e);
      }
    }
    List<AttributedString> out = new ArrayList<>();
    for (String line : lines.subList(0, Math.min(lines.size(), Math.max(1, height - 1)))) {
      out.add(new AttributedString(line.length() > width ? line.substring(0, Math.max(0, width - 1)) : line));
    }
    return out;
  }
}
