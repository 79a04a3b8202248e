package io.raftd.sim;

import static io.raftd.sim.Scenarios.awaitLeader;
import static io.raftd.sim.Scenarios.calm;
import static io.raftd.sim.Scenarios.commitOne;
import static io.raftd.sim.Scenarios.committedOn;
import static io.raftd.sim.Scenarios.proposeMany;
import static io.raftd.sim.Scenarios.settledLeader;
import static io.raftd.sim.Scenarios.startAndCommitOne;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.RaftMessage;
import io.raftd.raft.Proposal;
import io.raftd.raft.Role;
import io.raftd.raft.TransferOutcome;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Scripted scenarios for the features beyond the paper's core: snapshots (InstallSnapshot to a follower
 * the leader compacted past, after a disconnection or a crash; a duplicated, late snapshot), ReadIndex
 * reads (through a follower after a leader change; on a new leader, which must wait for its first
 * commit) and leadership transfer (it completes in a higher term; proposals meanwhile are refused
 * without being appended; an impossible transfer aborts after an election timeout). Invariants,
 * linearizability of every read and the applied index never going back among them, are checked after
 * every event.
 */
class ReadSnapshotTransferScenarioTest {
  private static final long ELECTION_TIMEOUT_MS = Simulation.ELECTION_TICKS * Simulation.TICK_MS;

  // ---- snapshots ----

  @Test
  void laggingFollowerTheLeaderCompactedPastCatchesUpByInstallingASnapshot() {
    Simulation sim = new Simulation(201, Scenarios.snapshotting(3, 20, 0), UnaryOperator.identity());
    Scenarios.Links links = new Scenarios.Links(sim);
    SimNode leader = startAndCommitOne(sim);
    SimNode follower = sim.nodes().get((leader.index + 1) % 3);

    links.disconnect(follower.index);
    long followerLast = follower.node.status().lastIndex();
    Proposal last = proposeMany(sim, leader, 100);
    // The leader commits without the follower and compacts its log past the follower's last entry.
    assertTrue(sim.runUntil(sim.queue().now() + 2000, () -> committedOn(links.group(), last.index(), last.term())
        && leader.node.status().firstIndex() > followerLast + 1), "the leader did not compact:\n" + sim.describeNodes());
    assertTrue(sim.stats.snapshotsTaken > 0);
    assertEquals(0, follower.node.counters().snapshotsInstalled());

    long leaderFirst = leader.node.status().firstIndex();
    links.connectAll();
    long reconnectedAt = sim.queue().now();
    assertTrue(sim.runUntil(reconnectedAt + 1000, () -> converged(leader, follower, last.index())),
        "the follower did not catch up:\n" + sim.describeNodes());
    assertTrue(follower.node.counters().snapshotsInstalled() > 0, "caught up without a snapshot");
    assertTrue(leader.node.counters().snapshotsSent() > 0);
    assertTrue(sim.stats.snapshotsStreamed > 0);
    assertTrue(follower.node.status().snapshotIndex() > followerLast + 1);
    System.out.printf("lagging follower: log ended at %d, leader's log started at %d; converged at %d in %d ms"
            + " (%d snapshot(s) installed, %d sent)%n", followerLast, leaderFirst, follower.applied,
        sim.queue().now() - reconnectedAt, follower.node.counters().snapshotsInstalled(),
        leader.node.counters().snapshotsSent());

    // It goes on replicating normally after the install, under the same leader.
    Proposal next = commitOne(sim, leader, sim.nodes(), 500);
    assertEquals(last.term(), next.term());
    assertTrue(converged(leader, follower, next.index()));
    assertSame(leader, settledLeader(sim.nodes()));
    sim.healAndCheckLiveness();
  }

  @Test
  void crashedFollowerRestartingBehindTheLeadersCompactionCatchesUpByInstallingASnapshot() {
    Simulation sim = new Simulation(202, Scenarios.snapshotting(3, 20, 0), UnaryOperator.identity());
    SimNode leader = startAndCommitOne(sim);
    SimNode follower = sim.nodes().get((leader.index + 2) % 3);

    sim.crashNow(follower);
    assertTrue(!follower.alive);
    long durableLast = follower.disk.storage().lastIndex();
    List<SimNode> live = sim.live();
    Proposal last = proposeMany(sim, leader, 100);
    assertTrue(sim.runUntil(sim.queue().now() + 2000, () -> committedOn(live, last.index(), last.term())
        && leader.node.status().firstIndex() > durableLast + 1), "the leader did not compact:\n" + sim.describeNodes());

    sim.faults.restart(follower);
    long appliedAtRestart = follower.applied;
    long leaderFirst = leader.node.status().firstIndex();
    assertTrue(appliedAtRestart < leaderFirst - 1, "the restarted follower is not behind");
    long restartedAt = sim.queue().now();
    assertTrue(sim.runUntil(restartedAt + 1000, () -> converged(leader, follower, last.index())),
        "the restarted follower did not catch up:\n" + sim.describeNodes());
    System.out.printf("crashed follower: durable log ended at %d, applied %d, leader's log started at %d;"
            + " converged at %d in %d ms (%d snapshot(s) installed)%n", durableLast, appliedAtRestart, leaderFirst,
        follower.applied, sim.queue().now() - restartedAt, follower.node.counters().snapshotsInstalled());
    // Counters are per life: this one counts the restarted member only.
    assertTrue(follower.node.counters().snapshotsInstalled() > 0, "caught up without a snapshot");
    assertEquals(1, sim.stats.crashes);
    assertEquals(1, sim.stats.restarts);

    Proposal next = commitOne(sim, leader, sim.nodes(), 500);
    assertTrue(converged(leader, follower, next.index()));
    sim.healAndCheckLiveness();
  }

  @Test
  void snapshotDeliveredAgainLateIsIgnoredAndTheAppliedIndexNeverGoesBack() {
    Simulation sim = new Simulation(203, Scenarios.snapshotting(3, 20, 0), UnaryOperator.identity());
    Scenarios.Links links = new Scenarios.Links(sim);
    SimNode leader = startAndCommitOne(sim);
    SimNode follower = sim.nodes().get((leader.index + 1) % 3);
    links.disconnect(follower.index);
    long followerLast = follower.node.status().lastIndex();
    Proposal last = proposeMany(sim, leader, 60);
    assertTrue(sim.runUntil(sim.queue().now() + 2000, () -> committedOn(links.group(), last.index(), last.term())
        && leader.node.status().firstIndex() > followerLast + 1));

    // Reconnect, and keep a copy of the first InstallSnapshot that reaches the follower.
    links.connectAll();
    RaftMessage[] captured = new RaftMessage[1];
    assertTrue(sim.runUntilObserved(sim.queue().now() + 1000, () -> converged(leader, follower, last.index()), e -> {
      if (captured[0] == null && e.node() == follower.index && e.detail() instanceof RaftMessage m
          && m.hasInstallSnapshot()) {
        captured[0] = m;
      }
    }), "the follower did not catch up:\n" + sim.describeNodes());
    RaftMessage snapshot = captured[0];
    assertNotNull(snapshot, "no snapshot was streamed to the follower");
    assertTrue(follower.node.counters().snapshotsInstalled() > 0);
    long snapshotIndex = snapshot.getInstallSnapshot().getMetadata().getIndex();

    // The follower moves on past the snapshot (and takes snapshots of its own).
    Proposal moved = null;
    for (int i = 0; i < 25; i++) {
      moved = commitOne(sim, leader, sim.nodes(), 500);
    }
    assertTrue(follower.node.status().commit() > snapshotIndex);
    assertEquals(leader.node.status().term(), snapshot.getTerm(), "the copy must be stale by index, not by term");

    // The same snapshot arrives twice more, late: the transport hands it over as it would any snapshot.
    long installed = follower.node.counters().snapshotsInstalled();
    long ignored = follower.node.counters().staleSnapshotsIgnored();
    long appliedBefore = follower.applied;
    long hashBefore = follower.stateHash;
    SimNode.Snapshot file = leader.disk.snapshotFile(snapshot.getInstallSnapshot().getMetadata());
    assertNotNull(file);
    for (long delay : new long[] {1, 40}) {
      sim.queue().after(delay, "late-snapshot", follower.index, snapshot, () -> follower.receiveSnapshot(snapshot, file));
    }
    long[] lowestApplied = {Long.MAX_VALUE};
    long[] highestSeen = {appliedBefore};
    assertTrue(sim.runUntilObserved(sim.queue().now() + 500,
        () -> follower.node.counters().staleSnapshotsIgnored() >= ignored + 2, e -> {
          lowestApplied[0] = Math.min(lowestApplied[0], follower.applied);
          assertTrue(follower.applied >= highestSeen[0], "the follower's applied index went back");
          highestSeen[0] = follower.applied;
        }), "the late snapshots were not both handled");
    assertEquals(ignored + 2, follower.node.counters().staleSnapshotsIgnored());
    assertEquals(installed, follower.node.counters().snapshotsInstalled(), "a stale snapshot was installed");
    assertTrue(lowestApplied[0] >= appliedBefore);
    assertEquals(appliedBefore, follower.applied);
    assertEquals(hashBefore, follower.stateHash);
    assertTrue(follower.node.status().commit() >= moved.index());
    System.out.printf("late snapshot: index %d redelivered twice at commit %d; ignored, applied stays %d%n",
        snapshotIndex, follower.node.status().commit(), follower.applied);

    // Nothing broke: the follower keeps replicating.
    Proposal next = commitOne(sim, leader, sim.nodes(), 500);
    assertTrue(converged(leader, follower, next.index()));
    sim.healAndCheckLiveness();
  }

  // ---- reads ----

  @Test
  void followerReadAfterALeaderChangeSeesTheWriteTheOldLeaderAcknowledged() {
    // One small batch in flight per follower, so a follower far behind catches up over many round trips.
    Simulation sim = calm(204, 5, c -> c.toBuilder().maxInflight(1).maxBatchBytes(1024).build());
    Scenarios.Links links = new Scenarios.Links(sim);
    SimNode old = startAndCommitOne(sim);
    SimNode reader = sim.nodes().get((old.index + 1) % 5);

    // Writes are acknowledged by the old leader while the reader is cut off: the reader lacks them all.
    links.disconnect(reader.index);
    long acknowledged = sim.stats.acknowledged;
    Proposal write = proposeMany(sim, old, 100);
    assertTrue(sim.runUntil(sim.queue().now() + 2000, () -> old.applied >= write.index()));
    assertEquals(acknowledged + 100, sim.stats.acknowledged);

    // Leadership changes: the old leader is cut off and the reader comes back.
    links.disconnect(old.index);
    links.connect(reader.index);
    SimNode leader = awaitLeader(sim, links.group(), 2000);
    assertNotEquals(old, leader);
    assertNotEquals(reader, leader);
    assertTrue(leader.node.status().term() > write.term());

    // Read through the reader as soon as it knows the new leader, while it still lacks the writes.
    long readsBefore = sim.stats.followerReadsChecked;
    long appliedAtRead = reader.applied;
    sim.clients.read(reader);
    long[] appliedWhenConfirmed = {-1};
    long[] served = {-1};
    assertTrue(sim.runUntilObserved(sim.queue().now() + 2000, () -> {
      if (served[0] < 0 && sim.stats.followerReadsChecked > readsBefore) {
        served[0] = reader.applied;  // the state the read returned
      }
      return served[0] >= 0;
    }, e -> {
      if (e.node() == reader.index && e.detail() instanceof RaftMessage m && m.hasReadIndexResponse()) {
        assertTrue(m.getReadIndexResponse().getOk());
        assertTrue(m.getReadIndexResponse().getIndex() >= write.index(), "read index below an acknowledged write");
        appliedWhenConfirmed[0] = reader.applied;
      }
    }), "the follower read was not served:\n" + sim.describeNodes());
    assertTrue(appliedAtRead < write.index(), "the reader had already applied the writes: the scenario is not sharp");
    assertTrue(appliedWhenConfirmed[0] >= 0 && appliedWhenConfirmed[0] < write.index(),
        "the reader had caught up before the leader confirmed the read (" + appliedWhenConfirmed[0] + "): not sharp");
    assertTrue(served[0] >= write.index(), "the read returned state " + served[0] + " without the acknowledged write "
        + write.index());
    assertEquals(1, reader.node.counters().followerReads());
    assertEquals(0, sim.stats.readsFailed);
    System.out.printf("follower read: applied %d at read, %d when confirmed, served at %d (write %d)%n",
        appliedAtRead, appliedWhenConfirmed[0], served[0], write.index());

    // The old leader rejoins as a follower; a read through it is served as a follower read too.
    links.connectAll();
    assertSame(leader, awaitLeader(sim, 1000));
    Proposal after = commitOne(sim, leader, sim.nodes(), 1000);
    long followerReads = sim.stats.followerReadsChecked;
    sim.clients.read(old);
    assertTrue(sim.runUntil(sim.queue().now() + 500, () -> sim.stats.followerReadsChecked > followerReads));
    assertTrue(old.applied >= after.index());
    assertEquals(1, old.node.counters().followerReads());
    assertEquals(2, sim.stats.readsChecked);
    sim.healAndCheckLiveness();
  }

  @Test
  void readOnANewLeaderWaitsForItsFirstCommitInItsTerm() {
    Simulation sim = calm(207, 3);
    Scenarios.Links links = new Scenarios.Links(sim);
    SimNode old = startAndCommitOne(sim);

    // A write acknowledged by the old leader, which is cut off at once: the others may not know it committed.
    Proposal write = sim.clients.proposeTo(old);
    assertTrue(write.appended());
    assertTrue(sim.runUntil(sim.queue().now() + 500, () -> old.applied >= write.index()));
    links.disconnect(old.index);

    // Read on the new leader the moment it wins, before its no-op can commit.
    SimNode[] found = new SimNode[1];
    assertTrue(sim.runUntil(sim.queue().now() + 2000, () -> (found[0] = links.group().stream()
        .filter(n -> n.node.status().role() == Role.LEADER).findFirst().orElse(null)) != null));
    SimNode leader = found[0];
    long term = leader.node.status().term();
    assertNotEquals(term, leader.node.termAt(leader.node.status().commit()), "the new leader already committed");
    long commitAtRead = leader.node.status().commit();
    long readsBefore = sim.stats.readsChecked;
    long readAt = sim.queue().now();
    sim.clients.read(leader);
    assertEquals(1, leader.node.counters().readsWaitedForCommit());

    long[] termCommittedAt = {-1};
    long[] servedAt = {-1};
    long[] served = {-1};
    assertTrue(sim.runUntil(readAt + 500, () -> {
      if (termCommittedAt[0] < 0 && leader.node.termAt(leader.node.status().commit()) == term) {
        termCommittedAt[0] = sim.queue().now();
      }
      if (servedAt[0] < 0 && sim.stats.readsChecked > readsBefore) {
        servedAt[0] = sim.queue().now();
        served[0] = leader.applied;
        assertTrue(termCommittedAt[0] >= 0, "the read was served before the leader committed an entry of its term");
      }
      return servedAt[0] >= 0;
    }), "the read was not served:\n" + sim.describeNodes());
    assertEquals(Role.LEADER, leader.node.status().role());
    assertEquals(term, leader.node.status().term());
    assertTrue(servedAt[0] >= termCommittedAt[0] && termCommittedAt[0] > readAt);
    assertTrue(served[0] >= write.index(), "the read missed the acknowledged write");
    assertEquals(0, sim.stats.readsFailed);
    System.out.printf("new-leader read: commit at read %d (write %d), term committed after %d ms, served after %d ms%n",
        commitAtRead, write.index(), termCommittedAt[0] - readAt, servedAt[0] - readAt);

    // Once its term has a commit, a read is not held any more.
    sim.clients.read(leader);
    assertEquals(1, leader.node.counters().readsWaitedForCommit());
    assertTrue(sim.runUntil(sim.queue().now() + 200, () -> sim.stats.readsChecked > readsBefore + 1));
    sim.healAndCheckLiveness();
  }

  // ---- leadership transfer ----

  @Test
  void leadershipTransferCompletesInAHigherTermAndTheOldLeaderFollowsTheTarget() {
    Simulation sim = calm(205, 5);
    SimNode old = startAndCommitOne(sim);
    SimNode target = sim.nodes().get((old.index + 2) % 5);
    long termAtRequest = old.node.status().term();

    long requestedAt = sim.queue().now();
    assertEquals(TransferOutcome.STARTED, old.node.transferLeadership(target.id));
    old.processor.drain();
    assertTrue(sim.runUntil(requestedAt + 2 * Simulation.MAX_ELECTION_TIMEOUT_MS,
        () -> target.node.status().role() == Role.LEADER), "the transfer did not complete:\n" + sim.describeNodes());
    long took = sim.queue().now() - requestedAt;
    // The target campaigns at once on TimeoutNow: no election timer ran out.
    assertTrue(took < ELECTION_TIMEOUT_MS, "the transfer took " + took + " ms");
    assertTrue(target.node.status().term() > termAtRequest);

    assertTrue(sim.runUntil(sim.queue().now() + 200, () -> old.node.status().leader() == target.id));
    assertEquals(Role.FOLLOWER, old.node.status().role());
    assertEquals(target.node.status().term(), old.node.status().term());
    assertEquals(1, target.node.counters().transfersCompleted());
    assertEquals(1, old.node.counters().transfersStarted());
    assertEquals(0, old.node.counters().transfersAborted());
    System.out.printf("transfer: term %d -> %d in %d ms%n", termAtRequest, target.node.status().term(), took);

    Proposal p = commitOne(sim, target, sim.nodes(), 500);
    assertEquals(target.node.status().term(), p.term());
    assertSame(target, settledLeader(sim.nodes()));
    sim.healAndCheckLiveness();
  }

  @Test
  void proposalDuringATransferIsRefusedWithoutAppendingAndAcceptedAgainOnceItAborts() {
    Simulation sim = calm(206, 3);
    Scenarios.Links links = new Scenarios.Links(sim);
    SimNode leader = startAndCommitOne(sim);
    SimNode target = sim.nodes().get((leader.index + 1) % 3);
    SimNode other = sim.nodes().get((leader.index + 2) % 3);
    long term = leader.node.status().term();

    // The target is cut off, so its TimeoutNow never arrives and the transfer cannot complete.
    links.disconnect(target.index);
    long lastIndex = leader.node.status().lastIndex();
    long requestedAt = sim.queue().now();
    assertEquals(TransferOutcome.STARTED, leader.node.transferLeadership(target.id));
    leader.processor.drain();

    int refused = 0;
    Proposal p = sim.clients.proposeTo(leader);
    while (!p.appended()) {
      assertEquals(Proposal.Refusal.TRANSFERRING, p.refusal());
      assertEquals(lastIndex, leader.node.status().lastIndex(), "a refused proposal was appended");
      assertEquals(lastIndex, other.node.status().lastIndex());
      assertEquals(0, leader.node.counters().transfersAborted());
      refused++;
      assertTrue(sim.queue().now() - requestedAt < 2 * ELECTION_TIMEOUT_MS, "the transfer never aborted");
      sim.runFor(5);
      p = sim.clients.proposeTo(leader);
    }
    long abortedAfter = sim.queue().now() - requestedAt;
    assertEquals(1, leader.node.counters().transfersAborted());
    assertEquals(0, target.node.counters().transfersCompleted());
    assertEquals(refused, leader.node.counters().proposalsDropped());
    assertTrue(refused >= 10, "refused only " + refused + " times");
    assertTrue(abortedAfter >= ELECTION_TIMEOUT_MS - Simulation.TICK_MS && abortedAfter <= ELECTION_TIMEOUT_MS + 2 * Simulation.TICK_MS,
        "the transfer aborted after " + abortedAfter + " ms");
    System.out.printf("transfer abort: %d proposals refused, accepted again after %d ms%n", refused, abortedAfter);

    // The leader resumed in its term: the accepted proposal is appended right after the old end, and commits.
    assertEquals(Role.LEADER, leader.node.status().role());
    assertEquals(term, leader.node.status().term());
    assertEquals(lastIndex + 1, p.index());
    Proposal accepted = p;
    assertTrue(sim.runUntil(sim.queue().now() + 500, () -> committedOn(links.group(), accepted.index(), accepted.term())));
    links.connectAll();
    commitOne(sim, leader, sim.nodes(), 1000);
    sim.healAndCheckLiveness();
  }

  /** {@code b} has applied exactly what {@code a} has, at least up to {@code index}, with the same state. */
  private static boolean converged(SimNode a, SimNode b, long index) {
    return a.applied >= index && b.applied == a.applied && b.stateHash == a.stateHash;
  }
}
