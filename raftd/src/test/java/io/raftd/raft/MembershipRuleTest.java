package io.raftd.raft;

import static io.raftd.raft.Nodes.ack;
import static io.raftd.raft.Nodes.append;
import static io.raftd.raft.Nodes.appends;
import static io.raftd.raft.Nodes.config;
import static io.raftd.raft.Nodes.configEntry;
import static io.raftd.raft.Nodes.configuration;
import static io.raftd.raft.Nodes.entries;
import static io.raftd.raft.Nodes.entry;
import static io.raftd.raft.Nodes.heartbeat;
import static io.raftd.raft.Nodes.heartbeatResp;
import static io.raftd.raft.Nodes.member;
import static io.raftd.raft.Nodes.node;
import static io.raftd.raft.Nodes.only;
import static io.raftd.raft.Nodes.paperConfig;
import static io.raftd.raft.Nodes.removed;
import static io.raftd.raft.Nodes.timeoutNow;
import static io.raftd.raft.Nodes.to;
import static io.raftd.raft.Nodes.vote;
import static io.raftd.raft.Nodes.voteResp;
import static io.raftd.raft.Nodes.voters;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.proto.AppendEntriesResponse;
import io.raftd.proto.ConfChange;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.EntryType;
import io.raftd.proto.HardState;
import io.raftd.proto.Member;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.RequestVoteResponse;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.raft.Nodes.Node;
import io.raftd.raft.confchange.ConfChanges;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One test per rule of membership changes by joint consensus (paper §6): every change goes through
 * C_old,new, joint decisions need both majorities, configurations take effect on apply, auto-leave, one
 * change at a time, learners, removal, and the hand-over by a leader that is not in C_new. Pre-vote and
 * check-quorum are on unless a test says otherwise; the cluster is {1, 2, 3} unless it says otherwise.
 */
class MembershipRuleTest {
  /** C_old = {1, 2, 3} → C_new = {1, 4, 5}, joint. */
  private static final Configuration JOINT = Configuration.newBuilder()
      .addAllVoters(List.of(1L, 4L, 5L)).addAllOutgoingVoters(List.of(1L, 2L, 3L)).build();
  /** Voters {1, 2, 3}, learner 4. */
  private static final Configuration WITH_LEARNER = voters().toBuilder().addLearners(4).build();
  /** Voters {1, 2, 3}, learners 4 and 5. */
  private static final Configuration WITH_LEARNERS = voters().toBuilder().addAllLearners(List.of(4L, 5L)).build();

  // ---- helpers ----

  private static List<Long> ids(long... ids) {
    return Arrays.stream(ids).boxed().toList();
  }

  private static ConfChange addVoters(long... ids) {
    return ConfChange.newBuilder().addAllAddVoters(ids(ids)).build();
  }

  private static ConfChange removeVoters(long... ids) {
    return ConfChange.newBuilder().addAllRemoveVoters(ids(ids)).build();
  }

  private static ConfChange promote(long... ids) {
    return ConfChange.newBuilder().addAllPromoteLearners(ids(ids)).build();
  }

  /** Leader 1 of term 1 in {1, 2, 3}; 2 and 3 acknowledged its no-op, which is committed and applied. */
  private static Node leader() {
    Node n = node(config(1), 0, 0);
    n.electAndCatchUp();
    return n;
  }

  /** Leader 1 of term 1 elected in {@link #JOINT} by 2 (of C_old) and 4 (of C_new); its no-op (1) is durable. */
  private static Node jointLeader(Config cfg) {
    Node n = new Node(cfg, new MemoryLogStorage(JOINT));
    n.raw.campaign();
    n.drain();
    n.deliver(voteResp(2, 1, 1, true), voteResp(4, 1, 1, true));
    assertEquals(Role.LEADER, n.role());
    return n;
  }

  private static Node jointLeader() {
    return jointLeader(config(1).preVote(false).build());
  }

  /** The configuration the CONFIG entry at {@code index} holds. */
  private static Configuration configAt(Node n, long index) {
    Entry e = n.raw.entryAt(index);
    assertNotNull(e, "no entry at " + index);
    assertEquals(EntryType.CONFIG, e.getType(), "entry " + index);
    return ConfChanges.parse(e);
  }

  /** Asserts that {@code change} is refused as CHANGE_IN_PROGRESS and nothing is appended. */
  private static void assertChangeRefused(Node n, ConfChange change) {
    long last = n.lastIndex();
    Proposal p = n.raw.proposeConfigChange(change);
    assertEquals(Proposal.Refusal.CHANGE_IN_PROGRESS, p.refusal());
    assertEquals(last, n.lastIndex());
  }

  /** Steps the messages, then carries out every Ready; returns the Readys. */
  private static List<Ready> run(Node n, RaftMessage... messages) {
    for (RaftMessage m : messages) {
      n.raw.step(m);
    }
    List<Ready> readys = new ArrayList<>();
    while (n.raw.hasReady()) {
      Ready rd = n.ready();
      n.persist(rd);
      n.apply(rd);
      readys.add(rd);
    }
    return readys;
  }

  private static List<Long> voteRequestsTo(List<RaftMessage> messages) {
    return messages.stream().filter(RaftMessage::hasRequestVote).map(RaftMessage::getTo).sorted().toList();
  }

  private static List<RaftMessage> timeoutNows(List<RaftMessage> messages) {
    return messages.stream().filter(RaftMessage::hasTimeoutNow).toList();
  }

  /** A member restarted on {@code disk} whose state machine has applied up to {@code applied}. */
  private static RawNode restarted(MemoryLogStorage disk, long applied) {
    return new RawNode(config(2).applied(applied).build(), disk);
  }

  // ---- every change goes C_old → C_old,new → C_new ----

  @Test
  void everyChangeEvenOfOneVoterIsProposedAsTheJointConfiguration() {
    Node adding = leader();
    Proposal p = adding.raw.proposeConfigChange(addVoters(4));

    assertTrue(p.appended());
    assertEquals(2, p.index());
    Configuration joint = configAt(adding, 2);
    assertEquals(ids(1, 2, 3, 4), joint.getVotersList(), "voters = C_new");
    assertEquals(ids(1, 2, 3), joint.getOutgoingVotersList(), "outgoing voters = C_old");
    assertEquals(1, adding.raw.counters().jointEntered());

    Node removing = leader();
    removing.raw.proposeConfigChange(removeVoters(3));
    Configuration joint2 = configAt(removing, 2);
    assertEquals(ids(1, 2), joint2.getVotersList());
    assertEquals(ids(1, 2, 3), joint2.getOutgoingVotersList());
    assertEquals(ids(3), joint2.getRemovedList());
  }

  // ---- joint decisions need both majorities ----

  @Test
  void whileJointACandidateWithTheVotesOfOneHalfOnlyDoesNotWin() {
    Node newHalf = member(paperConfig(1), JOINT);
    newHalf.raw.campaign();
    assertEquals(ids(2, 3, 4, 5), voteRequestsTo(newHalf.drain()), "every voter of both halves is asked");

    newHalf.deliver(voteResp(4, 1, 1, true), voteResp(5, 1, 1, true));
    assertEquals(Role.CANDIDATE, newHalf.role(), "all of C_new, but only itself of C_old");
    newHalf.deliver(voteResp(2, 1, 1, true));
    assertEquals(Role.LEADER, newHalf.role());

    Node oldHalf = member(paperConfig(1), JOINT);
    oldHalf.raw.campaign();
    oldHalf.drain();
    oldHalf.deliver(voteResp(2, 1, 1, true), voteResp(3, 1, 1, true));
    assertEquals(Role.CANDIDATE, oldHalf.role(), "all of C_old, but only itself of C_new");
  }

  @Test
  void whileJointAnEntryAcknowledgedByAMajorityOfCNewOnlyIsNotCommitted() {
    Node n = jointLeader();

    n.deliver(ack(4, 1, 1, 1), ack(5, 1, 1, 1));
    assertEquals(0, n.status().commit(), "all of C_new, but only the leader of C_old");

    n.deliver(ack(2, 1, 1, 1));
    assertEquals(1, n.status().commit());
  }

  @Test
  void whileJointCheckQuorumNeedsAMajorityOfBothHalves() {
    Node newHalf = jointLeader();
    Node both = jointLeader();
    newHalf.tick(5);
    both.tick(5);

    newHalf.deliver(heartbeatResp(4, 1, 1), heartbeatResp(5, 1, 1));
    both.deliver(heartbeatResp(4, 1, 1), heartbeatResp(2, 1, 1));
    newHalf.tick(5);
    both.tick(5);

    assertEquals(Role.FOLLOWER, newHalf.role(), "heard from all of C_new, but from no one else of C_old");
    assertEquals(1, newHalf.raw.counters().checkQuorumStepDowns());
    assertEquals(Role.LEADER, both.role());
  }

  // ---- a configuration takes effect on apply ----

  @Test
  void leaderPutsAConfigurationInForceWhenItsEntryIsHandedOutNotWhenAppended() {
    Node n = leader();
    n.raw.proposeConfigChange(addVoters(4));
    List<RaftMessage> sent = n.drain();
    assertEquals(voters(), n.raw.configuration(), "appended and durable: C_old is still in force");
    assertTrue(to(4, sent).isEmpty());

    n.raw.step(ack(2, 1, 1, 2));
    assertEquals(2, n.status().commit(), "counted by C_old: in C_old,new the leader and 2 are 2 of 4 new voters");
    Ready rd = n.raw.ready();
    assertEquals(List.of(EntryType.CONFIG), rd.committedEntries().stream().map(Entry::getType).toList());
    assertEquals(voters(), n.raw.configuration(), "committed but not yet handed out");

    n.raw.advance(rd);
    assertEquals(configAt(n, 2), n.raw.configuration());
  }

  @Test
  void followerPutsAConfigurationInForceWhenItAppliesItsEntry() {
    Node f = node(config(2), 0, 0);
    Configuration joint = ConfChanges.enterJoint(voters(), addVoters(4));

    f.deliver(append(1, 2, 1, 0, 0, 1, List.of(entry(1, 1), configEntry(2, 1, joint))));
    assertEquals(voters(), f.raw.configuration(), "appended, not committed");

    f.deliver(heartbeat(1, 2, 1, 2));
    assertEquals(joint, f.raw.configuration());
  }

  @Test
  void afterARestartTheConfigurationIsTheOneInForceAtTheAppliedIndexAlsoAfterCompaction() {
    Configuration joint = ConfChanges.enterJoint(voters(), addVoters(4));
    Configuration cNew = ConfChanges.leaveJoint(joint);
    MemoryLogStorage disk = new MemoryLogStorage(voters());
    disk.append(List.of(entry(1, 1), configEntry(2, 1, joint), configEntry(3, 1, cNew), entry(4, 1)));
    disk.setHardState(HardState.newBuilder().setTerm(1).setCommit(4).build());

    assertEquals(voters(), restarted(disk, 0).configuration());
    assertEquals(voters(), restarted(disk, 1).configuration());
    assertEquals(joint, restarted(disk, 2).configuration(), "C_new at 3 is committed but not applied");
    assertEquals(cNew, restarted(disk, 3).configuration());
    assertEquals(cNew, restarted(disk, 4).configuration());

    Node catchingUp = new Node(config(2).applied(2).build(), disk);
    catchingUp.drain();
    assertEquals(cNew, catchingUp.raw.configuration(), "once 3 is handed out again");

    disk.setSnapshot(SnapshotMetadata.newBuilder().setIndex(2).setTerm(1).setConfiguration(joint).build());
    disk.compact(2);
    assertEquals(joint, restarted(disk, 2).configuration(), "the compacted prefix's configuration");
    assertEquals(cNew, restarted(disk, 3).configuration());
  }

  // ---- auto-leave ----

  @Test
  void leaderProposesCNewAsSoonAsItAppliesCOldNew() {
    Node n = leader();
    n.raw.proposeConfigChange(addVoters(4));
    n.drain();

    n.deliver(ack(2, 1, 1, 2));

    Configuration cNew = configAt(n, 3);
    assertEquals(ids(1, 2, 3, 4), cNew.getVotersList());
    assertEquals(0, cNew.getOutgoingVotersCount());
    assertEquals(1, n.raw.counters().jointLeft());
    assertEquals(0, n.raw.counters().autoLeavesByNewLeader());

    n.deliver(ack(2, 1, 1, 3), ack(4, 1, 1, 3));
    assertEquals(cNew, n.raw.configuration());
  }

  @Test
  void leaderElectedWhileJointProposesCNewOnceItsNoopIsApplied() {
    Node n = jointLeader();
    assertEquals(1, n.lastIndex(), "only its no-op: nothing is proposed before it is applied");

    n.deliver(ack(2, 1, 1, 1), ack(4, 1, 1, 1));

    Configuration cNew = configAt(n, 2);
    assertEquals(ids(1, 4, 5), cNew.getVotersList());
    assertEquals(0, cNew.getOutgoingVotersCount());
    assertEquals(1, n.raw.counters().autoLeavesByNewLeader());
    assertEquals(1, n.raw.counters().jointLeft());
  }

  // ---- one change at a time ----

  @Test
  void secondChangeIsRefusedWhileTheFirstIsUnappliedOrJoint() {
    Node n = leader();
    assertTrue(n.raw.proposeConfigChange(addVoters(4)).appended());
    n.drain();
    assertChangeRefused(n, addVoters(5));

    n.raw.step(ack(2, 1, 1, 2));
    assertEquals(2, n.status().commit());
    assertChangeRefused(n, addVoters(5));  // committed, not yet handed out
    n.drain();
    assertTrue(ConfChanges.isJoint(n.raw.configuration()));
    assertChangeRefused(n, addVoters(5));

    n.deliver(ack(2, 1, 1, 3), ack(4, 1, 1, 3));
    assertFalse(ConfChanges.isJoint(n.raw.configuration()));
    assertTrue(n.raw.proposeConfigChange(addVoters(5)).appended());
  }

  @Test
  void changeIsRefusedWhileJointEvenWithNoConfigurationEntryUnapplied() {
    // Only a leader that does not leave (a deliberate bug) is joint with nothing pending: it isolates the rule.
    Node n = jointLeader(config(1).preVote(false).build().withBrokenVariant(BrokenVariant.NEW_LEADER_STAYS_JOINT));
    n.deliver(ack(2, 1, 1, 1), ack(4, 1, 1, 1));
    assertEquals(1, n.status().applied());
    assertEquals(JOINT, n.raw.configuration());

    assertChangeRefused(n, addVoters(6));
  }

  @Test
  void newLeaderAcceptsAChangeOnlyOnceItsNoopIsApplied() {
    Node n = node(config(1), 0, 0);
    n.elect();
    assertChangeRefused(n, addVoters(4));

    n.raw.step(ack(2, 1, 1, 1));
    assertEquals(1, n.status().commit());
    assertChangeRefused(n, addVoters(4));  // committed, not yet handed out
    n.drain();

    assertTrue(n.raw.proposeConfigChange(addVoters(4)).appended());
  }

  // ---- learners ----

  @Test
  void learnerIsSentTheLog() {
    Node n = member(config(1), WITH_LEARNER);

    assertFalse(appends(to(4, n.elect())).isEmpty());
    n.deliver(ack(4, 1, 1, 1));
    n.raw.propose(ByteString.copyFrom(new byte[] {7}));

    RaftMessage m = only(appends(to(4, n.drain())));
    assertEquals(2, m.getAppendEntries().getEntries(0).getIndex());
  }

  /**
   * A leader hands over to a learner it has promoted once the learner holds the whole log; the learner may
   * not yet know that the promotion committed, and a configuration takes effect only when it has. It once
   * ignored the TimeoutNow (it could not campaign yet), so the transfer timed out for nothing (issue 12).
   * Now it campaigns as soon as the promotion takes effect, within half an election timeout, and not after.
   */
  @Test
  void aHandOverThatArrivesBeforeThePromotionTakesEffectStartsTheElectionOnceItDoes() {
    Node n = learnerHoldingItsPromotion();
    n.raw.step(timeoutNow(1, 4, 1));
    assertTrue(voteRequestsTo(n.drain()).isEmpty(), "a learner campaigned");
    List<RaftMessage> sent = n.deliver(heartbeat(1, 4, 1, 1));  // the promotion committed: it takes effect
    assertEquals(ids(1, 2, 3), voteRequestsTo(sent), sent.toString());
    assertTrue(sent.stream().filter(RaftMessage::hasRequestVote).allMatch(m -> m.getRequestVote().getTransfer()),
        "the election was not the hand-over's");
    assertEquals(1, n.raw.counters().transfersAfterPromotion());
  }

  @Test
  void aHandOverWhosePromotionTakesEffectTooLateStartsNoElection() {
    Node n = learnerHoldingItsPromotion();
    n.raw.step(timeoutNow(1, 4, 1));
    n.tick(config(4).build().electionTicks / 2);  // the leader gives up on the transfer meanwhile
    assertTrue(voteRequestsTo(n.deliver(heartbeat(1, 4, 1, 1))).isEmpty(),
        "a hand-over the leader gave up on started an election");
    assertTrue(n.raw.configuration().getVotersList().contains(4L), "the promotion did not take effect");
    assertEquals(1, n.raw.counters().transfersNeverPromoted());
  }

  /** Learner 4 of leader 1 (term 1) holds the entry that promotes it, not yet known to be committed. */
  private static Node learnerHoldingItsPromotion() {
    Node n = member(config(4), WITH_LEARNER);
    n.deliver(append(1, 4, 1, 0, 0, 0, List.of(configEntry(1, 1, voters().toBuilder().addVoters(4).build()))));
    assertEquals(1, n.lastIndex());
    assertEquals(0, n.status().commit());
    return n;
  }

  @Test
  void learnerNeverCampaigns() {
    Node n = member(config(4), WITH_LEARNER);

    List<RaftMessage> sent = new ArrayList<>(n.tick(40));
    n.raw.campaign();
    sent.addAll(n.drain());
    sent.addAll(n.deliver(timeoutNow(1, 4, 0)));

    assertTrue(voteRequestsTo(sent).isEmpty(), sent.toString());
    assertEquals(Role.FOLLOWER, n.role());
    assertEquals(0, n.term());
    assertEquals(0, n.raw.counters().campaigns());
  }

  @Test
  void learnersCountTowardNoCommitQuorum() {
    Node n = member(config(1), WITH_LEARNERS);
    n.elect();

    n.deliver(ack(4, 1, 1, 1), ack(5, 1, 1, 1));
    assertEquals(0, n.status().commit(), "3 of 5 members hold it, but only 1 of 3 voters");

    n.deliver(ack(2, 1, 1, 1));
    assertEquals(1, n.status().commit());
  }

  @Test
  void learnersAreNotAskedForVotesAndTheirVotesDoNotCount() {
    Node n = member(paperConfig(1), WITH_LEARNERS);
    n.raw.campaign();
    assertEquals(ids(2, 3), voteRequestsTo(n.drain()));

    n.deliver(voteResp(4, 1, 1, true), voteResp(5, 1, 1, true));
    assertEquals(Role.CANDIDATE, n.role(), "3 of 5 members, but only 1 of 3 voters");

    n.deliver(voteResp(2, 1, 1, true));
    assertEquals(Role.LEADER, n.role());
  }

  // ---- every member answers RequestVote ----

  @Test
  void learnerAnswersRequestVoteByTheNormalRules() {
    MemoryLogStorage disk = new MemoryLogStorage(WITH_LEARNER);
    disk.append(entries(1, 1, 1));
    disk.setHardState(HardState.newBuilder().setTerm(1).build());
    Node learner = new Node(config(4).build(), disk);

    RequestVoteResponse stale = only(learner.deliver(vote(2, 4, 2, 1, 1))).getRequestVoteResponse();
    assertFalse(stale.getGranted(), "a log shorter than the learner's");

    RaftMessage grant = only(learner.deliver(vote(3, 4, 2, 2, 1)));
    assertEquals(3, grant.getTo());
    assertTrue(grant.getRequestVoteResponse().getGranted());
    assertEquals(3, learner.status().votedFor());
    assertEquals(2, learner.term());
  }

  @Test
  void newMemberWithNoConfigurationAnswersRequestVoteByTheNormalRules() {
    Node newcomer = member(config(4), Configuration.getDefaultInstance());

    RaftMessage grant = only(newcomer.deliver(vote(2, 4, 1, 0, 0)));

    assertTrue(grant.getRequestVoteResponse().getGranted());
    assertEquals(2, newcomer.status().votedFor());
  }

  // ---- promotion and invalid changes ----

  @Test
  void promotedLearnerCountsAsAVoterFromCOldNewOn() {
    Node n = member(config(1), WITH_LEARNER);
    n.electAndCatchUp();

    n.raw.proposeConfigChange(promote(4));
    Configuration joint = configAt(n, 2);
    assertEquals(ids(1, 2, 3, 4), joint.getVotersList());
    assertEquals(0, joint.getLearnersCount());
    assertEquals(1, n.raw.counters().learnerPromotions());
    n.drain();
    n.deliver(ack(2, 1, 1, 2));  // C_old commits C_old,new; C_new follows at 3
    assertEquals(3, n.lastIndex());

    n.deliver(ack(2, 1, 1, 3));
    assertEquals(2, n.status().commit(), "the leader and 2 are 2 of C_new's 4 voters: 4 votes already");
    n.deliver(ack(4, 1, 1, 3));
    assertEquals(3, n.status().commit());
  }

  // ---- learners promoted once caught up ----

  /** Voters {1, 2, 3}, learner 4 to promote once caught up. */
  private static final Configuration WITH_LEARNER_TO_PROMOTE = WITH_LEARNER.toBuilder().addAutoPromote(4).build();

  /** Leader 1 of {@link #WITH_LEARNER_TO_PROMOTE}, 2 and 3 caught up; caught up means within 5 entries for 3 ticks. */
  private static Node leaderWithLearnerToPromote() {
    Node n = member(config(1).catchUp(5, 3), WITH_LEARNER_TO_PROMOTE);
    n.electAndCatchUp();
    return n;
  }

  private static void proposeEntries(Node n, int count) {
    for (int i = 0; i < count; i++) {
      n.raw.propose(ByteString.copyFrom(new byte[] {(byte) i}));
    }
    n.drain();
  }

  @Test
  void aLearnerToPromoteIsPromotedOnceItHasStayedCaughtUpForTheConfiguredTicks() {
    Node n = leaderWithLearnerToPromote();
    n.deliver(ack(4, 1, 1, 1));

    n.tick(2);
    assertEquals(1, n.lastIndex(), "promoted before it had been caught up for 3 ticks");
    n.deliver(heartbeatResp(4, 1, 1));
    n.tick(1);

    Configuration joint = configAt(n, 2);
    assertEquals(ids(1, 2, 3, 4), joint.getVotersList());
    assertEquals(0, joint.getLearnersCount());
    assertEquals(0, joint.getAutoPromoteCount(), "a voter is no longer one to promote");
    assertEquals(1, n.raw.counters().autoPromotions());
  }

  @Test
  void aLearnerFurtherBehindThanTheMarginIsNotPromoted() {
    Node n = leaderWithLearnerToPromote();
    proposeEntries(n, 10);
    n.deliver(ack(2, 1, 1, 11), ack(3, 1, 1, 11), ack(4, 1, 1, 5));  // 6 behind the commit index
    n.tick(9);
    assertEquals(11, n.lastIndex(), "a learner 6 entries behind was promoted with a margin of 5");

    n.deliver(ack(4, 1, 1, 6));  // 5 behind: within the margin
    n.tick(1);  // a check-quorum
    n.deliver(heartbeatResp(2, 1, 1), heartbeatResp(3, 1, 1), heartbeatResp(4, 1, 1));
    n.tick(3);
    assertEquals(ids(1, 2, 3, 4), configAt(n, 12).getVotersList());
  }

  @Test
  void aLearnerThatStoppedAnsweringIsNotPromoted() {
    Node n = member(config(1).catchUp(5, 15), WITH_LEARNER_TO_PROMOTE);
    n.electAndCatchUp();
    n.deliver(ack(4, 1, 1, 1));
    n.tick(10);  // a check-quorum: 4 has not answered since
    n.deliver(heartbeatResp(2, 1, 1), heartbeatResp(3, 1, 1));
    n.tick(5);
    assertEquals(1, n.lastIndex(), "a learner that no longer answers was promoted");
    assertEquals(0, n.raw.counters().autoPromotions());
  }

  @Test
  void aLearnerAddedWithoutPromotionStaysALearner() {
    Node n = member(config(1).catchUp(5, 3), WITH_LEARNER);
    n.electAndCatchUp();
    n.deliver(ack(4, 1, 1, 1));
    n.tick(5);
    assertEquals(1, n.lastIndex());
  }

  @Test
  void aChangeCarriesTheAddedMembersAddressesAndTheirEntriesGoWithThem() {
    Member four = Member.newBuilder().setId(4).setName("four").setPeerAddress("10.0.0.4:7000").build();
    Configuration added = ConfChanges.enterJoint(voters(), ConfChange.newBuilder().addAddLearners(4)
        .addMembers(four).addAutoPromote(4).build());
    assertEquals(List.of(four), added.getMembersList());
    assertEquals(ids(4), added.getAutoPromoteList());

    Configuration removed = ConfChanges.enterJoint(ConfChanges.leaveJoint(added),
        removeVoters(4));
    assertEquals(0, removed.getMembersCount(), "a removed member's address stayed");
    assertEquals(0, removed.getAutoPromoteCount());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ConfChanges.enterJoint(voters(),
        ConfChange.newBuilder().addMembers(four).build()));
    assertTrue(e.getMessage().contains("does not add it"), e.getMessage());
  }

  @Test
  void invalidChangeThrowsWithAClearMessageAndAppendsNothing() {
    Node n = member(config(1), voters().toBuilder().addRemoved(9).build());
    n.electAndCatchUp();

    assertInvalid(n, promote(2), "not a learner");
    assertInvalid(n, addVoters(9), "was removed");
    assertInvalid(n, ConfChange.newBuilder().addAddVoters(4).addAddLearners(4).build(), "appears twice");
    assertInvalid(n, removeVoters(1, 2, 3), "no voter");

    assertEquals(1, n.lastIndex());
    assertEquals(0, n.raw.counters().jointEntered());
    assertTrue(n.raw.proposeConfigChange(addVoters(4)).appended(), "nothing was left pending");
  }

  private static void assertInvalid(Node n, ConfChange change, String says) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> n.raw.proposeConfigChange(change));
    assertTrue(e.getMessage().contains(says), () -> "message '" + e.getMessage() + "' should say '" + says + "'");
  }

  // ---- removal ----

  @Test
  void messagesFromARemovedMemberAreAnsweredWithRemovedAndNotProcessed() {
    Node n = member(config(1), configuration(1, 2).toBuilder().addRemoved(3).build());

    RaftMessage answer = only(n.deliver(vote(3, 1, 5, 9, 5)));
    assertTrue(answer.hasRemoved());
    assertEquals(3, answer.getTo());
    assertEquals(0, n.term(), "the vote request was not processed");
    assertEquals(0, n.status().votedFor());

    assertTrue(only(n.deliver(append(3, 1, 5, 0, 0, 1, List.of(entry(1, 5))))).hasRemoved());
    assertEquals(0, n.lastIndex());
    assertEquals(2, n.raw.counters().removedAnswered());
  }

  @Test
  void memberToldItWasRemovedReportsItOnce() {
    Node n = node(config(3), 1, 0);

    assertTrue(n.ready(removed(1, 3, 1)).removed());

    n.raw.step(removed(2, 3, 1));
    assertFalse(n.raw.hasReady(), "reported once");
  }

  @Test
  void memberApplyingTheConfigurationThatRemovedItReportsItOnce() {
    Node f = node(config(3), 0, 0);
    Configuration joint = ConfChanges.enterJoint(voters(), removeVoters(3));
    Configuration cNew = ConfChanges.leaveJoint(joint);

    List<Ready> jointApplied = run(f, append(1, 3, 1, 0, 0, 2,
        List.of(entry(1, 1), configEntry(2, 1, joint), configEntry(3, 1, cNew))));
    assertEquals(joint, f.raw.configuration());
    assertTrue(jointApplied.stream().noneMatch(Ready::removed), "an outgoing voter of C_old,new is a member");

    List<Ready> cNewApplied = run(f, heartbeat(1, 3, 1, 3));
    assertEquals(cNew, f.raw.configuration());
    assertEquals(1, cNewApplied.stream().filter(Ready::removed).count());

    assertTrue(run(f, heartbeat(1, 3, 1, 3)).stream().noneMatch(Ready::removed), "reported once");
  }

  @Test
  void memberRestartedAfterApplyingItsRemovalReportsIt() {
    Configuration joint = ConfChanges.enterJoint(voters(), removeVoters(3));
    MemoryLogStorage disk = new MemoryLogStorage(voters());
    disk.append(List.of(entry(1, 1), configEntry(2, 1, joint), configEntry(3, 1, ConfChanges.leaveJoint(joint))));
    disk.setHardState(HardState.newBuilder().setTerm(1).setCommit(3).build());
    // The host applied C_new, then crashed before it saw the Ready that reported the removal.
    Node n = new Node(config(3).applied(3).build(), disk);

    assertTrue(n.raw.hasReady());
    assertTrue(n.ready().removed());
    assertFalse(n.raw.hasReady());
  }

  @Test
  void candidateThatAppliesItsRemovalStopsCampaigningAndNeverLeads() {
    Configuration joint = ConfChanges.enterJoint(voters(), removeVoters(3));
    MemoryLogStorage disk = new MemoryLogStorage(voters());
    disk.append(List.of(entry(1, 1), configEntry(2, 1, joint), configEntry(3, 1, ConfChanges.leaveJoint(joint))));
    disk.setHardState(HardState.newBuilder().setTerm(1).setCommit(3).build());
    Node n = new Node(paperConfig(3).build(), disk);  // restarted having applied nothing: C_old in force
    n.raw.campaign();
    assertEquals(Role.CANDIDATE, n.role());

    List<Ready> readys = run(n);  // hands out 1 to 3: its removal takes effect
    assertTrue(readys.stream().anyMatch(Ready::removed));
    assertEquals(Role.FOLLOWER, n.role(), "no longer a voter");

    run(n, voteResp(1, 3, 2, true), voteResp(2, 3, 2, true));
    assertEquals(Role.FOLLOWER, n.role());
    assertTrue(n.tick(40).stream().noneMatch(RaftMessage::hasRequestVote));
  }

  @Test
  void removedIdsStayInTheConfigurationAfterFurtherChanges() {
    Node n = leader();
    n.raw.proposeConfigChange(removeVoters(3));
    n.drain();
    n.deliver(ack(2, 1, 1, 2));
    n.deliver(ack(2, 1, 1, 3));
    assertEquals(configuration(1, 2).toBuilder().addRemoved(3).build(), n.raw.configuration());

    n.raw.proposeConfigChange(addVoters(4));
    assertEquals(ids(3), configAt(n, 4).getRemovedList());
    n.drain();
    n.deliver(ack(2, 1, 1, 4));
    assertEquals(ids(3), configAt(n, 5).getRemovedList());
    assertEquals(ids(3), n.raw.configuration().getRemovedList());
  }

  // ---- a leader not in C_new hands over ----

  /**
   * Leader 1 proposed removing itself: C_old,new (2) is applied and C_new (3) appended; a proposal at 4.
   * 3 has acknowledged 4, 2 only 2: C_new is not yet committed.
   */
  private static Node removedLeader() {
    Node n = leader();
    n.raw.proposeConfigChange(removeVoters(1));
    n.drain();
    n.deliver(ack(2, 1, 1, 2), ack(3, 1, 1, 2));
    assertEquals(ids(2, 3), configAt(n, 3).getVotersList());
    n.raw.propose(ByteString.copyFrom(new byte[] {1}));
    n.drain();
    assertTrue(timeoutNows(n.deliver(ack(3, 1, 1, 4))).isEmpty());
    assertEquals(2, n.status().commit());
    return n;
  }

  @Test
  void leaderNotInCNewHandsLeadershipToTheMostUpToDateVoterOnceCNewIsApplied() {
    Node n = removedLeader();

    List<RaftMessage> sent = n.deliver(ack(2, 1, 1, 3));

    assertEquals(3, n.status().applied(), "C_new is applied");
    assertEquals(3, only(timeoutNows(sent)).getTo(), "3 holds 4, 2 only 3");
    assertEquals(1, n.raw.counters().leaderRemovals());
    assertEquals(1, n.raw.counters().transfersStarted());
  }

  @Test
  void leaderNotInCNewWhoseHandOverDoesNotCompleteStepsDown() {
    Node n = removedLeader();
    n.deliver(ack(2, 1, 1, 3));  // the TimeoutNow is lost

    n.tick(9);
    assertEquals(Role.LEADER, n.role());
    n.tick(1);

    assertEquals(Role.FOLLOWER, n.role());
    assertEquals(1, n.raw.counters().transfersAborted());
    assertTrue(n.tick(40).stream().noneMatch(RaftMessage::hasRequestVote), "and, no voter, never campaigns");
  }

  // ---- new members ----

  @Test
  void newMemberWithAnEmptyConfigurationHearsItsLeaderAndDoesNotCampaign() {
    Node n = member(config(4), Configuration.getDefaultInstance());
    assertTrue(n.tick(40).isEmpty(), "no campaign");

    AppendEntriesResponse probe = only(n.deliver(append(1, 4, 1, 2, 1, 2, List.of()))).getAppendEntriesResponse();
    assertFalse(probe.getSuccess());
    assertEquals(1, probe.getHintIndex(), "where its (empty) log ends");

    Configuration joint = ConfChanges.enterJoint(voters(), addVoters(4));
    RaftMessage ack = only(n.deliver(append(1, 4, 1, 0, 0, 2, List.of(entry(1, 1), configEntry(2, 1, joint)))));
    assertEquals(1, ack.getTo());
    assertTrue(ack.getAppendEntriesResponse().getSuccess());
    assertEquals(2, ack.getAppendEntriesResponse().getMatchIndex());
    assertEquals(joint, n.raw.configuration());
    assertEquals(0, n.raw.counters().campaigns());
  }

  @Test
  void leaderReplicatesToANewMemberOnceItsAdditionIsApplied() {
    Node n = leader();
    n.raw.proposeConfigChange(addVoters(4));
    List<RaftMessage> appended = n.drain();
    assertNull(n.progress(4));
    assertTrue(to(4, appended).isEmpty());

    List<RaftMessage> applied = n.deliver(ack(2, 1, 1, 2));

    assertNotNull(n.progress(4));
    assertFalse(appends(to(4, applied)).isEmpty());
  }

  @Test
  void leaderForgetsARemovedMemberOnceCNewIsApplied() {
    Node n = leader();
    n.raw.proposeConfigChange(removeVoters(3));
    n.drain();
    n.deliver(ack(2, 1, 1, 2));
    assertNotNull(n.progress(3), "an outgoing voter of C_old,new");

    n.deliver(ack(2, 1, 1, 3));

    assertNull(n.progress(3));
    n.raw.propose(ByteString.copyFrom(new byte[] {1}));
    List<RaftMessage> sent = new ArrayList<>(n.drain());
    sent.addAll(n.tick(2));
    assertTrue(to(3, sent).isEmpty(), sent.toString());
    assertTrue(only(n.deliver(heartbeatResp(3, 1, 1))).hasRemoved());
  }
}
