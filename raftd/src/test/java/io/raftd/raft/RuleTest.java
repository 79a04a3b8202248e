package io.raftd.raft;

import static io.raftd.raft.Nodes.ack;
import static io.raftd.raft.Nodes.append;
import static io.raftd.raft.Nodes.appends;
import static io.raftd.raft.Nodes.config;
import static io.raftd.raft.Nodes.entries;
import static io.raftd.raft.Nodes.heartbeat;
import static io.raftd.raft.Nodes.heartbeatResp;
import static io.raftd.raft.Nodes.node;
import static io.raftd.raft.Nodes.only;
import static io.raftd.raft.Nodes.preVote;
import static io.raftd.raft.Nodes.preVoteResp;
import static io.raftd.raft.Nodes.reject;
import static io.raftd.raft.Nodes.requestVote;
import static io.raftd.raft.Nodes.timeoutNow;
import static io.raftd.raft.Nodes.terms;
import static io.raftd.raft.Nodes.to;
import static io.raftd.raft.Nodes.vote;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.proto.AppendEntries;
import io.raftd.proto.AppendEntriesResponse;
import io.raftd.proto.Entry;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.RequestVote;
import io.raftd.proto.RequestVoteResponse;
import io.raftd.raft.Nodes.Node;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One test per rule raftd adds to the paper: pre-vote, check-quorum and its lease, freeing a stuck
 * member, the follower's truncation and commit limits, flow control (probe, replicate, window, batches,
 * uncommitted bytes), dropped messages and the durability reports. Pre-vote and check-quorum are on.
 */
class RuleTest {

  // ---- pre-vote (thesis §9.6) ----

  @Test
  void timerFiringAsksForPreVotesForTheNextTermWithoutChangingTerm() {
    Node n = node(config(1), 2, 3, 1, 2);

    n.ticksUntilRoleChanges();
    Ready rd = n.ready();

    assertEquals(Role.PRE_CANDIDATE, n.role());
    assertEquals(2, n.term(), "the term is unchanged");
    assertEquals(3, n.status().votedFor(), "and so is the vote");
    assertNull(rd.hardState(), "nothing to persist");
    assertEquals(2, rd.messages().size());
    for (RaftMessage m : rd.messages()) {
      assertEquals(3, m.getTerm(), "asks for term + 1");
      RequestVote rv = m.getRequestVote();
      assertTrue(rv.getPreVote());
      assertEquals(2, rv.getLastLogIndex());
      assertEquals(2, rv.getLastLogTerm());
    }
  }

  @Test
  void preCandidateCampaignsOnceAMajorityGrantsItsPreVote() {
    Node n = node(config(1), 2, 0, 1, 2);
    n.raw.campaign();
    n.drain();

    n.raw.step(preVoteResp(2, 1, 3, true));
    Ready rd = n.ready();

    assertEquals(Role.CANDIDATE, n.role());
    assertEquals(3, n.term());
    assertEquals(1, n.status().votedFor());
    assertEquals(2, rd.messagesAfterPersist().size());
    for (RaftMessage m : rd.messagesAfterPersist()) {
      assertEquals(3, m.getTerm());
      assertFalse(m.getRequestVote().getPreVote(), "a real election now");
    }
  }

  @Test
  void preCandidateWithoutAMajorityKeepsItsTermAndReturnsToFollower() {
    Node n = node(config(1), 2, 0, 1, 2);
    n.raw.campaign();
    n.drain();

    n.deliver(preVoteResp(2, 1, 2, false));
    assertEquals(Role.PRE_CANDIDATE, n.role());
    n.deliver(preVoteResp(3, 1, 2, false));

    assertEquals(Role.FOLLOWER, n.role());
    assertEquals(2, n.term(), "a lost pre-vote disturbs no term");
    assertEquals(0, n.status().votedFor());
  }

  @Test
  void preVoteIsGrantedToAnUpToDateLogWhateverThisMemberVotedInItsTerm() {
    Node n = node(config(1), 2, 3, 1, 2);  // voted for 3 in term 2, no leader heard of

    Ready rd = n.ready(preVote(2, 1, 3, 2, 2));

    RaftMessage resp = only(rd.messages());
    assertTrue(resp.getRequestVoteResponse().getPreVote());
    assertTrue(resp.getRequestVoteResponse().getGranted());
    assertEquals(3, resp.getTerm(), "a grant carries the requested term");
    assertNull(rd.hardState(), "a pre-vote changes neither term nor vote");
    assertEquals(2, n.term());
    assertEquals(3, n.status().votedFor());
  }

  @Test
  void preVoteIsRefusedToALogThatIsNotUpToDate() {
    Node n = node(config(1), 2, 0, 1, 2);

    RaftMessage resp = only(n.deliver(preVote(2, 1, 3, 5, 1)));

    assertTrue(resp.getRequestVoteResponse().getPreVote());
    assertFalse(resp.getRequestVoteResponse().getGranted());
    assertEquals(2, resp.getTerm());
  }

  @Test
  void preVoteIsGrantedOnceAMinElectionTimeoutPassedWithoutTheLeader() {
    Node n = node(config(1), 2, 0, 1, 2);
    n.deliver(heartbeat(2, 1, 2, 0));
    n.tick(10);

    List<RaftMessage> sent = to(3, n.deliver(preVote(3, 1, 3, 2, 2)));

    RequestVoteResponse resp = only(sent).getRequestVoteResponse();
    assertTrue(resp.getPreVote());
    assertTrue(resp.getGranted());
  }

  // ---- check-quorum (thesis §6.2) and the leader lease (thesis §4.2.3) ----

  @Test
  void leaderThatHearsFromNoMajorityWithinAnElectionTimeoutStepsDown() {
    Node n = node(config(1), 0, 0);
    n.elect();

    n.tick(9);
    assertEquals(Role.LEADER, n.role());
    n.tick(1);

    assertEquals(Role.FOLLOWER, n.role());
    assertEquals(1, n.term(), "in the same term");
    assertEquals(1, n.raw.counters().checkQuorumStepDowns());
  }

  @Test
  void leaderThatHeardFromAMajorityStaysForOneMoreElectionTimeout() {
    Node n = node(config(1), 0, 0);
    n.elect();

    n.tick(5);
    n.deliver(heartbeatResp(2, 1, 1));
    n.tick(5);
    assertEquals(Role.LEADER, n.role(), "member 2 and itself are a majority");

    n.tick(10);
    assertEquals(Role.FOLLOWER, n.role(), "nobody answered in the next timeout");
  }

  @Test
  void preVoteWithinLeaseIsIgnoredWithoutReply() {
    Node n = node(config(1), 2, 0, 1, 2);
    n.deliver(heartbeat(2, 1, 2, 0));
    n.tick(9);

    n.raw.step(preVote(3, 1, 3, 2, 2));

    assertFalse(n.raw.hasReady(), "no reply");
    assertEquals(2, n.term());
    assertEquals(1, n.raw.counters().ignoredInLease());
  }

  @Test
  void voteWithinLeaseIsIgnoredWithoutTermChange() {
    Node n = node(config(1), 2, 0, 1, 2);
    n.deliver(heartbeat(2, 1, 2, 0));

    n.raw.step(vote(3, 1, 3, 2, 2));

    assertFalse(n.raw.hasReady(), "no reply, nothing to persist");
    assertEquals(2, n.term());
    assertEquals(0, n.status().votedFor());
    assertEquals(1, n.raw.counters().ignoredInLease());
  }

  @Test
  void voteWithTransferIsHonouredWithinLease() {
    Node n = node(config(1), 2, 0, 1, 2);
    n.deliver(heartbeat(2, 1, 2, 0));

    RaftMessage resp = only(n.deliver(requestVote(3, 1, 3, 2, 2, false, true)));

    assertTrue(resp.getRequestVoteResponse().getGranted());
    assertEquals(3, n.term());
    assertEquals(3, n.status().votedFor());
  }

  @Test
  void aTransferFlagAtATermThatIsNoHandOverWaivesNoLease() {
    Node n = node(config(1), 2, 0, 1, 2);
    n.deliver(heartbeat(2, 1, 2, 0));

    // A hand-over from our leader at term 2 campaigns at exactly 3; 1002 is no hand-over.
    n.raw.step(requestVote(3, 1, 1002, 1002, 1002, false, true));

    assertFalse(n.raw.hasReady(), "no reply, nothing to persist");
    assertEquals(2, n.term());
    assertEquals(0, n.status().votedFor());
    assertEquals(1, n.raw.counters().ignoredInLease());
  }

  @Test
  void aMessageBeyondTheHighestTermIsDroppedAndNeverAdopted() {
    Node n = node(config(1), 2, 0, 1, 2);

    n.raw.step(requestVote(3, 1, Long.MAX_VALUE, Long.MAX_VALUE, Long.MAX_VALUE, false, true));
    n.raw.step(heartbeat(2, 1, RawNode.MAX_TERM + 1, 0));

    assertFalse(n.raw.hasReady());
    assertEquals(2, n.term());
    assertEquals(2, n.raw.counters().droppedBeyondMaxTerm());
  }

  @Test
  void aMemberAtTheHighestTermStartsNoElection() {
    Node n = node(config(1), 2, 0, 1, 2);
    n.deliver(heartbeat(2, 1, RawNode.MAX_TERM, 0));  // the ceiling itself is a term like any other

    n.tick(100);

    assertEquals(RawNode.MAX_TERM, n.term());
    assertEquals(Role.FOLLOWER, n.role());
    assertEquals(0, n.raw.counters().campaigns());
  }

  @Test
  void aTimeoutNowFromAnyoneButTheLeaderStartsNoElection() {
    Node n = node(config(1), 2, 0, 1, 2);
    n.deliver(heartbeat(2, 1, 2, 0));

    n.raw.step(timeoutNow(3, 1, 2));

    assertFalse(n.raw.hasReady(), "no election");
    assertEquals(Role.FOLLOWER, n.role());
    assertEquals(2, n.term());
    assertEquals(1, n.raw.counters().timeoutNowIgnored());

    n.raw.step(timeoutNow(2, 1, 2));  // from the leader: a hand-over

    assertEquals(Role.CANDIDATE, n.role());
    assertEquals(3, n.term());
  }

  // ---- freeing a member stuck at a higher term ----

  @Test
  void lowerTermAppendEntriesIsAnsweredWithThisMembersTerm() {
    Node n = node(config(1), 5, 0, 1);

    RaftMessage resp = only(n.deliver(append(2, 1, 3, 1, 1, 0, entries(2, 3))));

    assertTrue(resp.hasAppendEntriesResponse());
    assertFalse(resp.getAppendEntriesResponse().getSuccess());
    assertEquals(5, resp.getTerm());
    assertEquals(2, resp.getTo());
    assertEquals(1, n.lastIndex(), "nothing appended");
    assertEquals(1, n.raw.counters().answeredStaleTerm());
  }

  @Test
  void lowerTermHeartbeatIsAnsweredWithThisMembersTerm() {
    Node n = node(config(1), 5, 0);

    RaftMessage resp = only(n.deliver(heartbeat(2, 1, 3, 0)));

    assertEquals(5, resp.getTerm());
    assertFalse(resp.getAppendEntriesResponse().getSuccess());
    assertEquals(0, n.status().leader(), "a stale leader is not adopted");
  }

  @Test
  void lowerTermPreVoteGetsAnExplicitRejection() {
    Node n = node(config(1), 5, 0);

    RaftMessage resp = only(n.deliver(preVote(2, 1, 4, 10, 4)));

    assertTrue(resp.getRequestVoteResponse().getPreVote());
    assertFalse(resp.getRequestVoteResponse().getGranted());
    assertEquals(5, resp.getTerm());
  }

  @Test
  void staleLeaderStepsDownOnAnAnswerCarryingAHigherTerm() {
    Node stuck = node(config(3), 5, 0);
    Node leader = node(config(1), 0, 0);
    leader.elect();

    RaftMessage answer = only(stuck.deliver(heartbeat(1, 3, 1, 0)));
    leader.deliver(answer);

    assertEquals(Role.FOLLOWER, leader.role());
    assertEquals(5, leader.term(), "the leader learned the stuck member's term");
    assertEquals(1, leader.raw.counters().steppedDownForHigherTerm());
  }

  @Test
  void preCandidateAdoptsTheHigherTermOfARejection() {
    Node n = node(config(1), 2, 0);
    n.raw.campaign();
    n.drain();

    n.deliver(preVoteResp(3, 1, 5, false));

    assertEquals(Role.FOLLOWER, n.role());
    assertEquals(5, n.term());
  }

  // ---- the follower's log and commit index ----

  @Test
  void followerDoesNotTruncateOnAShorterStaleAppendEntries() {
    Node n = node(config(1), 2, 0, 1, 1, 2, 2, 2);

    RaftMessage resp = only(n.deliver(append(2, 1, 2, 1, 1, 0, entries(2, 1, 2))));

    assertEquals(terms(1, 1, 2, 2, 2), n.logTerms(), "entries 4 and 5 stay");
    assertEquals(0, n.raw.truncations());
    assertTrue(resp.getAppendEntriesResponse().getSuccess());
    assertEquals(3, resp.getAppendEntriesResponse().getMatchIndex(), "acknowledges what it verified");
  }

  @Test
  void followerTruncatesAtARealConflict() {
    Node n = node(config(1), 2, 0, 1, 1, 2, 2, 2);

    n.deliver(append(2, 1, 3, 2, 1, 0, entries(3, 2, 3)));

    assertEquals(terms(1, 1, 2, 3), n.logTerms());
    assertEquals(1, n.raw.truncations());
  }

  @Test
  void followerCommitsNoFurtherThanTheLastIndexThisAppendEntriesVerified() {
    // Entries 3 to 5 come from an old leader: the new one may hold other entries there.
    Node n = node(config(1), 1, 0, 1, 1, 1, 1, 1);

    RaftMessage resp = only(n.deliver(append(2, 1, 2, 2, 1, 4, List.of())));

    assertEquals(2, n.status().commit(), "min(leader commit 4, verified index 2)");
    assertEquals(2, resp.getAppendEntriesResponse().getMatchIndex());
  }

  @Test
  void heartbeatCarriesTheLeaderCommitCappedAtTheFollowersMatch() {
    Node n = node(config(1), 0, 0);
    n.elect();
    n.deliver(ack(2, 1, 1, 1));  // 3 has acknowledged nothing
    assertEquals(1, n.status().commit());

    List<RaftMessage> sent = n.tick(1);

    assertEquals(1, only(to(2, sent)).getHeartbeat().getCommit());
    assertEquals(0, only(to(3, sent)).getHeartbeat().getCommit());
  }

  // ---- rejections and backtracking ----

  @Test
  void rejectionEchoesTheRejectedPrevIndex() {
    Node n = node(config(1), 1, 0, 1, 1);

    AppendEntriesResponse beyond = only(n.deliver(append(2, 1, 1, 7, 1, 0, List.of())))
        .getAppendEntriesResponse();
    AppendEntriesResponse mismatch = only(n.deliver(append(2, 1, 1, 2, 0, 0, List.of())))
        .getAppendEntriesResponse();

    assertFalse(beyond.getSuccess());
    assertEquals(7, beyond.getRejectedIndex());
    assertFalse(mismatch.getSuccess());
    assertEquals(2, mismatch.getRejectedIndex());
  }

  @Test
  void rejectionCarriesTheConflictHint() {
    Node n = node(config(1), 3, 0, 1, 1, 2, 2, 2);

    AppendEntriesResponse conflict = only(n.deliver(append(2, 1, 3, 5, 3, 0, List.of())))
        .getAppendEntriesResponse();
    AppendEntriesResponse beyond = only(n.deliver(append(2, 1, 3, 8, 3, 0, List.of())))
        .getAppendEntriesResponse();

    assertEquals(2, conflict.getHintTerm(), "its term at the prev index");
    assertEquals(3, conflict.getHintIndex(), "the first index it holds with that term");
    assertEquals(0, beyond.getHintTerm(), "its log ends before the prev index");
    assertEquals(6, beyond.getHintIndex(), "its last index + 1");
  }

  @Test
  void leaderSkipsTheFollowersWholeTermWhenItHasNoEntryOfThatTerm() {
    Node n = node(config(1), 3, 0, 1, 1, 3, 3, 3);
    n.elect();  // term 4, no-op at 6, first sent with prev 5

    // Member 2 holds terms 1 1 2 2 2: term 2 starts at 3, and the leader has no term 2.
    List<RaftMessage> sent = n.deliver(reject(2, 1, 4, 5, 2, 3));

    AppendEntries ae = only(to(2, sent)).getAppendEntries();
    assertEquals(2, ae.getPrevLogIndex());
    assertEquals(1, ae.getPrevLogTerm());
  }

  @Test
  void leaderSkipsToItsLastEntryOfTheHintTerm() {
    Node n = node(config(1), 3, 0, 1, 1, 1, 3, 3);
    n.elect();

    // Member 2 holds terms 1 1 1 1 1: the leader's last term-1 entry is 3.
    List<RaftMessage> sent = n.deliver(reject(2, 1, 4, 5, 1, 1));

    AppendEntries ae = only(to(2, sent)).getAppendEntries();
    assertEquals(3, ae.getPrevLogIndex());
    assertEquals(1, ae.getPrevLogTerm());
    assertEquals(List.of(4L, 5L, 6L), ae.getEntriesList().stream().map(Entry::getIndex).toList());
  }

  @Test
  void inProbeStateOnlyTheRejectionOfTheIndexJustProbedCounts() {
    Node n = node(config(1), 3, 0, 1, 1, 1, 3, 3);
    n.elect();  // probing member 2 with prev 5

    List<RaftMessage> stale = n.deliver(reject(2, 1, 4, 4, 0, 4));
    assertTrue(stale.isEmpty(), "a rejection of index 4 answers an older probe: " + stale);
    assertTrue(n.progress(2).startsWith("PROBE match=0 next=6"), n.progress(2));

    List<RaftMessage> sent = n.deliver(reject(2, 1, 4, 5, 0, 5));
    assertEquals(4, only(to(2, sent)).getAppendEntries().getPrevLogIndex());
  }

  @Test
  void inReplicateStateRejectionsAtOrBelowMatchAreIgnored() {
    Node n = node(config(1), 0, 0);
    n.electAndCatchUp();  // match 1 for member 2
    n.raw.propose(ByteString.copyFrom(new byte[] {1}));
    n.raw.propose(ByteString.copyFrom(new byte[] {2}));
    n.drain();

    assertTrue(n.deliver(reject(2, 1, 1, 1, 0, 0)).isEmpty());
    assertTrue(n.progress(2).startsWith("REPLICATE match=1 next=4"), n.progress(2));

    List<RaftMessage> sent = n.deliver(reject(2, 1, 1, 2, 1, 2));
    assertTrue(n.progress(2).startsWith("PROBE match=1"), n.progress(2));
    AppendEntries ae = only(to(2, sent)).getAppendEntries();
    assertEquals(1, ae.getPrevLogIndex(), "resumes right after the match");
    assertEquals(2, ae.getEntriesCount());
  }

  // ---- flow control ----

  @Test
  void pipelinedAppendEntriesStayWithinTheInflightWindow() {
    Node n = node(config(1).maxInflight(2), 0, 0);
    n.electAndCatchUp();

    n.raw.propose(ByteString.copyFrom(new byte[] {1}));
    List<RaftMessage> first = to(2, n.drain());
    n.raw.propose(ByteString.copyFrom(new byte[] {2}));
    List<RaftMessage> second = to(2, n.drain());
    n.raw.propose(ByteString.copyFrom(new byte[] {3}));
    List<RaftMessage> third = to(2, n.drain());

    assertEquals(2, only(first).getAppendEntries().getEntries(0).getIndex(), "pipelined without waiting");
    assertEquals(3, only(second).getAppendEntries().getEntries(0).getIndex());
    assertTrue(third.isEmpty(), "the window of 2 is full");
    assertTrue(n.raw.counters().inflightWindowFull() > 0);

    List<RaftMessage> afterAck = appends(to(2, n.deliver(ack(2, 1, 1, 2))));
    AppendEntries ae = only(afterAck).getAppendEntries();
    assertEquals(3, ae.getPrevLogIndex(), "one slot freed: the next entry goes");
    assertEquals(4, ae.getEntries(0).getIndex());
  }

  @Test
  void aWindowThatAcknowledgesNothingForAnElectionTimeoutIsResentFromTheMatch() {
    Node n = node(config(1).maxInflight(4), 0, 0);
    n.electAndCatchUp();
    n.raw.propose(ByteString.copyFrom(new byte[] {1}));
    n.raw.propose(ByteString.copyFrom(new byte[] {2}));
    n.drain();  // both AppendEntries to member 2 are lost
    assertTrue(n.progress(2).startsWith("REPLICATE match=1"), n.progress(2));

    // Member 3 keeps acknowledging, so the leader keeps its quorum; member 2 only answers heartbeats.
    n.deliver(ack(3, 1, 1, 3));
    List<RaftMessage> resent = List.of();
    for (int tick = 0; tick < 2 * 10 && resent.isEmpty(); tick++) {
      n.deliver(heartbeatResp(2, 1, 1), heartbeatResp(3, 1, 1));
      resent = appends(to(2, n.tick(1)));
    }

    AppendEntries ae = only(resent).getAppendEntries();
    assertEquals(1, ae.getPrevLogIndex(), "resent from the first unacknowledged index");
    assertEquals(2, ae.getEntries(0).getIndex());
    assertTrue(n.progress(2).startsWith("PROBE match=1"), n.progress(2));
  }

  @Test
  void aWindowStillBeingAcknowledgedIsNotResent() {
    Node n = node(config(1).maxInflight(4), 0, 0);
    n.electAndCatchUp();
    long match = 1;
    for (int tick = 0; tick < 3 * 10; tick++) {
      n.raw.propose(ByteString.copyFrom(new byte[] {(byte) tick}));
      n.drain();
      // Member 2 acknowledges one entry behind: always something in flight, but progress every tick.
      n.deliver(ack(2, 1, 1, match), ack(3, 1, 1, match + 1));
      match++;
      assertTrue(n.progress(2).startsWith("REPLICATE"), "tick " + tick + ": " + n.progress(2));
      n.tick(1);
    }
  }

  @Test
  void appendEntriesBatchUpToTheByteLimitButCarryAtLeastOneEntry() {
    Node n = node(config(1).maxBatchBytes(12), 0, 0);
    n.elect();  // member 2 is probed with the no-op; no answer yet
    for (int i = 0; i < 3; i++) {
      n.raw.propose(ByteString.copyFrom(new byte[6]));
    }
    n.drain();

    List<RaftMessage> sent = appends(to(2, n.deliver(ack(2, 1, 1, 1))));
    assertEquals(List.of(2, 1), sent.stream().map(m -> m.getAppendEntries().getEntriesCount()).toList());

    n.raw.propose(ByteString.copyFrom(new byte[100]));
    AppendEntries big = only(to(2, n.drain())).getAppendEntries();
    assertEquals(1, big.getEntriesCount(), "an entry above the limit still goes, alone");
    assertEquals(100, big.getEntries(0).getData().size());
  }

  @Test
  void leaderRefusesProposalsBeyondTheUncommittedByteBoundNoopExempt() {
    Node n = node(config(1).maxUncommittedBytes(10), 0, 0);
    n.elect();  // the no-op is uncommitted

    assertTrue(n.raw.propose(ByteString.copyFrom(new byte[8])).appended());
    assertTrue(n.raw.propose(ByteString.copyFrom(new byte[2])).appended(), "exactly at the bound");
    Proposal refused = n.raw.propose(ByteString.copyFrom(new byte[1]));
    n.drain();

    assertEquals(Proposal.Refusal.TOO_MUCH_UNCOMMITTED, refused.refusal());
    assertEquals(3, n.lastIndex(), "nothing appended");
    assertEquals(1, n.raw.counters().proposalsDropped());

    n.deliver(ack(2, 1, 1, 3));
    assertEquals(3, n.status().commit());
    assertTrue(n.raw.propose(ByteString.copyFrom(new byte[10])).appended(), "committing freed the budget");
  }

  @Test
  void leaderRefusesAnEntryOverTheLargestEntryAndAppendsUpToIt() {
    Node n = node(config(1).maxEntryBytes(100), 0, 0);
    n.elect();
    long before = n.lastIndex();

    assertTrue(n.raw.propose(ByteString.copyFrom(new byte[99])).appended(), "one under the limit");
    assertTrue(n.raw.propose(ByteString.copyFrom(new byte[100])).appended(), "exactly at the limit");
    Proposal refused = n.raw.propose(ByteString.copyFrom(new byte[101]));
    n.drain();

    assertEquals(Proposal.Refusal.TOO_LARGE, refused.refusal());
    assertEquals(before + 2, n.lastIndex(), "the one over the limit is not appended");
    assertEquals(1, n.raw.counters().proposalsDropped());
  }

  // ---- messages that are dropped ----

  @Test
  void staleTermMessagesAreDroppedAndCounted() {
    Node n = node(config(1), 5, 0);

    n.raw.step(vote(2, 1, 4, 10, 4));
    n.raw.step(heartbeatResp(2, 1, 3));

    assertFalse(n.raw.hasReady());
    assertEquals(5, n.term());
    assertEquals(2, n.raw.counters().droppedStaleTerm());
  }

  @Test
  void messagesForAnotherClusterAreDroppedAndCounted() {
    Node n = node(config(1), 1, 0);

    n.raw.step(append(2, 1, 9, 0, 0, 0, entries(1, 9)).toBuilder().setClusterId(Nodes.CLUSTER + 1).build());

    assertFalse(n.raw.hasReady());
    assertEquals(1, n.term());
    assertEquals(0, n.lastIndex());
    assertEquals(1, n.raw.counters().droppedWrongCluster());
  }

  @Test
  void answersFromUnknownMembersOrMessagesForAnotherMemberAreDroppedAndCounted() {
    Node n = node(config(1), 1, 0);

    n.raw.step(heartbeatResp(9, 1, 1));  // 9 is no member: we never asked it anything
    n.raw.step(vote(2, 3, 7, 10, 7));  // addressed to 3

    assertFalse(n.raw.hasReady());
    assertEquals(1, n.term());
    assertEquals(2, n.raw.counters().droppedUnknownMember());
  }

  @Test
  void requestsFromAMemberNotYetKnownAreHeard() {
    // A member added after the configuration this one has applied may lead before this one learns of it.
    Node n = node(config(1), 1, 0);

    n.raw.step(append(9, 1, 2, 0, 0, 0, entries(1, 2)));

    assertEquals(2, n.term());
    assertEquals(9, n.status().leader());
    assertEquals(1, n.lastIndex());
    assertEquals(0, n.raw.counters().droppedUnknownMember());
  }


  // ---- durability reports ----

  @Test
  void onPersistedIsIgnoredWhenALaterTermOverwroteTheEntry() {
    Node n = node(config(1), 1, 0, 1);
    Ready first = n.ready(append(2, 1, 1, 1, 1, 0, entries(2, 1, 1)));
    Ready second = n.ready(append(3, 1, 2, 1, 1, 0, entries(2, 2, 2)));
    assertEquals(2, second.entries().get(0).getIndex(), "the second Ready replaces entries 2 and 3");

    n.disk.append(first.entries());
    n.raw.onPersisted(3, 1);

    assertEquals(1, n.raw.counters().persistedIgnored());
    assertEquals(1, n.status().persisted(), "entry 3 of term 1 is no longer in the log");

    n.persist(second);
    assertEquals(3, n.status().persisted());
  }

  @Test
  void leaderCountsItselfTowardCommitOnlyThroughOnPersisted() {
    Node n = node(config(1), 0, 0);
    n.electAndCatchUp();
    n.raw.propose(ByteString.copyFrom(new byte[] {1}));
    Ready rd = n.ready();  // handed out, not yet durable

    n.raw.step(ack(2, 1, 1, 2));
    assertEquals(1, n.status().commit(), "one follower alone is no majority");

    n.persist(rd);
    assertEquals(2, n.status().commit(), "the leader's own durable copy completes the majority");
  }

  @Test
  void unreachableFollowerInReplicateIsProbedAgain() {
    Node n = node(config(1), 0, 0);
    n.electAndCatchUp();

    n.raw.onUnreachable(2);

    assertTrue(n.progress(2).startsWith("PROBE match=1 next=2"), n.progress(2));
  }
}
