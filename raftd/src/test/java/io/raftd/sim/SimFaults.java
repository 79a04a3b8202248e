package io.raftd.sim;

import io.raftd.proto.ConfChange;
import io.raftd.proto.Configuration;
import io.raftd.raft.Proposal;
import io.raftd.raft.Role;
import java.util.ArrayList;
import java.util.List;

/**
 * The simulator's faults, drawn from the schedule's {@link FaultMix}: crashes (at once, or armed to strike
 * between two I/O actions) and restarts, WAL repairs and lost WAL segments at restart, partitions of any
 * subsets (one-way included), random leadership transfers and random membership changes. Owned by its
 * {@link Simulation}.
 *
 * <p>A lost segment costs the member for good (its restart is refused), so at most one is lost per
 * schedule, and only in mixes where no other member goes for good (see {@link FaultMix#draw}): the
 * others keep a quorum.
 */
final class SimFaults {
  private final Simulation sim;
  /** Bumped by every new partition, so a partition's heal event cannot end a later one. */
  private int partitionGeneration;

  SimFaults(Simulation sim) {
    this.sim = sim;
  }

  /** Starts the random faults the fault mix asks for. */
  void start() {
    scheduleFault("crash", sim.mix().crashPerSecond(), this::randomCrash);
    scheduleFault("partition", sim.mix().partitionPerSecond(), this::randomPartition);
    scheduleFault("transfer", sim.mix().transfersPerSecond(), this::randomTransfer);
    scheduleFault("membership", sim.mix().membershipChangesPerSecond(), this::randomMembershipChange);
  }

  /** Heal: every partition ends, and none scheduled earlier may start again. */
  void healPartitions() {
    partitionGeneration++;
    sim.network().healAll();
  }

  private void scheduleFault(String kind, double perSecond, Runnable fault) {
    if (perSecond <= 0) {
      return;
    }
    long gap = (long) (-Math.log(1 - sim.rnd.nextDouble()) * 1000 / perSecond) + 1;
    sim.queue().after(gap, kind, -1, null, () -> {
      if (sim.faultsOn) {
        fault.run();
        scheduleFault(kind, perSecond, fault);
      }
    });
  }

  private void randomCrash() {
    List<SimNode> live = sim.live();
    if (!live.isEmpty()) {
      crash(live.get(sim.rnd.nextInt(live.size())));
    }
  }

  /** Crashes now, or arms the crash to strike between two of the member's next I/O actions. */
  void crash(SimNode n) {
    if (!sim.faultsOn || !n.alive || n.crashing || n.ioUntilCrash >= 0) {
      return;
    }
    if (sim.rnd.nextBoolean()) {
      n.crashing = true;
      finishCrash(n);
      return;
    }
    n.ioUntilCrash = sim.rnd.nextInt(6);
    int life = n.life;
    sim.queue().after(50, "crash-deadline", n.index, null, () -> {
      if (sim.faultsOn && n.alive && n.life == life) {
        n.crashing = true;
        finishCrash(n);
      }
    });
  }

  void finishCrash(SimNode n) {
    powerOff(n);
    if (sim.faultsOn) {
      sim.queue().after(10 + sim.rnd.nextInt(sim.mix().maxRestartMs()), "restart", n.index, null, () -> restart(n));
    }
  }

  /** The member loses power: its disk keeps what the crash model allows; it stays down until restarted. */
  void powerOff(SimNode n) {
    boolean wasLeader = n.node.status().role() == Role.LEADER;
    SimDisk.CrashOutcome out = n.disk.crash(sim.rnd);
    n.alive = false;
    n.crashing = false;
    n.life++;
    sim.stats.crashes++;
    if (wasLeader && out.pendingEntries()) {
      sim.stats.leaderCrashesWithUnsyncedEntries++;
    }
    if (out.lostData()) {
      sim.stats.crashesLosingUnsyncedData++;
    }
    if (out.tornTail()) {
      sim.stats.walTornTails++;
    }
    n.ioUntilCrash = -1;
    sim.accumulate(n);
  }

  void restart(SimNode n) {
    if (n.alive || n.removed || n.spare || n.disk.lost()) {
      return;
    }
    if (sim.faultsOn && sim.mix().repairsPerRestart() > 0 && sim.repairRnd.nextDouble() < sim.mix().repairsPerRestart()) {
      repair(n);
    }
    if (sim.faultsOn && sim.mix().segmentLossesPerRestart() > 0 && sim.stats.segmentsLost == 0
        && sim.segmentLossRnd.nextDouble() < sim.mix().segmentLossesPerRestart()) {
      SimDisk.SegmentLossOutcome out = n.disk.loseSegment(sim.segmentLossRnd);
      sim.stats.segmentsLost++;
      if (out.refusal() != null) {
        // Recovery refused, naming the damage: the member stays down for good, as with a dead disk, until an
        // operator replaces it. Never wiped and restarted under the same id: it would not know whom it
        // voted for, and could vote twice in a term.
        sim.stats.restartsRefused++;
        return;
      }
      sim.stats.segmentLossesAccepted++;
    }
    sim.invariants.onRestart(n);
    n.start(sim.config(n));
    sim.stats.restarts++;
  }

  /**
   * An operator repairs the stopped member's WAL (raftctl wal repair): its log is cut after a random index
   * (never below its snapshot or what its durable state machine applied), so it may lose committed
   * entries it acknowledged, and it gets a vote barrier at the highest term and index it had. One member
   * at a time is behind a barrier: barred members do not vote, so a majority of barred voters would
   * leave the cluster without a leader for good.
   */
  private void repair(SimNode n) {
    if (sim.nodes().stream().anyMatch(m -> m.barrierIndex != 0 && m != n)) {
      return;
    }
    var wal = n.disk.storage();
    long last = wal.lastIndex();
    long lowest = Math.max(Math.max(n.applied, wal.firstIndex() - 1), 1);
    if (last < lowest) {
      return;
    }
    long term = Math.max(wal.hardState().getTerm(), wal.term(last));
    n.barrierTerm = Math.max(n.barrierTerm, term);
    n.barrierIndex = Math.max(n.barrierIndex, last);
    n.disk.truncateAfter(lowest + sim.repairRnd.nextLong(last - lowest + 1));
    sim.stats.repairs++;
  }

  private void randomPartition() {
    int gen = ++partitionGeneration;
    sim.network().healAll();
    int kind = sim.rnd.nextInt(3);
    int size = sim.nodes().size();
    if (kind == 0) {
      // Two sides, each member on a random one.
      boolean[] side = new boolean[size];
      for (int i = 0; i < size; i++) {
        side[i] = sim.rnd.nextBoolean();
      }
      for (int a = 0; a < size; a++) {
        for (int b = 0; b < size; b++) {
          if (side[a] != side[b]) {
            sim.network().block(a, b);
          }
        }
      }
    } else if (kind == 1) {
      // One-way links.
      int links = 1 + sim.rnd.nextInt(size * 2);
      for (int i = 0; i < links; i++) {
        int a = sim.rnd.nextInt(size);
        int b = sim.rnd.nextInt(size);
        if (a != b) {
          sim.network().block(a, b);
        }
      }
    } else {
      SimNode leader = sim.leader();
      isolateLinks(leader != null ? leader.index : sim.rnd.nextInt(size));
    }
    sim.stats.partitions++;
    sim.queue().after(50 + sim.rnd.nextInt(2000), "heal-partition", -1, null, () -> {
      if (partitionGeneration == gen) {
        sim.network().healAll();
      }
    });
  }

  void isolate(int index, long forMs) {
    if (!sim.faultsOn) {
      return;
    }
    int gen = ++partitionGeneration;
    sim.network().healAll();
    isolateLinks(index);
    sim.stats.partitions++;
    sim.queue().after(forMs, "heal-partition", -1, null, () -> {
      if (partitionGeneration == gen) {
        sim.network().healAll();
      }
    });
  }

  private void isolateLinks(int index) {
    for (int i = 0; i < sim.nodes().size(); i++) {
      if (i != index) {
        sim.network().block(index, i);
        sim.network().block(i, index);
      }
    }
  }

  private void randomTransfer() {
    SimNode leader = sim.leader();
    if (leader != null && !leader.crashing) {
      List<SimNode> others = new ArrayList<>(sim.nodes());
      others.remove(leader);
      // Sometimes the most up-to-date voter, sometimes anyone (a learner or spare is refused).
      long target = sim.rnd.nextInt(4) == 0 ? 0 : others.get(sim.rnd.nextInt(others.size())).id;
      leader.node.transferLeadership(target);
      leader.processor.drain();
    }
  }

  /**
   * A random membership change through the leader: add a spare as learner (to be promoted once caught up,
   * or not) or voter, promote a learner,
   * remove a voter or learner (the leader too), or several at once; clusters grow towards 5 voters and
   * shrink back to 3.
   */
  private void randomMembershipChange() {
    SimNode leader = sim.leader();
    if (leader == null || leader.crashing) {
      return;
    }
    Configuration c = leader.node.configuration();
    List<Long> voters = new ArrayList<>(c.getVotersList());
    List<Long> learners = new ArrayList<>(c.getLearnersList());
    List<SimNode> spares = new ArrayList<>();
    for (SimNode n : sim.nodes()) {
      if (n.spare) {
        spares.add(n);
      }
    }
    ConfChange.Builder change = ConfChange.newBuilder();
    List<SimNode> joining = new ArrayList<>();
    int kind = sim.rnd.nextInt(6);
    if (kind == 0 && !spares.isEmpty()) {
      joining.add(spares.get(0));
      change.addAddLearners(spares.get(0).id);
      if ((spares.get(0).id & 1) == 0) {
        // Promoted by whichever leader sees it caught up (as raftctl member add and cluster.join do); the
        // choice draws nothing from the seeded generator, so the schedules stay what they were up to here.
        change.addAutoPromote(spares.get(0).id);
      }
    } else if (kind == 1 && !learners.isEmpty()) {
      change.addPromoteLearners(learners.get(sim.rnd.nextInt(learners.size())));
    } else if (kind == 2 && !spares.isEmpty() && voters.size() < 5) {
      joining.add(spares.get(0));
      change.addAddVoters(spares.get(0).id);
    } else if (kind == 3 && voters.size() > 3) {
      change.addRemoveVoters(voters.get(sim.rnd.nextInt(voters.size())));
    } else if (kind == 4 && !learners.isEmpty()) {
      change.addRemoveVoters(learners.get(sim.rnd.nextInt(learners.size())));
    } else if (kind == 5 && spares.size() >= 2 && voters.size() >= 3) {
      // Two voters in and one out, in one change.
      joining.add(spares.get(0));
      joining.add(spares.get(1));
      change.addAddVoters(spares.get(0).id).addAddVoters(spares.get(1).id);
      change.addRemoveVoters(voters.get(sim.rnd.nextInt(voters.size())));
    } else {
      return;
    }
    sim.stats.membershipChangesProposed++;
    Proposal p = leader.node.proposeConfigChange(change.build());
    if (p.appended()) {
      for (SimNode n : joining) {
        n.spare = false;
        n.start(sim.config(n));
      }
    }
    leader.processor.drain();
  }

  /** The host learned its member was removed: it stops it for good. */
  void onRemoved(SimNode n) {
    n.removed = true;
    n.alive = false;
    sim.stats.membersRemoved++;
  }
}
