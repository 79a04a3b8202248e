package io.raftd.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The randomized simulator run: {@code sim.schedules} seeded schedules (2,000 in CI) on
 * {@code sim.threads} workers, 0 violations, and coverage floors that prove the faults that matter
 * happened. {@code -Dsim.seed=N} replays one schedule instead and prints its trace.
 */
class SimulationTest {
  private static final long BASE_SEED = Long.getLong("sim.baseSeed", 1);

  @Test
  void randomSchedulesKeepEveryInvariant() throws IOException {
    Long only = Long.getLong("sim.seed");
    if (only != null) {
      replayOne(only);
      return;
    }
    int schedules = Integer.getInteger("sim.schedules", 2000);
    int threads = Integer.getInteger("sim.threads", 2);
    SimBatch batch = SimBatch.run(BASE_SEED, schedules, threads, false, UnaryOperator.identity());
    System.out.println(batch.summary());
    System.out.println("sim digests: " + batch.writeDigests(Path.of("target", "sim-digests.txt")));
    batch.failures.stream().limit(3).forEach(f -> System.out.println(f.report()));
    assertEquals(0, batch.failures.size(), () -> batch.failures.size() + " schedules failed; first: "
        + batch.failures.get(0).report());

    // Coverage floors, scaled to the batch: the faults that matter must have happened.
    ScheduleStats s = batch.total;
    double scale = schedules / 2000.0;
    floor("elections", s.elections, 2000 * scale);
    floor("leader crashes with unsynced entries", s.leaderCrashesWithUnsyncedEntries, 200 * scale);
    floor("crashes that lost unsynced data", s.crashesLosingUnsyncedData, 500 * scale);
    floor("WAL torn tails recovered", s.walTornTails, 100 * scale);
    floor("truncated conflicting suffixes", s.truncations, 100 * scale);
    floor("pipelined windows filled", s.windowsFilled, 1000 * scale);
    floor("stale-term nodes freed", s.staleTermFreed, 20 * scale);
    floor("reads checked", s.readsChecked, 20000 * scale);
    floor("follower reads checked", s.followerReadsChecked, 10000 * scale);
    floor("reads on a new leader held until its first commit", s.readsWaitedForCommit, 1000 * scale);
    floor("snapshot installs", s.snapshotsInstalled, 200 * scale);
    floor("stale snapshots ignored", s.staleSnapshotsIgnored, 100 * scale);
    floor("transfers completed", s.transfersCompleted, 500 * scale);
    floor("transfers aborted", s.transfersAborted, 100 * scale);
    floor("joint configurations entered", s.jointEntered, 1000 * scale);
    floor("joint configurations left", s.jointLeft, 1000 * scale);
    floor("joint configurations left by a new leader (auto-leave)", s.autoLeavesByNewLeader, 50 * scale);
    floor("learner promotions", s.learnerPromotions, 50 * scale);
    floor("learners promoted once caught up", s.autoPromotions, 10 * scale);
    floor("leader removals", s.leaderRemovals, 50 * scale);
    floor("WAL repairs (members restarted behind a vote barrier)", s.repairs, 200 * scale);
    floor("vote barriers lifted", s.barriersLifted, 150 * scale);
    floor("votes withheld behind a vote barrier", s.votesBarred, 300 * scale);
    floor("restarts refused after a WAL segment was lost", s.restartsRefused, 50 * scale);
  }

  private static void floor(String what, long seen, double atLeast) {
    System.out.printf("sim floor: %s %d (floor %.0f)%n", what, seen, atLeast);
    assertTrue(seen >= atLeast, what + ": " + seen + " < floor " + atLeast);
  }

  private static void replayOne(long seed) {
    Simulation sim = Simulation.random(seed, UnaryOperator.identity());
    System.out.println("replaying seed " + seed + ": " + sim.mix().summary());
    try {
      ScheduleStats s = sim.run();
      System.out.println("seed " + seed + " passed: " + s.events + " events, digest " + Long.toHexString(sim.digest()));
    } catch (RuntimeException | AssertionError e) {
      throw new AssertionError(SimBatch.report(sim, e), e);
    }
  }
}
