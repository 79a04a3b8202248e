package io.raftd.sim;

import io.raftd.proto.Entry;
import io.raftd.raft.Proposal;
import io.raftd.raft.Role;
import io.raftd.raft.Status;
import io.raftd.raft.confchange.ConfChanges;
import java.util.ArrayList;
import java.util.List;

/**
 * The end of a schedule: every fault heals (partitions end, crashed members restart, the network stops
 * losing, duplicating and delaying), then the cluster must recover on its own within bounds stated in
 * maximum election timeouts, and the final checks run.
 */
final class SimHeal {
  private final Simulation sim;

  SimHeal(Simulation sim) {
    this.sim = sim;
  }

  void healAndCheck() {
    sim.faultsOn = false;
    sim.faults.healPartitions();
    sim.network().calm();
    for (SimNode n : sim.nodes()) {
      if (n.crashing) {
        sim.faults.finishCrash(n);
      }
      n.ioUntilCrash = -1;
      if (!n.alive && !n.spare && !n.removed && !n.disk.lost()) {
        sim.faults.restart(n);
      }
    }
    long healedAt = sim.queue().now();
    long[] marker = new long[2];  // index, term of the liveness proposal
    boolean committed = sim.runUntil(healedAt + 10 * Simulation.MAX_ELECTION_TIMEOUT_MS, () -> livenessMarkerCommitted(marker));
    if (!committed) {
      throw new Invariants.Violation("liveness: no leader committed a proposal within 10 election timeouts of heal");
    }
    // Settled: not joint, and led by a voter of it (a removed leader hands over first).
    boolean settled = sim.runUntil(healedAt + 20 * Simulation.MAX_ELECTION_TIMEOUT_MS, () -> {
      SimNode leader = sim.leader();
      return leader != null && !ConfChanges.isJoint(leader.node.configuration())
          && leader.node.configuration().getVotersList().contains(leader.id);
    });
    if (!settled) {
      throw new Invariants.Violation("liveness: the configuration is still joint, or led by a removed member,"
          + " 20 election timeouts after heal");
    }
    long mustApply = Math.max(marker[0], sim.clients.maxAcknowledged());
    boolean appliedEverywhere = sim.runUntil(healedAt + 20 * Simulation.MAX_ELECTION_TIMEOUT_MS,
        () -> sim.liveMembers().stream().allMatch(n -> n.applied >= mustApply));
    if (!appliedEverywhere) {
      throw new Invariants.Violation("liveness: entry " + mustApply + " (the heal proposal or the last acknowledged one)"
          + " not applied on every member within 20 election timeouts");
    }
    checkTransferCompletes(healedAt);
    sim.invariants.checkLogMatching(sim.live());
    // Every member applied past every acknowledged entry (above), and what it applied is the oracle's.
    for (Entry acked : sim.clients.acknowledged()) {
      if (!acked.equals(sim.invariants.oracleEntry(acked.getIndex()))) {
        throw new Invariants.Violation("acknowledged entry " + acked.getIndex() + " is not the committed one");
      }
    }
    sim.stats.commits = sim.invariants.committedInOracle();
    sim.nodes().forEach(sim::accumulate);
    sim.stats.schedules = 1;
    sim.stats.messages = sim.network().sent;
    sim.stats.dropped = sim.network().dropped + sim.network().partitionedDrops;
    sim.stats.duplicated = sim.network().duplicated;
    sim.stats.delayedLong = sim.network().delayedLong;
  }

  /**
   * In a healthy cluster a requested transfer completes: its target leads within 2 election timeouts. A
   * member still behind its vote barrier (the cluster has not committed as far as its log once reached)
   * does not campaign, so it is no target.
   */
  private void checkTransferCompletes(long healedAt) {
    SimNode leader = sim.leader();
    List<SimNode> others = new ArrayList<>();
    for (SimNode n : sim.liveMembers()) {
      if (n != leader && leader.node.configuration().getVotersList().contains(n.id)
          && n.node.status().voteBarrierIndex() == 0) {
        others.add(n);
      }
    }
    if (others.isEmpty()) {
      return;  // a one-voter cluster has no one to hand over to
    }
    SimNode target = others.get(sim.rnd.nextInt(others.size()));
    long requestedAt = sim.queue().now();
    leader.node.transferLeadership(target.id);
    leader.processor.drain();
    boolean done = sim.runUntil(requestedAt + 2 * Simulation.MAX_ELECTION_TIMEOUT_MS, () -> target.node.status().role() == Role.LEADER);
    if (!done) {
      throw new Invariants.Violation("liveness: a transfer from member " + leader.index + " to member " + target.index
          + " did not complete within 2 election timeouts of a healthy cluster");
    }
  }

  /** Proposes through the current leader until one proposal commits there. */
  private boolean livenessMarkerCommitted(long[] marker) {
    SimNode leader = sim.leader();
    if (leader == null) {
      return false;
    }
    Status s = leader.node.status();
    if (marker[0] != 0 && s.commit() >= marker[0] && leader.node.termAt(marker[0]) == marker[1]) {
      return true;
    }
    if (marker[0] == 0 || leader.node.termAt(marker[0]) != marker[1]) {
      Proposal p = sim.clients.proposeTo(leader);
      if (p.appended()) {
        marker[0] = p.index();
        marker[1] = p.term();
      }
    }
    return false;
  }
}
