package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.raftd.client.RaftdException;
import io.raftd.daemon.LocalCluster;
import io.raftd.proto.ErrorCode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code raftctl bench} against an in-test cluster: the figures it prints, its refusals, and being interrupted. */
class BenchCommandTest {
  @TempDir
  Path dir;

  @Test
  void aBenchPrintsThroughputAndLatencyPercentilesAsATableAndAsJson() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      c.awaitLeader();
      Ctl.Result table = new Ctl(c.adminAddresses).run("bench", "--clients", "4", "--duration", "2s", "--keys", "20");
      assertEquals(0, table.code(), table::toString);
      List<String> lines = table.out().lines().toList();
      // Not a terminal: a plain progress line every second of a 2 s run, then the figures.
      assertTrue(lines.get(0).matches("bench: 1\\.\\ds of 2\\.0s: \\d+ answered, now \\d+ a second, \\d+ errors?"),
          table::toString);
      int summary = 1;
      while (summary < lines.size() && lines.get(summary).startsWith("bench: ")) {
        summary++;
      }
      assertTrue(lines.get(summary).matches("4 clients for 2\\.\\ds: 128-byte values, 20 keys, 50% reads \\(closed loop\\)"),
          table::toString);
      assertTrue(lines.get(summary + 2).matches(" +OK +ERRORS +PER SECOND +P50 ms +P90 ms +P99 ms +P99\\.9 ms +MAX ms"),
          table::toString);
      for (int i = 0; i < 3; i++) {
        String row = lines.get(summary + 3 + i);
        assertTrue(row.matches(List.of("writes", "reads", "all").get(i) + " +[1-9]\\d* +\\d+ +\\d+\\.\\d( +\\d+\\.\\d\\d){5}"),
            table::toString);
      }
      // The progress counts what was answered so far: never falling, never above the final figure.
      long answered = 0;
      for (String progress : lines.subList(0, summary)) {
        long soFar = Long.parseLong(progress.replaceAll(".*s: (\\d+) answered, .*", "$1"));
        assertTrue(soFar >= answered, table::toString);
        answered = soFar;
      }
      assertTrue(answered <= Long.parseLong(lines.get(summary + 5).split(" +")[1]), table::toString);
      assertFalse(table.out().contains("\r"), "no terminal, no bar: " + table);
      assertEquals("", table.err());

      Ctl.Result json = new Ctl(c.adminAddresses).run("-o", "json", "bench", "--clients", "2", "--duration", "1",
          "--value-size", "1000", "--read-ratio", "0.25", "--keys", "5");
      assertEquals(0, json.code(), json::toString);
      assertEquals("", json.err(), "no progress with -o json: stdout is one document");
      JsonObject o = json.json();
      assertEquals(2, o.get("clients").getAsInt());
      assertEquals(1000, o.get("duration_ms").getAsLong());
      assertTrue(o.get("elapsed_ms").getAsLong() >= 1000, o::toString);
      assertFalse(o.get("interrupted").getAsBoolean());
      assertTrue(o.get("closed_loop").getAsBoolean());
      assertEquals(1000, o.get("value_size").getAsInt());
      assertEquals(0.25, o.get("read_ratio").getAsDouble());
      assertEquals(5, o.get("keys").getAsInt());
      assertEquals(0, o.getAsJsonArray("errors").size(), o::toString);
      for (String op : List.of("writes", "reads", "all")) {
        JsonObject figures = o.getAsJsonObject(op);
        assertTrue(figures.get("ok").getAsLong() > 0, op + ": " + o);
        assertEquals(0, figures.get("errors").getAsLong(), op + ": " + o);
        assertTrue(figures.get("per_second").getAsDouble() > 0, op + ": " + o);
        JsonObject latency = figures.getAsJsonObject("latency_ms");
        double previous = 0;
        for (String p : List.of("p50", "p90", "p99", "p99_9", "max")) {
          double v = latency.get(p).getAsDouble();
          assertTrue(v > 0 && v >= previous, op + " " + p + " out of order: " + latency);
          previous = v;
        }
      }
      assertEquals(o.getAsJsonObject("all").get("ok").getAsLong(),
          o.getAsJsonObject("writes").get("ok").getAsLong() + o.getAsJsonObject("reads").get("ok").getAsLong());
      // What it wrote is there: values of --value-size bytes under bench/.
      Ctl.Result value = new Ctl(c.adminAddresses).run("get", "bench/0");
      assertEquals(1001, value.stdout().length, value::toString);

      Ctl.Result bar = new Ctl(c.adminAddresses).stdoutTerminal().run("bench", "--clients", "1", "--duration", "2s",
          "--read-ratio", "1");
      assertEquals(0, bar.code(), bar::toString);
      assertTrue(bar.out().startsWith("\r[##########----------]  50% 1.0s/2.0s "), "a bar redrawn in place: " + bar);
      assertTrue(bar.out().contains("\n1 client for 2."), "the figures start on a line of their own: " + bar);
      assertTrue(bar.out().lines().anyMatch(l -> l.matches("writes +0 +0 +0\\.0 +-( +-){4}")), "only reads: " + bar);
    }
  }

  @Test
  void interruptingABenchStopsItAtOnceAndPrintsWhatItMeasuredSoFar() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      int leader = c.awaitLeader();
      long before = c.core(leader, n -> n.status().commit());
      AtomicReference<Ctl.Result> result = new AtomicReference<>();
      Thread bench = new Thread(() -> result.set(new Ctl(c.adminAddresses).run("-o", "json", "bench", "--clients", "4",
          "--duration", "60s", "--read-ratio", "0.1")));
      bench.start();
      LocalCluster.await("the bench to write", Duration.ofSeconds(30),
          () -> c.core(leader, n -> n.status().commit()) > before + 50);
      long interrupted = System.nanoTime();
      bench.interrupt();
      bench.join(TimeUnit.SECONDS.toMillis(10));
      assertFalse(bench.isAlive(), "the bench did not stop when interrupted");
      assertTrue(System.nanoTime() - interrupted < TimeUnit.SECONDS.toNanos(5), "it stops promptly");
      Ctl.Result r = result.get();
      assertEquals(ExitCode.FAILURE, r.code(), r::toString);
      assertTrue(r.err().matches("raftctl: bench interrupted after [\\d.]+m?s: the figures are those of the requests "
          + "answered until then\n"), r::toString);
      JsonObject o = r.json();
      assertTrue(o.get("interrupted").getAsBoolean(), o::toString);
      assertTrue(o.get("elapsed_ms").getAsLong() < 60_000, o::toString);
      assertTrue(o.getAsJsonObject("writes").get("ok").getAsLong() > 0, o::toString);
      assertTrue(o.getAsJsonObject("all").getAsJsonObject("latency_ms").get("max").getAsDouble() > 0, o::toString);
    }
  }

  @Test
  void everyOptionOutOfItsRangeIsRefusedWithOneLineNamingItAndTheRange() {
    Ctl ctl = new Ctl(Map.of("RAFTCTL_ENDPOINTS", "127.0.0.1:1"));  // nothing is sent: refused before
    Map<List<String>, String> refusals = Map.of(
        List.of("--clients", "0"), "--clients must be a whole number from 1 to 1024, not 0",
        List.of("--clients", "many"), "--clients must be a whole number from 1 to 1024, not many",
        List.of("--duration", "500ms"), "--duration must be from 1s to 24h (e.g. 30s, 5m; a bare number is seconds), not 500ms",
        List.of("--duration", "25h"), "--duration must be from 1s to 24h (e.g. 30s, 5m; a bare number is seconds), not 25h",
        List.of("--value-size", "-1"), "--value-size must be a whole number from 0 to 1048576, not -1",
        List.of("--value-size", "2000000"), "--value-size must be a whole number from 0 to 1048576, not 2000000",
        List.of("--read-ratio", "1.5"), "--read-ratio must be from 0 to 1 (the share of requests that are reads, e.g. 0.9), not 1.5",
        List.of("--read-ratio", "NaN"), "--read-ratio must be from 0 to 1 (the share of requests that are reads, e.g. 0.9), not NaN",
        List.of("--keys", "0"), "--keys must be a whole number from 1 to 1000000000, not 0");
    refusals.forEach((args, message) -> {
      List<String> command = new java.util.ArrayList<>(List.of("bench"));
      command.addAll(args);
      Ctl.Result r = ctl.run(command.toArray(String[]::new));
      assertEquals(ExitCode.USAGE, r.code(), r::toString);
      assertEquals("raftctl: " + message + " (see raftctl bench --help)\n", r.err());
      assertEquals("", r.out());
    });
  }

  @Test
  void aClusterThatCannotAnswerFailsBeforeTheRun() {
    Ctl.Result r = new Ctl(Map.of("RAFTCTL_ENDPOINTS", "127.0.0.1:1")).run("--timeout", "300ms", "bench");
    assertEquals(ExitCode.UNAVAILABLE, r.code(), r::toString);
    assertEquals(1, r.err().lines().count(), r::toString);
    assertEquals("", r.out(), "no figures: the run never started");
  }

  @Test
  void aRunInWhichEveryRequestFailedExitsWithTheMostFrequentFailure() throws CtlException {
    BenchRun.Load load = new BenchRun.Load(2, TimeUnit.SECONDS.toNanos(1), 10, 0.5, 10);
    BenchErrors errors = new BenchErrors();
    errors.add(false, new RaftdException(ErrorCode.NO_QUORUM, "no leader", null));
    errors.add(true, new RaftdException(ErrorCode.NO_QUORUM, "no leader at all", null));
    errors.add(true, new RaftdException(ErrorCode.UNKNOWN_OUTCOME, "went away", null));
    BenchFigures failed = new BenchFigures(load, TimeUnit.SECONDS.toNanos(1), false, new Histogram(3),
        new Histogram(3), errors.counts());
    CtlException e = assertThrows(CtlException.class, failed::verdict);
    assertEquals(ExitCode.UNAVAILABLE, e.exitCode);
    assertEquals("every request failed, 2 of them with no_quorum: no leader at all", e.getMessage());
    assertEquals(1, failed.errors().writes());
    assertEquals(2, failed.errors().reads());

    Histogram answered = new Histogram(3);
    answered.recordValue(1_000_000);
    BenchFigures someFailed = new BenchFigures(load, TimeUnit.SECONDS.toNanos(1), false, answered, new Histogram(3),
        errors.counts());
    someFailed.verdict();  // exits 0: the failures are in the figures
    assertTrue(someFailed.json().getAsJsonObject("reads").get("latency_ms").isJsonNull(), "no answered reads, no latencies");
  }
}
