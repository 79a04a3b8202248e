package io.raftd.ctl;

import io.raftd.client.KvClient;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.TypeConversionException;

/** {@code raftctl bench}: load from N clients through the client library, then throughput and latency. */
@Command(name = "bench", description = {"Measures the cluster: --clients N clients, each sending a request, waiting "
    + "for its answer and sending the next, for --duration: puts of --value-size bytes and linearizable gets (a "
    + "--read-ratio share of the requests) of keys picked at random from bench/0 to bench/K-1 (--keys K). The "
    + "clients share raftctl's connection (the client library pipelines their requests on it), and the keys are left "
    + "in place (raftctl scan bench/ lists them). One request of each kind is sent first, not measured: a cluster "
    + "that cannot answer fails there, like any command.",
    "Then, for writes, reads and both: the requests answered (OK) and failed (ERRORS), answered requests a second, "
    + "and the latency of the answered ones at p50, p90, p99, p99.9 and max; each kind of failure with its count and "
    + "its last message. Requests still unanswered at the end are waited for (each gives up at --timeout).",
    "Latencies are measured closed-loop: a client sends its next request only once the last is answered, so while "
    + "the cluster stalls fewer requests are sent, and the stall weighs less in the percentiles than it would for "
    + "clients sending at a steady rate (coordinated omission); max shows it whole.",
    "While it runs: on a terminal a progress bar redrawn in place, otherwise a line about every tenth of the run "
    + "(at least a second apart), nothing with -o json. Interrupted (its thread, as Ctrl-C in raftctl's shell does; "
    + "Ctrl-C ends a one-shot raftctl outright), it stops at once, prints the figures of the requests answered until "
    + "then and exits 1.",
    "Exits 0 when requests were answered, failures or not; if every request failed, with the exit code of the most "
    + "frequent failure."})
final class BenchCommand extends CtlCommand {
  static final int MAX_CLIENTS = 1024;
  /** raft.max_entry_bytes' default: larger values are refused by a cluster with default settings anyway. */
  static final int MAX_VALUE_SIZE = 1 << 20;
  static final int MAX_KEYS = 1_000_000_000;
  static final Duration MIN_DURATION = Duration.ofSeconds(1);
  static final Duration MAX_DURATION = Duration.ofHours(24);

  private int clients;
  private Duration duration;
  private int valueSize;
  private double readRatio;
  private int keys;

  @Option(names = "--clients", paramLabel = "N", defaultValue = "8",
      description = "clients sending at once, 1 to " + MAX_CLIENTS + " (default: ${DEFAULT-VALUE})")
  void clients(String text) {
    clients = (int) whole("--clients", text, 1, MAX_CLIENTS);
  }

  @Option(names = "--duration", paramLabel = "DURATION", defaultValue = "10s",
      description = "how long to send, 1s to 24h, e.g. 30s, 5m; a bare number is seconds (default: ${DEFAULT-VALUE})")
  void duration(String text) {
    String range = "--duration must be from 1s to 24h (e.g. 30s, 5m; a bare number is seconds), not " + text;
    try {
      duration = new Durations().convert(text);
    } catch (TypeConversionException e) {
      throw new ParameterException(spec.commandLine(), range);
    }
    if (duration.compareTo(MIN_DURATION) < 0 || duration.compareTo(MAX_DURATION) > 0) {
      throw new ParameterException(spec.commandLine(), range);
    }
  }

  @Option(names = "--value-size", paramLabel = "B", defaultValue = "128",
      description = "bytes in each value put, 0 to " + MAX_VALUE_SIZE + " (default: ${DEFAULT-VALUE})")
  void valueSize(String text) {
    valueSize = (int) whole("--value-size", text, 0, MAX_VALUE_SIZE);
  }

  @Option(names = "--read-ratio", paramLabel = "R", defaultValue = "0.5",
      description = "the share of requests that are reads, 0 (only puts) to 1 (only gets) (default: ${DEFAULT-VALUE})")
  void readRatio(String text) {
    double r;
    try {
      r = Double.parseDouble(text.strip());
    } catch (NumberFormatException e) {
      r = Double.NaN;
    }
    if (!(r >= 0 && r <= 1)) {
      throw new ParameterException(spec.commandLine(), "--read-ratio must be from 0 to 1 (the share of requests "
          + "that are reads, e.g. 0.9), not " + text);
    }
    readRatio = r;
  }

  @Option(names = "--keys", paramLabel = "K", defaultValue = "1000",
      description = "how many keys the requests are spread over, 1 to " + MAX_KEYS + " (default: ${DEFAULT-VALUE})")
  void keys(String text) {
    keys = (int) whole("--keys", text, 1, MAX_KEYS);
  }

  /** {@code text} as a whole number from min to max, or a usage error naming the option and its range. */
  private long whole(String option, String text, long min, long max) {
    try {
      long v = Long.parseLong(text.strip());
      if (v >= min && v <= max) {
        return v;
      }
    } catch (NumberFormatException e) {
      // said below, with the range
    }
    throw new ParameterException(spec.commandLine(), option + " must be a whole number from " + min + " to " + max
        + ", not " + text);
  }

  @Override
  int run(Raftctl ctl) throws Exception {
    BenchRun.Load load = new BenchRun.Load(clients, duration.toNanos(), valueSize, readRatio, keys);
    // Without a session: one session's writes apply one after another, which would measure the session.
    BenchRun bench = new BenchRun(load, new KvClient(ctl.connection().client()));
    bench.check();
    Output out = ctl.output();
    ProgressReport progress = new ProgressReport(out, !out.json && ctl.io.stdoutTerminal(), load.durationNanos());
    BenchFigures figures = bench.run(progress);
    progress.end();
    if (out.json) {
      out.json(figures.json());
    } else {
      figures.table(out);
    }
    figures.verdict();
    return ExitCode.OK;
  }

  /**
   * Progress while the bench runs: on a terminal a bar redrawn each second; otherwise a plain line about every
   * tenth of the run (at least a second apart), so that a long run in a log is not a line a second; nothing
   * with -o json, whose stdout is one document.
   */
  private static final class ProgressReport implements Consumer<BenchRun.Progress> {
    private final Output out;
    private final ProgressLine bar;
    private final long plainEveryNanos;
    private long nextPlainNanos;

    ProgressReport(Output out, boolean terminal, long durationNanos) {
      this.out = out;
      this.bar = terminal ? new ProgressLine(out.out) : null;
      this.plainEveryNanos = Math.max(BenchRun.TICK_NANOS, durationNanos / 10);
      this.nextPlainNanos = plainEveryNanos;
    }

    @Override
    public void accept(BenchRun.Progress p) {
      if (out.json) {
        return;
      }
      String elapsed = Durations.format(TimeUnit.NANOSECONDS.toMillis(p.elapsedNanos()));
      String of = Durations.format(TimeUnit.NANOSECONDS.toMillis(p.durationNanos()));
      if (bar != null) {
        bar.draw(p.elapsedNanos() / (double) p.durationNanos(), elapsed + "/" + of + " " + p.answered() + " ok, "
            + p.perSecond() + "/s, " + Plural.of(p.errors(), "error"));
      } else if (p.elapsedNanos() >= nextPlainNanos) {
        out.line("bench: " + elapsed + " of " + of + ": " + p.answered() + " answered, now " + p.perSecond()
            + " a second, " + Plural.of(p.errors(), "error"));
        nextPlainNanos = (p.elapsedNanos() / plainEveryNanos + 1) * plainEveryNanos;
      }
    }

    void end() {
      if (bar != null) {
        bar.end();
      }
    }
  }
}
