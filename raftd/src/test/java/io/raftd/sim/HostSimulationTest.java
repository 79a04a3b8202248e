package io.raftd.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The host tier of the simulator ({@link HostSimulation}): {@code sim.hostSchedules} seeded schedules
 * (400 in CI; the soak runs 20,000) on {@code sim.threads} workers, 0 violations, and floors that prove
 * each window of issue 12's bugs was reached. {@code -Dsim.hostSeed=N} replays one schedule instead.
 */
class HostSimulationTest {
  private static final int SCHEDULES = Integer.getInteger("sim.hostSchedules", 400);
  private static final int THREADS = Integer.getInteger("sim.threads", 2);
  private static final int VARIANT_MAX_SCHEDULES = Integer.getInteger("sim.hostVariantMaxSchedules", 10_000);

  @Test
  void randomSchedulesKeepEveryInvariant() throws Exception {
    Long only = Long.getLong("sim.hostSeed");
    if (only != null) {
      HostSimulation.Result r = new HostSimulation(only, HostSimulation.Variant.NONE).run();
      System.out.println("host seed " + only + ": " + r.trace());
      r.violations().forEach(v -> System.out.println("violation: " + v));
      assertEquals(List.of(), r.violations());
      return;
    }
    long startedNanos = System.nanoTime();
    List<HostSimulation.Result> results = runAll(1, SCHEDULES, HostSimulation.Variant.NONE);
    HostSimulation.Stats s = new HostSimulation.Stats();
    List<HostSimulation.Result> failed = new ArrayList<>();
    for (HostSimulation.Result r : results) {
      s.add(r.stats());
      if (!r.violations().isEmpty()) {
        failed.add(r);
      }
    }
    System.out.printf("sim host: %d schedules, %d lane tasks, %d lane switches, %d preemptions inside a task;"
            + " faults: %d crashes, %d partitions, %d messages lost, %d snapshot writes failed; %d snapshots installed"
            + " from a leader; %d writes acknowledged, %d reads checked (%d on followers); violations: %d (%.0f s)%n",
        s.schedules, s.tasks, s.laneSwitches, s.preemptions, s.crashes, s.partitions, s.messagesLost, s.snapshotFaults,
        s.snapshotsInstalled, s.writesAcknowledged, s.readsServed, s.followerReads, failed.size(),
        (System.nanoTime() - startedNanos) / 1e9);
    failed.stream().limit(3).forEach(r -> System.out.println("host seed " + r.seed() + " failed: " + r.violations()
        + "\n  replay: mvn -B -pl common,raftd test -Dtest='HostSimulationTest#randomSchedulesKeepEveryInvariant'"
        + " -Dsurefire.failIfNoSpecifiedTests=false -Dsim.hostSeed=" + r.seed()));
    assertEquals(0, failed.size(), () -> "host seed " + failed.get(0).seed() + ": " + failed.get(0).violations());

    double scale = SCHEDULES / 400.0;
    floor("a snapshot record made durable inside a RaftLoop step (bug 1)", s.snapshotsMidStep, 100 * scale);
    floor("read answers delivered to a restarted member (bug 2)", s.readAnswersAcrossRestart, 100 * scale);
    floor("snapshot writer tasks beside a snapshot newer than the WAL's base (bug 3)", s.snapshotTasksBesideNewerFile,
        100 * scale);
    floor("snapshots that failed to be written (bug 4)", s.snapshotWritesFailed, 100 * scale);
    floor("preemptions inside a task", s.preemptions, 100_000 * scale);
    floor("crashes", s.crashes, 1000 * scale);
  }

  @Test
  void aSeedReplaysExactly() {
    HostSimulation.Result first = new HostSimulation(7, HostSimulation.Variant.NONE).run();
    HostSimulation.Result again = new HostSimulation(7, HostSimulation.Variant.NONE).run();
    assertEquals(first.trace(), again.trace());
    assertEquals(first.violations(), again.violations());
  }

  @ParameterizedTest
  @EnumSource(value = HostSimulation.Variant.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
  void randomSearchCatchesEachBugPutBack(HostSimulation.Variant variant) throws Exception {
    int batch = 2 * THREADS;
    for (long from = 1; from <= VARIANT_MAX_SCHEDULES; from += batch) {
      for (HostSimulation.Result r : runAll(from, batch, variant)) {
        if (!r.violations().isEmpty()) {
          System.out.printf("host broken variant %s: caught after %d schedules (seed %d): %s%n", variant, r.seed(),
              r.seed(), r.violations().get(0));
          assertEquals(List.of(), new HostSimulation(r.seed(), HostSimulation.Variant.NONE).run().violations(),
              "seed " + r.seed() + " fails without the bug too");
          return;
        }
      }
    }
    throw new AssertionError(variant + " not caught within " + VARIANT_MAX_SCHEDULES + " schedules");
  }

  /** Runs seeds {@code from} to {@code from + count - 1} on {@link #THREADS} workers, in seed order. */
  private static List<HostSimulation.Result> runAll(long from, int count, HostSimulation.Variant variant)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(THREADS);
    try {
      List<Future<HostSimulation.Result>> futures = new ArrayList<>();
      for (long seed = from; seed < from + count; seed++) {
        long s = seed;
        futures.add(pool.submit(() -> new HostSimulation(s, variant).run()));
      }
      List<HostSimulation.Result> results = new ArrayList<>();
      for (Future<HostSimulation.Result> f : futures) {
        results.add(f.get());
      }
      return results;
    } finally {
      pool.shutdownNow();
    }
  }

  private static void floor(String what, long seen, double atLeast) {
    System.out.printf("sim floor: %s %d (floor %.0f)%n", what, seen, atLeast);
    assertTrue(seen >= atLeast, what + ": " + seen + " < floor " + atLeast);
  }
}
