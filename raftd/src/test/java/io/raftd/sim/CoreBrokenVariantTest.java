package io.raftd.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.raft.BrokenVariants;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Proves the simulator can fail: each deliberate protocol bug must be caught by the randomized schedules
 * (not by a scripted scenario), and the test prints how many schedules that took.
 */
class CoreBrokenVariantTest {
  /** A bug the random search has not caught within this many schedules counts as missed. */
  private static final int MAX_SCHEDULES = Integer.getInteger("sim.variantMaxSchedules", 20000);

  @ParameterizedTest
  @ValueSource(strings = {
      "COMMIT_OLD_TERM_BY_COUNTING",
      "VOTE_REPLY_BEFORE_DURABLE",
      "VOTE_FOR_OUT_OF_DATE_LOG",
      "ACK_BEFORE_DURABLE",
      "LEADER_COUNTS_SELF_BEFORE_PERSISTED",
      "FOLLOWER_COMMIT_FROM_OWN_LAST_INDEX",
      "TRUNCATE_ON_STALE_APPEND",
      "PERSISTED_IGNORES_TERM",
      "READ_BEFORE_FIRST_COMMIT",
      "READ_COUNTS_EARLIER_ROUND",
      "FOLLOWER_READ_BEFORE_APPLIED",
      "STALE_SNAPSHOT_INSTALLED",
      "TRANSFER_WITHOUT_FLAG",
      "COMMIT_JOINT_WITH_NEW_MAJORITY_ONLY",
      "LEARNER_COUNTED_IN_QUORUM",
      "SECOND_CHANGE_WHILE_PENDING",
      "NEW_LEADER_STAYS_JOINT",
      "VOTE_BARRIER_IGNORED"})
  void randomSearchCatchesTheBug(String variant) {
    SimBatch.Caught caught = SimBatch.firstFailure(1, MAX_SCHEDULES, Integer.getInteger("sim.threads", 2),
        BrokenVariants.enable(variant), Simulation.HostBug.NONE);
    System.out.printf("broken variant %s: caught after %d schedules (seed %d): %s%n",
        variant, caught.schedules(), caught.seed(), caught.firstLine());
    assertTrue(caught.schedules() > 0, variant + " was not caught within " + MAX_SCHEDULES + " schedules");
    // Control: the same seed passes without the bug, so the bug (not the schedule) made it fail.
    assertTrue(ReplayMain.replay(caught.seed()).endsWith("passed"), "seed " + caught.seed() + " fails without the bug too");
  }
}
