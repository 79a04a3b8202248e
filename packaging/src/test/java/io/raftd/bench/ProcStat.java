package io.raftd.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Paths;

/** A process's CPU time from {@code /proc/PID/stat}: what the benchmarks divide by their operations. */
final class ProcStat {
  /** Clock ticks per second, the unit of utime and stime. */
  static final long CLOCK_TICKS = clockTicks();

  private ProcStat() {}

  /**
   * utime and stime (fields 14 and 15, in clock ticks) of the content of a {@code /proc/PID/stat} file. The
   * fields are counted after the last ')': the command name in between may itself hold spaces and parentheses.
   */
  static long[] userAndSystemTicks(String stat) {
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");  // f[0] is field 3 (state)
    return new long[] {Long.parseLong(f[11]), Long.parseLong(f[12])};
  }

  /** utime and stime of a running process, in seconds. */
  static double[] userAndSystemSeconds(long pid) throws IOException {
    long[] ticks = userAndSystemTicks(Files.readString(Paths.get("/proc", Long.toString(pid), "stat")));
    return new double[] {ticks[0] / (double) CLOCK_TICKS, ticks[1] / (double) CLOCK_TICKS};
  }

  /** utime + stime of a running process, in seconds. */
  static double cpuSeconds(long pid) throws IOException {
    double[] us = userAndSystemSeconds(pid);
    return us[0] + us[1];
  }

  private static long clockTicks() {
    try {
      Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return p.waitFor() == 0 ? Long.parseLong(out) : 100;
    } catch (IOException | InterruptedException | NumberFormatException e) {
      return 100;  // Linux's USER_HZ on every common architecture
    }
  }
}
