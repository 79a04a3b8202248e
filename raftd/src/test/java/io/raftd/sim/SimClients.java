package io.raftd.sim;

import com.google.protobuf.ByteString;
import io.raftd.proto.Entry;
import io.raftd.raft.Proposal;
import io.raftd.raft.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The simulated clients: proposals to whoever believes it leads (acknowledged when the proposing member
 * applies them in the same life), and linearizable reads to leaders, stale leaders and followers, each
 * checked against what was acknowledged and read before it began. Owned by its {@link Simulation}.
 */
final class SimClients {
  private final Simulation sim;
  private long proposalCounter;
  /** Appended proposals not yet acknowledged, by proposing member and life. */
  private final List<Pending> pending = new ArrayList<>();
  /** Acknowledged proposals, in acknowledgement order. */
  private final List<Entry> acknowledged = new ArrayList<>();
  /** Reads in flight by id: where they were sent and what they must at least see. */
  private final TreeMap<Long, ReadOp> reads = new TreeMap<>();
  private long readCounter;
  /** The highest index of any acknowledged proposal, and the highest index any finished read saw. */
  private long maxAcknowledged;
  private long maxReadSeen;

  private record Pending(int node, int life, long index, long term, ByteString payload) {}

  /**
   * A linearizable read: it must see at least every write acknowledged, and everything any read that
   * finished saw, before it began.
   */
  private record ReadOp(int node, int life, long ackedFloor, long readFloor, boolean onLeader) {}

  SimClients(Simulation sim) {
    this.sim = sim;
  }

  /** Starts the proposing clients the fault mix asks for. */
  void startProposals() {
    if (sim.mix().proposalsPerSecond() > 0) {
      scheduleProposal();
    }
  }

  /** Starts the reading clients the fault mix asks for. */
  void startReads() {
    if (sim.mix().readsPerSecond() > 0) {
      scheduleRead();
    }
  }

  List<Entry> acknowledged() {
    return acknowledged;
  }

  long maxAcknowledged() {
    return maxAcknowledged;
  }

  void onApply(SimNode n, Entry e) {
    sim.invariants.onApply(n, e);
    for (int i = 0; i < pending.size(); i++) {
      Pending p = pending.get(i);
      if (p.node == n.index && p.life == n.life && p.index == e.getIndex()) {
        pending.remove(i);
        if (p.term == e.getTerm() && e.getData().equals(p.payload)) {
          acknowledged.add(e);
          maxAcknowledged = Math.max(maxAcknowledged, e.getIndex());
          sim.stats.acknowledged++;
        }
        break;
      }
    }
  }

  private void scheduleProposal() {
    long gap = Math.max(1, (long) (1000 / sim.mix().proposalsPerSecond() * 2 * sim.rnd.nextDouble()));
    sim.queue().after(gap, "propose", -1, null, () -> {
      if (sim.faultsOn) {
        propose();
        scheduleProposal();
      }
    });
  }

  /** A client sends a proposal to a member that believes it leads (if any), else to any member. */
  Proposal propose() {
    List<SimNode> leaders = new ArrayList<>();
    for (SimNode n : sim.live()) {
      if (n.node.status().role() == Role.LEADER) {
        leaders.add(n);
      }
    }
    List<SimNode> targets = leaders.isEmpty() ? sim.live() : leaders;
    if (targets.isEmpty()) {
      return null;
    }
    SimNode target = targets.get(sim.rnd.nextInt(targets.size()));
    return proposeTo(target);
  }

  Proposal proposeTo(SimNode target) {
    ByteString payload = payload();
    sim.stats.proposals++;
    Proposal p = target.node.propose(payload);
    if (p.appended()) {
      pending.add(new Pending(target.index, target.life, p.index(), p.term(), payload));
      if (sim.faultsOn && sim.rnd.nextDouble() < sim.mix().leaderFaultAfterProposal()) {
        // Faults aimed where bugs hide: at a leader just after it appended.
        long delay = sim.rnd.nextInt(20);
        if (sim.rnd.nextBoolean()) {
          sim.queue().after(delay, "crash-leader", target.index, null, () -> sim.faults.crash(target));
        } else {
          sim.queue().after(delay, "isolate-leader", target.index, null, () -> sim.faults.isolate(target.index, 100 + sim.rnd.nextInt(1500)));
        }
      }
    }
    target.processor.drain();
    return p;
  }

  private ByteString payload() {
    long n = proposalCounter++;
    String base = "s" + sim.seed() + "-p" + n;
    int extra = sim.rnd.nextInt(10) == 0 ? sim.rnd.nextInt(2000) : sim.rnd.nextInt(48);
    return ByteString.copyFromUtf8(base + "-".repeat(extra));
  }

  private void scheduleRead() {
    long gap = Math.max(1, (long) (1000 / sim.mix().readsPerSecond() * 2 * sim.rnd.nextDouble()));
    sim.queue().after(gap, "read", -1, null, () -> {
      if (sim.faultsOn) {
        read(sim.live().isEmpty() ? null : sim.live().get(sim.rnd.nextInt(sim.live().size())));
        scheduleRead();
      }
    });
  }

  /** A client reads through {@code target}: a leader, a member that still thinks it leads, or a follower. */
  void read(SimNode target) {
    if (target == null || target.crashing) {
      return;
    }
    long id = ++readCounter;
    boolean onLeader = target.node.status().role() == Role.LEADER;
    reads.put(id, new ReadOp(target.index, target.life, maxAcknowledged, maxReadSeen, onLeader));
    target.node.readIndex(ByteString.copyFrom(java.nio.ByteBuffer.allocate(8).putLong(id).array()));
    target.processor.drain();
  }

  void onReadReady(SimNode n, io.raftd.raft.ReadState read) {
    ReadOp op = reads.remove(read.context().asReadOnlyByteBuffer().getLong());
    if (op == null || op.life() != n.life) {
      return;
    }
    long r = n.applied;  // the state the read returns
    if (r < op.ackedFloor()) {
      throw new Invariants.Violation("member " + n.index + ": read returned the state at " + r
          + " but index " + op.ackedFloor() + " was acknowledged before the read began (stale read)");
    }
    if (r < op.readFloor()) {
      throw new Invariants.Violation("member " + n.index + ": read returned the state at " + r
          + " but an earlier read already saw " + op.readFloor() + " (reads went back in time)");
    }
    if (r > sim.invariants.committedInOracle()) {
      throw new Invariants.Violation("member " + n.index + ": read returned the state at " + r
          + " beyond anything committed (" + sim.invariants.committedInOracle() + ")");
    }
    maxReadSeen = Math.max(maxReadSeen, r);
    sim.stats.readsChecked++;
    if (!op.onLeader()) {
      sim.stats.followerReadsChecked++;
    }
  }

  void onReadFailed(SimNode n, ByteString context) {
    reads.remove(context.asReadOnlyByteBuffer().getLong());
    sim.stats.readsFailed++;
  }

  /** A leader stepped down: its proposals above the commit index get "outcome unknown", never an acknowledgement. */
  void onLeadershipLost(SimNode n, io.raftd.raft.Ready.LeadershipLost lost) {
    pending.removeIf(p -> p.node == n.index && p.life == n.life && p.index > lost.commit());
  }
}
