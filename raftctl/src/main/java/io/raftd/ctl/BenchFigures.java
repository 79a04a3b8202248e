package io.raftd.ctl;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * What one bench measured: the requests answered and their latencies (nanoseconds, in HdrHistograms) for writes
 * and reads, the failures, how long it ran. Shown as a table, or as a JSON document whose field names are part
 * of raftctl's contract.
 */
record BenchFigures(BenchRun.Load load, long elapsedNanos, boolean interrupted, Histogram writes, Histogram reads,
                    BenchErrors.Counts errors) {
  /** The percentiles shown, with their JSON names; max follows them. */
  private static final double[] PERCENTILES = {50, 90, 99, 99.9};
  private static final String[] PERCENTILE_NAMES = {"p50", "p90", "p99", "p99_9"};

  long answered() {
    return writes.getTotalCount() + reads.getTotalCount();
  }

  /** Writes and reads together. */
  private Histogram all() {
    Histogram all = writes.copy();
    all.add(reads);
    return all;
  }

  /** "8 clients for 10.0s: 128-byte values, 1000 keys, 50% reads", or how long it ran when interrupted. */
  String summary() {
    String ran = interrupted ? "interrupted after " + Durations.format(elapsedNanos / 1_000_000) + " of "
        + Durations.format(load.durationNanos() / 1_000_000) : "for " + Durations.format(elapsedNanos / 1_000_000);
    return Plural.of(load.clients(), "client") + " " + ran + ": " + load.valueSize() + "-byte values, "
        + Plural.of(load.keys(), "key") + ", " + percent(load.readRatio()) + " reads (closed loop)";
  }

  private static String percent(double ratio) {
    return new BigDecimal(ratio * 100).setScale(1, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString() + "%";
  }

  void table(Output out) {
    out.line(summary());
    out.line("");
    List<List<String>> rows = new ArrayList<>();
    rows.add(row("writes", writes, errors.writes()));
    rows.add(row("reads", reads, errors.reads()));
    rows.add(row("all", all(), errors.total()));
    List<String> header = new ArrayList<>(List.of("", "OK", "ERRORS", "PER SECOND"));
    for (String p : PERCENTILE_NAMES) {
      header.add(p.replace('_', '.').toUpperCase(Locale.ROOT) + " ms");
    }
    header.add("MAX ms");
    out.table(header, rows);
    if (!errors.kinds().isEmpty()) {
      out.line("");
      out.line("errors:");
      for (BenchErrors.Kind k : errors.kinds()) {
        out.line("  " + k.count() + " " + k.code() + ", the last: " + k.lastMessage());
      }
    }
  }

  private List<String> row(String name, Histogram h, long failed) {
    List<String> row = new ArrayList<>(List.of(name, Long.toString(h.getTotalCount()), Long.toString(failed),
        String.format(Locale.ROOT, "%.1f", perSecond(h))));
    for (double p : PERCENTILES) {
      row.add(h.getTotalCount() == 0 ? "-" : String.format(Locale.ROOT, "%.2f", ms(h.getValueAtPercentile(p))));
    }
    row.add(h.getTotalCount() == 0 ? "-" : String.format(Locale.ROOT, "%.2f", ms(h.getMaxValue())));
    return row;
  }

  private double perSecond(Histogram h) {
    return elapsedNanos == 0 ? 0 : h.getTotalCount() * 1e9 / elapsedNanos;
  }

  /**
   * Throws what the exit says when it is not 0: a run cut short (exit 1), or one in which every request failed
   * (the exit code of the most frequent failure, with its last message).
   */
  void verdict() throws CtlException {
    if (interrupted) {
      throw new CtlException(ExitCode.FAILURE, "bench interrupted after " + Durations.format(elapsedNanos / 1_000_000)
          + ": the figures are those of the requests answered until then");
    }
    if (answered() == 0 && !errors.kinds().isEmpty()) {
      BenchErrors.Kind most = errors.kinds().get(0);
      throw new CtlException(most.exitCode(), "every request failed, " + most.count() + " of them with " + most.code()
          + ": " + most.lastMessage());
    }
  }

  JsonObject json() {
    JsonObject o = new JsonObject();
    o.addProperty("clients", load.clients());
    o.addProperty("duration_ms", load.durationNanos() / 1_000_000);
    o.addProperty("elapsed_ms", elapsedNanos / 1_000_000);
    o.addProperty("interrupted", interrupted);
    o.addProperty("value_size", load.valueSize());
    o.addProperty("keys", load.keys());
    o.addProperty("read_ratio", load.readRatio());
    o.addProperty("closed_loop", true);
    o.add("writes", opJson(writes, errors.writes()));
    o.add("reads", opJson(reads, errors.reads()));
    o.add("all", opJson(all(), errors.total()));
    JsonArray kinds = new JsonArray();
    for (BenchErrors.Kind k : errors.kinds()) {
      JsonObject e = new JsonObject();
      e.addProperty("code", k.code());
      e.addProperty("count", k.count());
      e.addProperty("last_message", k.lastMessage());
      kinds.add(e);
    }
    o.add("errors", kinds);
    return o;
  }

  private JsonObject opJson(Histogram h, long failed) {
    JsonObject o = new JsonObject();
    o.addProperty("ok", h.getTotalCount());
    o.addProperty("errors", failed);
    o.addProperty("per_second", round(perSecond(h), 1));
    if (h.getTotalCount() == 0) {
      o.add("latency_ms", null);
      return o;
    }
    JsonObject latency = new JsonObject();
    for (int i = 0; i < PERCENTILES.length; i++) {
      latency.addProperty(PERCENTILE_NAMES[i], round(ms(h.getValueAtPercentile(PERCENTILES[i])), 3));
    }
    latency.addProperty("max", round(ms(h.getMaxValue()), 3));
    o.add("latency_ms", latency);
    return o;
  }

  private static double ms(long nanos) {
    return nanos / 1e6;
  }

  private static double round(double v, int decimals) {
    return BigDecimal.valueOf(v).setScale(decimals, RoundingMode.HALF_UP).doubleValue();
  }
}
