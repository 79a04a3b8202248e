package io.raftd.bench;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import java.util.stream.Collectors;

/** The side-by-side comparison's tables (Markdown, as docs/benchmarks.md holds them), from its step results. */
final class ComparisonReport {
  private final List<StepResult> results;

  ComparisonReport(List<StepResult> results) {
    this.results = List.copyOf(results);
  }

  /** Every step of every run, in the order they ran. */
  String allSteps() {
    StringBuilder b = new StringBuilder("| step | system | pair | ops/s | p50 ms | p99 ms | p99.9 ms | server CPU µs/op"
        + " | client CPU µs/op | entries/fsync | errors | note |\n|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n");
    for (StepResult r : results) {
      b.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %s | %s | %s | %s | %s | %s | %d | %s |%n", r.step(),
          r.system(), r.pair() + 1, number(r.opsPerSecond(), 0), number(r.latencies().millis(0.50), 2),
          number(r.latencies().millis(0.99), 2), number(r.latencies().millis(0.999), 2),
          number(r.serverCpuMicrosPerOp(), 0), number(r.clientCpuMicrosPerOp(), 0), number(r.entriesPerFsync(), 1),
          r.errors(), r.note()));
    }
    return b.toString();
  }

  /** Per step and system, the median over the pairs of each figure. */
  String medians(List<Step> steps, List<String> systems) {
    StringBuilder b = new StringBuilder("| step | system | ops/s | p50 ms | p99 ms | p99.9 ms | server CPU µs/op"
        + " | client CPU µs/op | entries/fsync |\n|---|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (Step step : steps) {
      for (String system : systems) {
        List<StepResult> runs = results.stream().filter(r -> r.step().equals(step) && r.system().equals(system)).toList();
        if (runs.isEmpty()) {
          continue;
        }
        b.append(String.format(Locale.ROOT, "| %s | %s | %s | %s | %s | %s | %s | %s | %s |%n", step, system,
            number(median(runs, StepResult::opsPerSecond), 0), number(median(runs, r -> r.latencies().millis(0.50)), 2),
            number(median(runs, r -> r.latencies().millis(0.99)), 2),
            number(median(runs, r -> r.latencies().millis(0.999)), 2),
            number(median(runs, StepResult::serverCpuMicrosPerOp), 0),
            number(median(runs, StepResult::clientCpuMicrosPerOp), 0), number(median(runs, StepResult::entriesPerFsync), 1)));
      }
    }
    return b.toString();
  }

  /**
   * Per step, {@code system}'s figure divided by {@code baseline}'s in the same pair, for each pair, and the median of
   * those ratios: of ops/s (above 1 is faster), of p50 and p99 latency and of server CPU per op (below 1 is better).
   */
  String ratios(List<Step> steps, String system, String baseline) {
    StringBuilder b = new StringBuilder(String.format("| step | ops/s %1$s/%2$s: pairs | median | p99 %1$s/%2$s: pairs"
        + " | median | p50 median | server CPU/op median |%n|---|---|---:|---|---:|---:|---:|%n", system, baseline));
    for (Step step : steps) {
      double[] ops = pairRatios(step, system, baseline, StepResult::opsPerSecond);
      if (ops.length == 0) {
        continue;
      }
      double[] p99 = pairRatios(step, system, baseline, r -> r.latencies().millis(0.99));
      b.append(String.format(Locale.ROOT, "| %s | %s | **%s×** | %s | **%s×** | %s× | %s× |%n", step, list(ops),
          number(median(ops), 2), list(p99), number(median(p99), 2),
          number(median(pairRatios(step, system, baseline, r -> r.latencies().millis(0.50))), 2),
          number(median(pairRatios(step, system, baseline, StepResult::serverCpuMicrosPerOp)), 2)));
    }
    return b.toString();
  }

  /** {@code system}'s figure over {@code baseline}'s, pair by pair, for the pairs that ran both. */
  double[] pairRatios(Step step, String system, String baseline, ToDoubleFunction<StepResult> figure) {
    return results.stream().filter(r -> r.step().equals(step) && r.system().equals(system))
        .map(r -> find(step, baseline, r.pair()).map(base -> figure.applyAsDouble(r) / figure.applyAsDouble(base)))
        .flatMap(Optional::stream).mapToDouble(Double::doubleValue).toArray();
  }

  private Optional<StepResult> find(Step step, String system, int pair) {
    return results.stream().filter(r -> r.step().equals(step) && r.system().equals(system) && r.pair() == pair)
        .findFirst();
  }

  private static double median(List<StepResult> runs, ToDoubleFunction<StepResult> figure) {
    return median(runs.stream().mapToDouble(figure).toArray());
  }

  /** The middle value, or the mean of the two middle values of an even count; NaN for none. */
  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] sorted = values.clone();
    Arrays.sort(sorted);
    int mid = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  }

  private static String list(double[] ratios) {
    return Arrays.stream(ratios).mapToObj(r -> number(r, 2)).collect(Collectors.joining(", "));
  }

  /** Grouped thousands, {@code decimals} places; "–" for NaN (nothing to divide). */
  private static String number(double v, int decimals) {
    return Double.isNaN(v) || Double.isInfinite(v) ? "–" : String.format(Locale.ROOT, "%,." + decimals + "f", v);
  }
}
