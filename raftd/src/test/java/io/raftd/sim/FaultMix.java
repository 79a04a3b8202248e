package io.raftd.sim;

import java.util.SplittableRandom;

/**
 * Swarm testing: every schedule draws its own mix of faults, so that some schedules are calm and others
 * are dominated by one kind of fault, which finds bugs a uniform mix hides.
 */
record FaultMix(
    int nodes,
    double dropRate,
    double duplicateRate,
    double longDelayRate,
    int maxDelayMs,
    double crashPerSecond,
    double partitionPerSecond,
    double leaderFaultAfterProposal,
    double voterCrashAfterGrant,
    int maxFsyncMs,
    int maxRestartMs,
    double proposalsPerSecond,
    double readsPerSecond,
    double transfersPerSecond,
    int snapshotEvery,
    int keepTail,
    boolean preVote,
    boolean checkQuorum,
    int maxInflight,
    long maxBatchBytes,
    double membershipChangesPerSecond,
    int spareNodes,
    double repairsPerRestart,
    double segmentLossesPerRestart) {

  /** A mix without lost segments: the scripted scenarios', which inject their own faults. */
  FaultMix(int nodes, double dropRate, double duplicateRate, double longDelayRate, int maxDelayMs, double crashPerSecond,
      double partitionPerSecond, double leaderFaultAfterProposal, double voterCrashAfterGrant, int maxFsyncMs,
      int maxRestartMs, double proposalsPerSecond, double readsPerSecond, double transfersPerSecond, int snapshotEvery,
      int keepTail, boolean preVote, boolean checkQuorum, int maxInflight, long maxBatchBytes,
      double membershipChangesPerSecond, int spareNodes, double repairsPerRestart) {
    this(nodes, dropRate, duplicateRate, longDelayRate, maxDelayMs, crashPerSecond, partitionPerSecond,
        leaderFaultAfterProposal, voterCrashAfterGrant, maxFsyncMs, maxRestartMs, proposalsPerSecond, readsPerSecond,
        transfersPerSecond, snapshotEvery, keepTail, preVote, checkQuorum, maxInflight, maxBatchBytes,
        membershipChangesPerSecond, spareNodes, repairsPerRestart, 0);
  }

  static FaultMix draw(SplittableRandom rnd, int nodes) {
    FaultMix m = new FaultMix(
        nodes,
        pick(rnd, 0.5) ? 0 : rnd.nextDouble() * 0.2,
        pick(rnd, 0.5) ? 0 : rnd.nextDouble() * 0.05,
        pick(rnd, 0.6) ? 0 : rnd.nextDouble() * 0.03,
        1 + rnd.nextInt(pick(rnd, 0.5) ? 5 : 30),
        pick(rnd, 0.3) ? 0 : rnd.nextDouble() * 2.0,
        pick(rnd, 0.3) ? 0 : rnd.nextDouble() * 1.5,
        pick(rnd, 0.4) ? 0 : rnd.nextDouble() * 0.1,
        pick(rnd, 0.6) ? 0 : rnd.nextDouble() * 0.5,
        // Slow disks, but at most a fifth of the minimum election timeout (100 ms): a vote is durable only
        // after an fsync (twice that with group commit), and slower disks make elections churn, a
        // deployment error (etcd's guidance too: election timeout well above fsync and round-trip).
        new int[] {8, 8, 15, 20}[rnd.nextInt(4)],
        pick(rnd, 0.5) ? 1500 : 100,
        20 + rnd.nextInt(200),
        pick(rnd, 0.2) ? 0 : rnd.nextInt(150),
        pick(rnd, 0.5) ? 0 : rnd.nextDouble() * 2,
        pick(rnd, 0.3) ? 0 : 10 + rnd.nextInt(200),
        pick(rnd, 0.5) ? 0 : rnd.nextInt(30),
        !pick(rnd, 0.3),
        !pick(rnd, 0.1),
        1 + rnd.nextInt(8),
        pick(rnd, 0.5) ? 2048 : 64 * 1024,
        pick(rnd, 0.4) ? 0 : rnd.nextDouble() * 4,
        3,
        0,
        0);
    // Drawn last, so adding repairs left every earlier field of every seed as it was. Only without
    // membership changes: a barred member votes for no one, so if the others' configuration still counts
    // a member removed for good, they can never elect a leader (the price of the barrier, see README).
    double repairs = pick(rnd, 0.3) || m.membershipChangesPerSecond() > 0 ? 0 : rnd.nextDouble() * 0.4;
    // Drawn after repairs, for the same reason. A member that lost a segment is lost for good, so only
    // where no other member can be: not with repairs (a barred voter does not vote) nor membership changes
    // (a member stops for good once it learns it was removed, though a joint configuration may still need
    // it): with either, two voters of three could be gone and the cluster never elect again (seed 2888).
    double segmentLosses = repairs > 0 || m.membershipChangesPerSecond() > 0 ? 0 : 0.2 + rnd.nextDouble() * 0.6;
    return new FaultMix(m.nodes, m.dropRate, m.duplicateRate, m.longDelayRate, m.maxDelayMs, m.crashPerSecond,
        m.partitionPerSecond, m.leaderFaultAfterProposal, m.voterCrashAfterGrant, m.maxFsyncMs, m.maxRestartMs,
        m.proposalsPerSecond, m.readsPerSecond, m.transfersPerSecond, m.snapshotEvery, m.keepTail, m.preVote,
        m.checkQuorum, m.maxInflight, m.maxBatchBytes, m.membershipChangesPerSecond, m.spareNodes, repairs,
        segmentLosses);
  }

  private static boolean pick(SplittableRandom rnd, double p) {
    return rnd.nextDouble() < p;
  }

  String summary() {
    return String.format("nodes=%d drop=%.3f dup=%.3f longDelay=%.3f maxDelay=%dms crash/s=%.2f partition/s=%.2f"
            + " leaderFault=%.2f voterCrash=%.2f fsync<=%dms restart<=%dms proposals/s=%.0f reads/s=%.0f"
            + " transfers/s=%.2f snapshotEvery=%d keepTail=%d preVote=%s checkQuorum=%s inflight=%d batch=%d"
            + " membershipChanges/s=%.2f spares=%d repairs/restart=%.2f segmentLosses/restart=%.2f",
        nodes, dropRate, duplicateRate, longDelayRate, maxDelayMs, crashPerSecond, partitionPerSecond,
        leaderFaultAfterProposal, voterCrashAfterGrant, maxFsyncMs, maxRestartMs, proposalsPerSecond,
        readsPerSecond, transfersPerSecond, snapshotEvery, keepTail, preVote, checkQuorum, maxInflight,
        maxBatchBytes, membershipChangesPerSecond, spareNodes, repairsPerRestart, segmentLossesPerRestart);
  }

  /** No faults at all: for scenarios that inject their own. */
  static FaultMix calm(int nodes) {
    return new FaultMix(nodes, 0, 0, 0, 2, 0, 0, 0, 0, 8, 1500, 0, 0, 0, 0, 0, true, true, 8, 64 * 1024, 0, 0, 0);
  }
}
