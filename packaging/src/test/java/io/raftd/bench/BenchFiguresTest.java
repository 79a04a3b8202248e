package io.raftd.bench;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The pure parts of the etcd comparison: percentiles, ratios and medians, and what it reads from /proc and etcd. */
class BenchFiguresTest {
  @Test
  void percentilesAreNearestRankOfTheSortedLatencies() {
    // 1..1000 ms, shuffled: p50 is the 500th, p99 the 990th, p99.9 the 999th, p100 the slowest.
    long[] nanos = LongStream.rangeClosed(1, 1000).map(i -> (i * 7919) % 1000 + 1).map(ms -> ms * 1_000_000).toArray();
    Latencies l = new Latencies(nanos);
    assertEquals(1000, l.count());
    assertEquals(500.0, l.millis(0.50));
    assertEquals(990.0, l.millis(0.99));
    assertEquals(999.0, l.millis(0.999));
    assertEquals(1000.0, l.millis(1.0));
    assertEquals(7.0, new Latencies(new long[] {7_000_000}).millis(0.999));
    assertTrue(Double.isNaN(new Latencies(new long[0]).millis(0.5)));
  }

  @Test
  void medianOfOddAndEvenCounts() {
    assertEquals(2.0, ComparisonReport.median(new double[] {3, 1, 2}));
    assertEquals(2.5, ComparisonReport.median(new double[] {4, 1, 3, 2}));
    assertTrue(Double.isNaN(ComparisonReport.median(new double[0])));
  }

  @Test
  void ratiosArePairByPairAgainstTheBaselineAndTheirMedian() {
    Step put = new Step(Step.Kind.PUT, 64);
    Step get = new Step(Step.Kind.GET, 64);
    // ops/s of raftd over etcd: pair 1 2000/1000, pair 2 3000/1000, pair 3 900/1000; etcd ran no get.
    List<StepResult> results = List.of(result("raftd", 0, put, 2000, 4), result("etcd", 0, put, 1000, 8),
        result("etcd", 1, put, 1000, 8), result("raftd", 1, put, 3000, 2), result("raftd", 2, put, 900, 16),
        result("etcd", 2, put, 1000, 8), result("raftd", 0, get, 500, 1));
    ComparisonReport report = new ComparisonReport(results);
    assertArrayEquals(new double[] {2.0, 3.0, 0.9}, report.pairRatios(put, "raftd", "etcd", StepResult::opsPerSecond), 1e-9);
    assertArrayEquals(new double[] {0.5, 0.25, 2.0},
        report.pairRatios(put, "raftd", "etcd", r -> r.latencies().millis(0.99)), 1e-9);
    assertEquals(0, report.pairRatios(get, "raftd", "etcd", StepResult::opsPerSecond).length);
    String table = report.ratios(List.of(put, get), "raftd", "etcd");
    assertTrue(table.contains("| put × 64 | 2.00, 3.00, 0.90 | **2.00×** | 0.50, 0.25, 2.00 | **0.50×** |"), table);
    assertFalse(table.contains("linearizable get"), table);
    assertTrue(report.medians(List.of(put), List.of("raftd", "etcd")).contains("| put × 64 | raftd | 2,000 |"));
  }

  /** {@code ops} operations in one second, all of latency {@code ms}; one CPU second on each side. */
  private static StepResult result(String system, int pair, Step step, int ops, long ms) {
    return new StepResult(system, pair, step, 1.0, new Latencies(LongStream.generate(() -> ms * 1_000_000).limit(ops)
        .toArray()), 0, 1.0, 1.0, 10, 100, "");
  }

  @Test
  void cpuTicksAreFields14And15CountedAfterTheCommandName() {
    // A command name with a space and a parenthesis, as a thread may set it: fields are counted after the last ')'.
    String stat = "4242 (java (x) y) S 1 4242 4242 0 -1 4194560 31337 0 12 0 1234 567 0 0 20 0 41 0 12345 "
        + "5000000000 60000 18446744073709551615 1 1 0 0 0 0 0 4096 17663 0 0 0 17 1 0 0 0 0 0\n";
    assertArrayEquals(new long[] {1234, 567}, ProcStat.userAndSystemTicks(stat));
  }

  @Test
  void ownCpuTimeIsReadable() throws Exception {
    double[] us = ProcStat.userAndSystemSeconds(ProcessHandle.current().pid());
    assertTrue(us[0] > 0 && us[1] >= 0, us[0] + " " + us[1]);
  }

  @Test
  void etcdCountersAreTheUnlabelledSamples() {
    String text = """
        # HELP etcd_disk_wal_fsync_duration_seconds The latency distributions of fsync called by WAL.
        # TYPE etcd_disk_wal_fsync_duration_seconds histogram
        etcd_disk_wal_fsync_duration_seconds_bucket{le="0.001"} 17
        etcd_disk_wal_fsync_duration_seconds_bucket{le="+Inf"} 1.234567e+06
        etcd_disk_wal_fsync_duration_seconds_sum 812.5
        etcd_disk_wal_fsync_duration_seconds_count 1.234567e+06
        # HELP etcd_server_is_leader Whether or not this member is a leader. 1 if is, 0 otherwise.
        # TYPE etcd_server_is_leader gauge
        etcd_server_is_leader 1
        etcd_server_proposals_committed_total 9.876543e+06
        etcd_server_proposals_committed_total_extra 5
        """;
    assertEquals(new EtcdMetrics(1_234_567, 9_876_543, true), EtcdMetrics.parse(text));
    assertFalse(EtcdMetrics.parse(text.replace("etcd_server_is_leader 1", "etcd_server_is_leader 0")).leader());
    assertThrows(IllegalArgumentException.class, () -> EtcdMetrics.sample(text, "etcd_server_has_leader"));
  }

  @Test
  void stepsParseFromTheProperty() {
    assertEquals(List.of(new Step(Step.Kind.PUT, 1), new Step(Step.Kind.GET, 64), new Step(Step.Kind.STALE, 64)),
        Step.parse("put:1, get:64,stale:64"));
    assertEquals("stale get × 64", new Step(Step.Kind.STALE, 64).toString());
    assertThrows(IllegalArgumentException.class, () -> Step.parse("delete:3"));
  }
}
