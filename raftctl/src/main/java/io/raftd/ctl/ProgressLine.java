package io.raftd.ctl;

import java.io.PrintStream;
import java.util.Locale;

/**
 * Progress on a terminal: one line redrawn in place, a bar and then a few words. The line is kept within 80
 * columns, so that a carriage return redraws all of it; {@link #end} moves past it before anything else is
 * printed. Commands that are not writing to a terminal print plain lines at their own pace instead.
 */
final class ProgressLine {
  private static final int LINE_WIDTH = 79;
  private static final int BAR_WIDTH = 20;

  private final PrintStream out;
  /** How many characters the line on screen has: a shorter one blanks the rest. */
  private int drawn;

  ProgressLine(PrintStream out) {
    this.out = out;
  }

  /** Redraws the line: the bar at {@code done} (0..1), then {@code text}, cut to fit. */
  void draw(double done, String text) {
    String line = bar(done) + " " + text;
    if (line.length() > LINE_WIDTH) {
      line = line.substring(0, LINE_WIDTH);
    }
    out.print("\r" + line + " ".repeat(Math.max(0, drawn - line.length())));
    out.flush();
    drawn = line.length();
  }

  /** Ends the line, if one was drawn, so that what follows starts on a line of its own. */
  void end() {
    if (drawn > 0) {
      out.println();
      drawn = 0;
    }
  }

  /** "[#########-----------]  45%" for {@code done} in 0..1. */
  static String bar(double done) {
    double d = Math.max(0, Math.min(1, done));
    int filled = (int) Math.round(d * BAR_WIDTH);
    return "[" + "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled) + "] "
        + String.format(Locale.ROOT, "%3d%%", (int) Math.floor(d * 100));
  }
}
