package io.raftd.sim;

import static io.raftd.sim.Scenarios.awaitLeader;
import static io.raftd.sim.Scenarios.commitOne;
import static io.raftd.sim.Scenarios.settledLeader;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.ConfChange;
import io.raftd.proto.Configuration;
import io.raftd.proto.EntryType;
import io.raftd.proto.RaftMessage;
import io.raftd.raft.Proposal;
import io.raftd.raft.Role;
import io.raftd.raft.confchange.ConfChanges;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Scripted membership-change scenarios (paper §6, thesis §4): joint consensus under a partition (two
 * voters in and one out in one change), a leader crash right after C_old,new commits (the new leader
 * leaves the joint configuration), a learner promoted while the leader crashes before the learner has
 * heard of it (its vote is still needed and given), removing the leader (it hands over), a removed member
 * that keeps timing out (answered with Removed; the cluster's term does not move), and changes refused:
 * invalid ones with a clear message, a second one while one is in progress. Configurations take effect on
 * apply; invariants (each commit durable on a majority of each voter set in force, one unapplied
 * configuration entry at most in a leader's log, one leader per term) are checked after every event.
 */
class MembershipScenarioTest {
  private static final long MAX_ELECTION_MS = Simulation.MAX_ELECTION_TIMEOUT_MS;

  // ---- 1. two voters in, one out, in one change, under a partition ----

  @Test
  void addTwoVotersAndRemoveOneInOneChangeUnderAPartition() {
    Simulation sim = new Simulation(301, Scenarios.membership(3, 2, true, true, 50), UnaryOperator.identity());
    Scenarios.Links links = new Scenarios.Links(sim);
    sim.start(false);
    SimNode leader = awaitLeader(sim, 1000);
    commitOne(sim, leader, sim.live(), 500);
    sim.runFor(300);
    long acknowledgedBefore = sim.stats.acknowledged;
    assertTrue(acknowledgedBefore > 5, "acknowledged: " + acknowledgedBefore);
    SimNode kept = sim.nodes().get((leader.index + 1) % 3);
    SimNode out = sim.nodes().get((leader.index + 2) % 3);
    SimNode a = sim.nodes().get(3);
    SimNode b = sim.nodes().get(4);
    sim.startSpare(a);
    sim.startSpare(b);

    // Phase 1: both new voters are cut off. C_old,new commits by C_old's majority and takes effect once
    // applied (the leader then appends C_new at once: auto-leave).
    links.disconnect(a.index, b.index);
    Proposal change = propose(leader, ConfChange.newBuilder()
        .addAddVoters(a.id).addAddVoters(b.id).addRemoveVoters(out.id).build());
    assertTrue(change.appended(), "refused: " + change);
    assertTrue(sim.runUntil(sim.queue().now() + 500, () -> ConfChanges.isJoint(leader.node.configuration())),
        "C_old,new did not take effect on the leader:\n" + sim.describeNodes());
    long jointAt = sim.queue().now();
    long commitFrozenAt = maxCommit(sim);
    long acknowledgedFrozen = sim.stats.acknowledged;
    long proposalsBefore = sim.stats.proposals;

    // Phase 2, at once: the new voters are back and the two other old ones are cut off, before C_new
    // reaches them. C_new's majority ({L, a, b}) now gets every entry, C_old's ({L} of 3) none: while
    // joint, nothing commits, C_new included.
    links.connectAll();
    links.disconnect(kept.index, out.index);
    sim.runFor(5 * MAX_ELECTION_MS);
    assertEquals(commitFrozenAt, maxCommit(sim), "an entry committed while joint without a majority of C_old:\n"
        + sim.describeNodes());
    assertEquals(acknowledgedFrozen, sim.stats.acknowledged);
    assertTrue(sim.stats.proposals > proposalsBefore, "no client proposals were tried while joint");
    for (SimNode n : List.of(a, b)) {
      assertTrue(n.node.status().lastIndex() > change.index() + 1, "member " + n.index + " did not get the uncommitted entries");
    }
    for (SimNode n : List.of(leader, kept, out, a, b)) {
      Configuration c = n.node.configuration();
      assertFalse(!ConfChanges.isJoint(c) && c.getVotersList().contains(a.id), "member " + n.index + " has C_new in force");
    }
    assertTrue(ConfChanges.isJoint(leader.node.configuration()));
    // Check-quorum counts both halves: the joint leader, cut off from C_old's majority, stepped down.
    assertNull(sim.leader(), "a member leads without a majority of C_old:\n" + sim.describeNodes());
    assertTrue(leader.node.counters().checkQuorumStepDowns() > 0);

    // Phase 3: only the member being removed is cut off. Both halves have a majority without it: a
    // leader is elected and C_new commits.
    links.connectAll();
    links.disconnect(out.index);
    long phase3 = sim.queue().now();
    assertTrue(sim.runUntil(phase3 + 20 * MAX_ELECTION_MS, () -> sim.leader() != null
        && !ConfChanges.isJoint(sim.leader().node.configuration())), "C_new never took effect:\n" + sim.describeNodes());
    long leftJointAfter = sim.queue().now() - phase3;
    SimNode newLeader = sim.leader();
    assertTrue(Set.of(leader, kept, a, b).contains(newLeader), "member " + newLeader.index + " leads but is not in C_new");
    assertConfiguration(newLeader.node.configuration(), Set.of(leader.id, kept.id, a.id, b.id), Set.of(), Set.of(out.id));
    commitOne(sim, newLeader, List.of(leader, kept, a, b), 1000);
    assertTrue(sim.stats.acknowledged > acknowledgedFrozen);
    // The removed member, cut off, has not heard of its removal.
    assertTrue(out.alive && !out.removed);
    assertFalse(out.node.configuration().getRemovedList().contains(out.id));

    // Phase 4: it comes back; the first member it talks to tells it it was removed, and its host stops it.
    links.connectAll();
    assertTrue(sim.runUntil(sim.queue().now() + 10 * MAX_ELECTION_MS, () -> out.removed),
        "the removed member never learned it was removed:\n" + sim.describeNodes());
    assertFalse(out.alive);
    assertTrue(removedAnswered(sim) > 0);
    sim.runFor(300);  // more client writes under C_new

    sim.healAndCheckLiveness();  // every acknowledged write applied, at its index, on every member
    SimNode last = sim.leader();
    assertNotNull(last);
    assertConfiguration(last.node.configuration(), Set.of(leader.id, kept.id, a.id, b.id), Set.of(), Set.of(out.id));
    for (SimNode n : List.of(leader, kept, a, b)) {
      assertTrue(n.alive && !n.removed);
      assertEquals(last.node.configuration(), n.node.configuration(), "member " + n.index + "'s configuration");
    }
    assertEquals(1, sim.stats.membersRemoved);
    assertTrue(sim.stats.jointEntered >= 1 && sim.stats.jointLeft >= 1);
    System.out.printf("add 2 / remove 1 under partition: joint in force at %d ms, commit frozen at %d for %d ms while"
            + " joint without C_old's majority; C_new in force %d ms after both had one; %d acknowledged,"
            + " %d elections, removedAnswered=%d%n", jointAt, commitFrozenAt, 5 * MAX_ELECTION_MS, leftJointAfter,
        sim.stats.acknowledged, sim.stats.elections, sim.stats.removedAnswered);
  }

  // ---- 2. the leader crashes right after C_old,new commits ----

  @Test
  void leaderCrashesRightAfterTheJointConfigurationCommitsAndTheNewLeaderLeavesIt() {
    Simulation sim = new Simulation(302, Scenarios.membership(3, 1, true, true, 0), UnaryOperator.identity());
    sim.start(false);
    SimNode leader = awaitLeader(sim, 1000);
    commitOne(sim, leader, sim.live(), 500);
    List<SimNode> followers = others(sim, leader, 3);
    SimNode a = sim.nodes().get(3);
    sim.startSpare(a);

    Proposal change = propose(leader, ConfChange.newBuilder().addAddVoters(a.id).build());
    assertTrue(change.appended(), "refused: " + change);
    long joint = change.index();
    // From the first acknowledgement of C_old,new on, nothing the leader sends gets through: once it
    // learns the entry committed (and applies it, and appends C_new) no one hears of it.
    boolean[] cut = {false};
    boolean committed = sim.runUntilObserved(sim.queue().now() + 500, () -> leader.node.status().commit() >= joint, e -> {
      if (!cut[0] && e.node() == leader.index && e.detail() instanceof RaftMessage m && m.hasAppendEntriesResponse()
          && m.getAppendEntriesResponse().getSuccess() && m.getAppendEntriesResponse().getMatchIndex() >= joint) {
        cut[0] = true;
        for (int i = 0; i < sim.nodes().size(); i++) {
          if (i != leader.index) {
            sim.network().block(leader.index, i);
          }
        }
      }
    });
    assertTrue(committed && cut[0], "C_old,new did not commit:\n" + sim.describeNodes());
    boolean leaderAppendedCnew = leader.node.status().lastIndex() > joint
        && leader.node.entryAt(joint + 1).getType() == EntryType.CONFIG;
    // It had already applied C_old,new and appended C_new (auto-leave), which no one else received.
    assertTrue(leaderAppendedCnew, "the leader had not appended C_new");
    sim.crashNow(leader);
    sim.network().healAll();
    for (SimNode f : followers) {
      assertTrue(f.node.status().lastIndex() <= joint, "member " + f.index + " got an entry after C_old,new");
      assertTrue(f.node.status().commit() < joint, "member " + f.index + " learned that C_old,new committed");
    }

    SimNode newLeader = awaitLeader(sim, followers, 10 * MAX_ELECTION_MS);
    assertTrue(sim.runUntil(sim.queue().now() + 1000, () -> !ConfChanges.isJoint(newLeader.node.configuration())
        && newLeader.node.configuration().getVotersList().contains(a.id)), "the new leader stayed joint:\n"
        + sim.describeNodes());
    assertTrue(newLeader.node.counters().autoLeavesByNewLeader() > 0, "the joint configuration was not left by the new leader");
    assertEquals(0, newLeader.node.counters().jointEntered());
    assertEquals(1, newLeader.node.counters().jointLeft());
    List<SimNode> members = new ArrayList<>(followers);
    members.add(a);
    commitOne(sim, newLeader, members, 1000);

    sim.healAndCheckLiveness();  // the old leader restarts and catches up
    Set<Long> cNew = Set.of(leader.id, followers.get(0).id, followers.get(1).id, a.id);
    assertConfiguration(sim.leader().node.configuration(), cNew, Set.of(), Set.of());
    assertEquals(sim.leader().node.configuration(), leader.node.configuration(), "the restarted old leader's configuration");
    assertTrue(sim.stats.autoLeavesByNewLeader >= 1);
    System.out.printf("leader crash after C_old,new committed: joint at %d, the crashed leader's C_new lost;"
            + " member %d led next and left the joint configuration (autoLeavesByNewLeader=%d)%n", joint,
        newLeader.index, newLeader.node.counters().autoLeavesByNewLeader());
  }

  // ---- 3. a learner promoted; the leader crashes before the learner has the promotion ----

  @Test
  void promotedLearnerThatMissedItsPromotionStillVotesWhenTheLeaderCrashes() {
    Simulation sim = new Simulation(303, Scenarios.membership(3, 2, true, true, 0), UnaryOperator.identity());
    Scenarios.Links links = new Scenarios.Links(sim);
    sim.start(false);
    SimNode first = awaitLeader(sim, 1000);
    commitOne(sim, first, sim.live(), 500);
    SimNode a = sim.nodes().get(3);
    SimNode b = sim.nodes().get(4);
    sim.startSpare(a);
    sim.startSpare(b);

    // a and b join as learners and catch up.
    assertTrue(propose(first, ConfChange.newBuilder().addAddLearners(a.id).addAddLearners(b.id).build()).appended());
    assertTrue(sim.runUntil(sim.queue().now() + 1000, () -> !ConfChanges.isJoint(first.node.configuration())
        && first.node.configuration().getLearnersCount() == 2
        && a.applied >= first.node.status().commit() && a.node.configuration().getLearnersList().contains(a.id)),
        "the learners did not join:\n" + sim.describeNodes());
    commitOne(sim, first, sim.live(), 500);
    assertEquals(Role.FOLLOWER, a.node.status().role());

    // Learners never count toward commit: the leader and both learners (3 of the 5 members) commit nothing.
    List<SimNode> firstFollowers = others(sim, first, 3);
    links.disconnect(firstFollowers.get(0).index, firstFollowers.get(1).index);
    long commitBefore = first.node.status().commit();
    Proposal alone = sim.clients.proposeTo(first);
    assertTrue(alone.appended());
    assertTrue(sim.runUntil(sim.queue().now() + 500, () -> a.node.status().lastIndex() >= alone.index()
        && b.node.status().lastIndex() >= alone.index()));
    sim.runFor(50);
    assertEquals(commitBefore, first.node.status().commit(), "the leader committed with learners' acknowledgements");
    links.connectAll();
    SimNode leader = awaitLeader(sim, sim.live(), 10 * MAX_ELECTION_MS);
    commitOne(sim, leader, sim.live(), 500);
    List<SimNode> followers = others(sim, leader, 3);

    // It is promoted while cut off: the other voters apply the promotion, it never sees it.
    links.disconnect(a.index);
    Proposal promote = propose(leader, ConfChange.newBuilder().addPromoteLearners(a.id).build());
    assertTrue(promote.appended(), "refused: " + promote);
    assertEquals(1, leader.node.counters().learnerPromotions());
    assertTrue(sim.runUntil(sim.queue().now() + 500, () -> followers.stream()
        .allMatch(f -> f.node.configuration().getVotersList().contains(a.id))), "the promotion did not take effect:\n"
        + sim.describeNodes());
    assertTrue(a.node.status().lastIndex() < promote.index(), "the learner has the promotion entry");
    assertTrue(a.node.configuration().getLearnersList().contains(a.id));
    sim.crashNow(leader);

    // Every voter set in force now counts a: without its vote, the two others cannot elect anyone.
    sim.runFor(5 * MAX_ELECTION_MS);
    assertNull(sim.leader(), "a leader was elected without a majority of the voters:\n" + sim.describeNodes());

    // a comes back, still believing it is a learner: it must vote all the same.
    links.connectAll();
    long reconnected = sim.queue().now();
    List<SimNode> group = List.of(followers.get(0), followers.get(1), a, b);
    SimNode newLeader = awaitLeader(sim, group, 10 * MAX_ELECTION_MS);
    long electedAfter = sim.queue().now() - reconnected;
    assertTrue(followers.contains(newLeader) || newLeader == a);
    commitOne(sim, newLeader, group, 1000);
    assertTrue(a.node.configuration().getVotersList().contains(a.id), "a never learned of its promotion");

    sim.healAndCheckLiveness();
    assertConfiguration(sim.leader().node.configuration(),
        Set.of(leader.id, followers.get(0).id, followers.get(1).id, a.id), Set.of(b.id), Set.of());
    assertEquals(1, sim.stats.learnerPromotions);
    System.out.printf("promoted learner that missed the promotion: no leader for %d ms without it; leader elected %d ms"
        + " after it returned (member %d)%n", 5 * MAX_ELECTION_MS, electedAfter, newLeader.index);
  }

  // ---- 4. removing the leader ----

  @Test
  void removingTheLeaderHandsLeadershipToAMemberOfTheNewConfiguration() {
    Simulation sim = new Simulation(304, Scenarios.membership(3, 0, true, true, 0), UnaryOperator.identity());
    sim.start(false);
    SimNode leader = awaitLeader(sim, 1000);
    commitOne(sim, leader, sim.live(), 500);
    List<SimNode> followers = others(sim, leader, 3);
    long term = leader.node.status().term();

    Proposal change = propose(leader, ConfChange.newBuilder().addRemoveVoters(leader.id).build());
    assertTrue(change.appended(), "refused: " + change);
    long proposedAt = sim.queue().now();
    assertTrue(sim.runUntil(proposedAt + 1000, () -> leader.removed), "the leader never left:\n" + sim.describeNodes());
    assertFalse(leader.alive);
    assertEquals(1, leader.node.counters().leaderRemovals());
    assertTrue(leader.node.counters().transfersStarted() > 0, "the removed leader did not hand over");

    SimNode newLeader = awaitLeader(sim, followers, 2 * MAX_ELECTION_MS);
    long handedOverIn = sim.queue().now() - proposedAt;
    long newTerm = newLeader.node.status().term();
    long handedOver = newLeader.node.counters().transfersCompleted();
    long removedAnswered = removedAnswered(sim);
    assertTrue(followers.contains(newLeader));
    assertConfiguration(newLeader.node.configuration(), Set.of(followers.get(0).id, followers.get(1).id), Set.of(),
        Set.of(leader.id));
    commitOne(sim, newLeader, followers, 500);

    sim.healAndCheckLiveness();
    assertFalse(leader.alive, "the removed leader was restarted");
    assertEquals(1, sim.stats.leaderRemovals);
    assertEquals(1, sim.stats.membersRemoved);
    System.out.printf("leader removal: member %d removed, member %d leading in term %d (was %d) %d ms after the change"
            + " was proposed; transfersCompleted=%d, removedAnswered=%d%n", leader.index, newLeader.index, newTerm, term,
        handedOverIn, handedOver, removedAnswered);
    // The hand-over completed: the target campaigned on the TimeoutNow, at once, in the next term (rather
    // than the followers electing someone after an election timeout).
    assertTrue(handedOver > 0, "the hand-over did not complete: member " + newLeader.index + " was elected in term "
        + newTerm + " by an election timeout, " + handedOverIn + " ms after the change was proposed");
    assertEquals(term + 1, newTerm);
  }

  // ---- 5. a removed member that keeps timing out ----

  @Test
  void removedMemberThatKeepsTimingOutNeverRaisesTheClustersTerm() {
    // No pre-vote and no check-quorum: nothing but the Removed answer protects the cluster.
    Simulation sim = new Simulation(305, Scenarios.membership(3, 0, false, false, 0), UnaryOperator.identity());
    Scenarios.Links links = new Scenarios.Links(sim);
    sim.start(false);
    SimNode leader = awaitLeader(sim, 1000);
    commitOne(sim, leader, sim.live(), 500);
    SimNode kept = sim.nodes().get((leader.index + 1) % 3);
    SimNode out = sim.nodes().get((leader.index + 2) % 3);

    // out is removed while cut off: it never learns of it.
    links.disconnect(out.index);
    assertTrue(propose(leader, ConfChange.newBuilder().addRemoveVoters(out.id).build()).appended());
    assertTrue(sim.runUntil(sim.queue().now() + 1000, () -> !ConfChanges.isJoint(leader.node.configuration())
        && !ConfChanges.isJoint(kept.node.configuration())
        && kept.node.configuration().getRemovedList().contains(out.id)), "the removal did not take effect:\n"
        + sim.describeNodes());
    commitOne(sim, leader, List.of(leader, kept), 500);
    long term = leader.node.status().term();

    // It keeps timing out, campaigning in ever higher terms.
    long campaigns = out.node.counters().campaigns();
    sim.runFor(5 * MAX_ELECTION_MS);
    assertTrue(out.node.counters().campaigns() > campaigns);
    long outTerm = out.node.status().term();
    assertTrue(outTerm > term, "the removed member's term did not rise");
    assertTrue(out.alive && !out.removed);

    links.connectAll();
    assertTrue(sim.runUntil(sim.queue().now() + 5 * MAX_ELECTION_MS, () -> out.removed),
        "the removed member was never told:\n" + sim.describeNodes());
    assertFalse(out.alive);
    long answered = leader.node.counters().removedAnswered() + kept.node.counters().removedAnswered();
    assertTrue(answered > 0);
    sim.runFor(5 * MAX_ELECTION_MS);

    assertSame(leader, settledLeader(List.of(leader, kept)), "leadership changed:\n" + sim.describeNodes());
    assertEquals(term, leader.node.status().term(), "the removed member raised the leader's term");
    assertEquals(term, kept.node.status().term(), "the removed member raised a member's term");
    commitOne(sim, leader, List.of(leader, kept), 500);

    System.out.printf("removed member: reached term %d cut off, answered Removed %d time(s); the cluster's term"
        + " stayed %d for %d ms after it returned%n", outTerm, answered, term, 5 * MAX_ELECTION_MS);

    sim.healAndCheckLiveness();
    assertFalse(out.alive);
    assertConfiguration(sim.leader().node.configuration(), Set.of(leader.id, kept.id), Set.of(), Set.of(out.id));
  }

  // ---- 6. changes refused ----

  @Test
  void invalidChangesThrowWithAClearMessageAndASecondChangeWhileOneIsInProgressIsRefused() {
    Simulation sim = new Simulation(306, Scenarios.membership(3, 2, true, true, 0), UnaryOperator.identity());
    Scenarios.Links links = new Scenarios.Links(sim);
    sim.start(false);
    SimNode leader = awaitLeader(sim, 1000);
    commitOne(sim, leader, sim.live(), 500);
    SimNode f1 = sim.nodes().get((leader.index + 1) % 3);
    SimNode f2 = sim.nodes().get((leader.index + 2) % 3);
    SimNode a = sim.nodes().get(3);
    SimNode b = sim.nodes().get(4);
    sim.startSpare(a);

    // Pending (appended, not yet applied): a second change is refused and nothing is appended.
    links.disconnect(a.index, f2.index);  // C_new ({L, f1, f2, a}) has no majority: the change stays joint
    Proposal first = propose(leader, ConfChange.newBuilder().addAddVoters(a.id).build());
    assertTrue(first.appended());
    long last = leader.node.status().lastIndex();
    Proposal second = propose(leader, ConfChange.newBuilder().addAddLearners(b.id).build());
    assertEquals(Proposal.Refusal.CHANGE_IN_PROGRESS, second.refusal());
    assertEquals(last, leader.node.status().lastIndex());

    // Joint (C_old,new applied, C_new not yet committed): refused too.
    assertTrue(sim.runUntil(sim.queue().now() + 500, () -> ConfChanges.isJoint(leader.node.configuration())));
    assertEquals(Role.LEADER, leader.node.status().role());
    Proposal third = propose(leader, ConfChange.newBuilder().addAddLearners(b.id).build());
    assertEquals(Proposal.Refusal.CHANGE_IN_PROGRESS, third.refusal());
    links.connectAll();
    awaitLeader(sim, 10 * MAX_ELECTION_MS);
    assertTrue(sim.runUntil(sim.queue().now() + 2000, () -> sim.leader() != null
        && !ConfChanges.isJoint(sim.leader().node.configuration())), "still joint:\n" + sim.describeNodes());

    // Once done, the next change is accepted: remove f2.
    SimNode l3 = sim.leader();
    SimNode gone = l3 == f2 ? f1 : f2;
    Proposal removal = proposeWhenAccepted(sim, l3, ConfChange.newBuilder().addRemoveVoters(gone.id).build());
    assertTrue(removal.appended(), "refused: " + removal);
    assertTrue(sim.runUntil(sim.queue().now() + 1000, () -> gone.removed), "not removed:\n" + sim.describeNodes());
    assertTrue(sim.runUntil(sim.queue().now() + 1000, () -> sim.leader() != null
        && !ConfChanges.isJoint(sim.leader().node.configuration())));

    // Invalid changes throw, saying why, and change nothing.
    SimNode l4 = sim.leader();
    Configuration before = l4.node.configuration();
    long lastBefore = l4.node.status().lastIndex();
    SimNode voter = sim.live().stream().filter(n -> n != l4).findFirst().orElseThrow();
    assertInvalid(l4, ConfChange.newBuilder().addAddVoters(gone.id).build(), gone.id, "was removed: ids are never reused");
    assertInvalid(l4, ConfChange.newBuilder().addAddLearners(gone.id).build(), gone.id, "was removed: ids are never reused");
    assertInvalid(l4, ConfChange.newBuilder().addPromoteLearners(voter.id).build(), voter.id,
        "is not a learner: only learners are promoted");
    assertInvalid(l4, ConfChange.newBuilder().addPromoteLearners(b.id).build(), b.id, "is not a learner");
    assertInvalid(l4, ConfChange.newBuilder().addAddVoters(voter.id).build(), voter.id, "is already a member");
    assertInvalid(l4, ConfChange.newBuilder().addRemoveVoters(b.id).build(), b.id, "is not a member");
    assertEquals(before, l4.node.configuration());
    assertEquals(lastBefore, l4.node.status().lastIndex(), "an invalid change was appended");
    assertEquals(Role.LEADER, l4.node.status().role());

    // And a valid one still goes through.
    sim.startSpare(b);
    assertTrue(propose(l4, ConfChange.newBuilder().addAddLearners(b.id).build()).appended());
    assertTrue(sim.runUntil(sim.queue().now() + 1000, () -> !ConfChanges.isJoint(l4.node.configuration())
        && l4.node.configuration().getLearnersList().contains(b.id)));
    sim.healAndCheckLiveness();
    Set<Long> voters = new java.util.HashSet<>(Set.of(leader.id, f1.id, f2.id, a.id));
    voters.remove(gone.id);
    assertConfiguration(sim.leader().node.configuration(), voters, Set.of(b.id), Set.of(gone.id));
  }

  // ---- helpers ----

  private static Proposal propose(SimNode leader, ConfChange change) {
    Proposal p = leader.node.proposeConfigChange(change);
    leader.processor.drain();
    return p;
  }

  /** A new leader refuses changes until it has applied an entry of its own term: retries for a while. */
  private static Proposal proposeWhenAccepted(Simulation sim, SimNode leader, ConfChange change) {
    long deadline = sim.queue().now() + 1000;
    Proposal p = propose(leader, change);
    while (p.refusal() == Proposal.Refusal.CHANGE_IN_PROGRESS && sim.queue().now() < deadline) {
      sim.runFor(10);
      p = propose(leader, change);
    }
    return p;
  }

  /** The change throws IllegalArgumentException naming the member and saying what is wrong. */
  private static void assertInvalid(SimNode leader, ConfChange change, long member, String why) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> leader.node.proposeConfigChange(change));
    String expected = "member " + io.raftd.raft.MemberId.hex(member) + " " + why;
    assertTrue(e.getMessage() != null && e.getMessage().contains(expected),
        "message: " + e.getMessage() + "; expected: " + expected);
    leader.processor.drain();
  }

  private static void assertConfiguration(Configuration c, Set<Long> voters, Set<Long> learners, Set<Long> removed) {
    String shown = com.google.protobuf.TextFormat.shortDebugString(c);
    assertEquals(voters, Set.copyOf(c.getVotersList()), "voters of " + shown);
    assertEquals(voters.size(), c.getVotersCount(), shown);
    assertEquals(learners, Set.copyOf(c.getLearnersList()), "learners of " + shown);
    assertEquals(learners.size(), c.getLearnersCount(), shown);
    assertEquals(0, c.getOutgoingVotersCount(), "still joint: " + shown);
    assertEquals(removed, Set.copyOf(c.getRemovedList()), "removed of " + shown);
  }

  private static List<SimNode> others(Simulation sim, SimNode leader, int voters) {
    List<SimNode> out = new ArrayList<>();
    for (int i = 0; i < voters; i++) {
      if (i != leader.index) {
        out.add(sim.nodes().get(i));
      }
    }
    return out;
  }

  private static long maxCommit(Simulation sim) {
    return sim.live().stream().mapToLong(n -> n.node.status().commit()).max().orElseThrow();
  }

  private static long removedAnswered(Simulation sim) {
    long total = 0;
    for (SimNode n : sim.live()) {
      total += n.node.counters().removedAnswered();
    }
    return total;
  }
}
