package io.raftd.raft;

import static io.raftd.raft.Nodes.ack;
import static io.raftd.raft.Nodes.append;
import static io.raftd.raft.Nodes.appends;
import static io.raftd.raft.Nodes.entries;
import static io.raftd.raft.Nodes.entry;
import static io.raftd.raft.Nodes.exchange;
import static io.raftd.raft.Nodes.heartbeat;
import static io.raftd.raft.Nodes.node;
import static io.raftd.raft.Nodes.only;
import static io.raftd.raft.Nodes.paperConfig;
import static io.raftd.raft.Nodes.reject;
import static io.raftd.raft.Nodes.terms;
import static io.raftd.raft.Nodes.to;
import static io.raftd.raft.Nodes.vote;
import static io.raftd.raft.Nodes.voteResp;
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
import io.raftd.raft.Nodes.Node;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * One test per rule of the extended Raft paper (Figure 2 and §5, §8), with pre-vote and check-quorum
 * off so that only the paper's rules are in play. Members are 1, 2 and 3; each test sets one member up,
 * steps it, and checks what the rule dictates.
 */
class PaperTest {

  // ---- §5.1 terms ----

  @Test
  void higherTermMakesLeaderAFollowerOfThatTerm() {
    Node n = node(paperConfig(1), 0, 0);
    n.elect();
    assertEquals(1, n.term());

    n.deliver(Nodes.reject(2, 1, 5, 0, 0, 0));

    assertEquals(Role.FOLLOWER, n.role());
    assertEquals(5, n.term());
    assertEquals(0, n.status().votedFor());
  }

  @Test
  void higherTermMakesCandidateAFollowerOfThatTerm() {
    Node n = node(paperConfig(1), 0, 0);
    n.raw.campaign();
    n.drain();

    n.deliver(voteResp(2, 1, 4, false));

    assertEquals(Role.FOLLOWER, n.role());
    assertEquals(4, n.term());
  }

  @Test
  void requestWithStaleTermIsRejected() {
    Node n = node(paperConfig(1), 3, 0, 1, 1);

    List<RaftMessage> sent = n.deliver(
        vote(2, 1, 2, 10, 2),
        append(2, 1, 2, 2, 1, 0, entries(3, 2)));

    assertTrue(sent.stream().noneMatch(m -> m.hasRequestVoteResponse() && m.getRequestVoteResponse().getGranted()));
    assertEquals(3, n.term());
    assertEquals(0, n.status().votedFor());
    assertEquals(2, n.lastIndex(), "a stale AppendEntries appends nothing");
    // Figure 2: the stale AppendEntries is answered false with the current term, so its sender steps down.
    RaftMessage answer = sent.stream().filter(RaftMessage::hasAppendEntriesResponse).findFirst().orElseThrow();
    assertFalse(answer.getAppendEntriesResponse().getSuccess());
    assertEquals(3, answer.getTerm());
    assertEquals(1, n.raw.counters().answeredStaleTerm());
    assertEquals(1, n.raw.counters().droppedStaleTerm(), "the stale vote request is dropped");
  }

  // ---- §5.2 leader election ----

  @Test
  void followerStartsElectionWhenItsTimerFires() {
    Node n = node(paperConfig(1), 1, 0, 1, 1);

    int ticks = n.ticksUntilRoleChanges();

    assertTrue(ticks >= 10 && ticks < 20, "election timeout in [10, 20): " + ticks);
    assertEquals(Role.CANDIDATE, n.role());
    assertEquals(2, n.term(), "a candidate increments its term");
    assertEquals(1, n.status().votedFor(), "and votes for itself");
    List<RaftMessage> sent = n.drain();
    assertEquals(Set.of(2L, 3L), Set.copyOf(sent.stream().map(RaftMessage::getTo).toList()));
    for (RaftMessage m : sent) {
      assertEquals(2, m.getTerm());
      RequestVote rv = m.getRequestVote();
      assertFalse(rv.getPreVote());
      assertEquals(2, rv.getLastLogIndex());
      assertEquals(1, rv.getLastLogTerm());
    }
  }

  @Test
  void electionTimeoutsAreRandomizedWithinOneToTwoTimeouts() {
    Set<Integer> timeouts = new HashSet<>();
    for (long seed = 1; seed <= 20; seed++) {
      Node n = node(paperConfig(1).seed(seed), 0, 0);
      int ticks = n.ticksUntilRoleChanges();
      assertTrue(ticks >= 10 && ticks < 20, "seed " + seed + ": " + ticks);
      timeouts.add(ticks);
    }
    assertTrue(timeouts.size() > 1, "timeouts differ between members: " + timeouts);
  }

  @Test
  void heartbeatFromLeaderResetsTheElectionTimer() {
    int timeout = node(paperConfig(1), 1, 0).ticksUntilRoleChanges();
    Node n = node(paperConfig(1), 1, 0);  // same seed, so the same timeout

    n.tick(timeout - 1);
    n.deliver(heartbeat(2, 1, 1, 0));
    n.tick(timeout - 1);
    assertEquals(Role.FOLLOWER, n.role(), "a heartbeat restarted the timer");

    n.tick(1);
    assertEquals(Role.CANDIDATE, n.role(), "a full timeout after the heartbeat, the timer fires");
  }

  @Test
  void grantingAVoteResetsTheElectionTimer() {
    int timeout = node(paperConfig(1), 1, 0).ticksUntilRoleChanges();
    Node n = node(paperConfig(1), 1, 0);

    n.tick(timeout - 1);
    List<RaftMessage> sent = n.deliver(vote(2, 1, 1, 0, 0));
    assertTrue(only(sent).getRequestVoteResponse().getGranted());
    n.tick(timeout - 1);
    assertEquals(Role.FOLLOWER, n.role(), "granting a vote restarted the timer");

    n.tick(1);
    assertEquals(Role.CANDIDATE, n.role());
  }

  @Test
  void candidateWithVotesFromAMajorityBecomesLeader() {
    Node n = node(paperConfig(1), 0, 0);
    n.raw.campaign();
    n.drain();
    assertEquals(Role.CANDIDATE, n.role(), "its own vote is not a majority of three");

    n.deliver(voteResp(2, 1, 1, true));

    assertEquals(Role.LEADER, n.role());
    assertEquals(1, n.status().leader());
  }

  @Test
  void candidateRejectedByAMajorityReturnsToFollower() {
    Node n = node(paperConfig(1), 0, 0);
    n.raw.campaign();
    n.drain();

    n.deliver(voteResp(2, 1, 1, false));
    assertEquals(Role.CANDIDATE, n.role(), "one rejection does not decide");
    n.deliver(voteResp(3, 1, 1, false));

    assertEquals(Role.FOLLOWER, n.role());
    assertEquals(1, n.term());
  }

  @Test
  void candidateHearingFromLeaderOfItsTermBecomesFollower() {
    Node n = node(paperConfig(1), 0, 0);
    n.raw.campaign();
    n.drain();

    List<RaftMessage> sent = n.deliver(append(2, 1, 1, 0, 0, 0, entries(1, 1)));

    assertEquals(Role.FOLLOWER, n.role());
    assertEquals(1, n.term());
    assertEquals(2, n.status().leader());
    assertTrue(only(sent).getAppendEntriesResponse().getSuccess(), "and handles the AppendEntries");
  }

  @Test
  void splitVoteLeadsToANewElectionInTheNextTerm() {
    Node n = node(paperConfig(1), 0, 0);
    n.raw.campaign();
    n.drain();
    assertEquals(1, n.term());

    List<RaftMessage> sent = new ArrayList<>();
    for (int i = 0; i < 20 && n.term() == 1; i++) {
      sent.addAll(n.tick(1));
    }

    assertEquals(Role.CANDIDATE, n.role());
    assertEquals(2, n.term());
    assertEquals(2, sent.stream().filter(m -> m.hasRequestVote() && m.getTerm() == 2).count());
  }

  @Test
  void votesAtMostOncePerTerm() {
    Node n = node(paperConfig(1), 0, 0);

    assertTrue(only(n.deliver(vote(2, 1, 1, 0, 0))).getRequestVoteResponse().getGranted());
    assertFalse(only(n.deliver(vote(3, 1, 1, 0, 0))).getRequestVoteResponse().getGranted(),
        "a second candidate of the same term is refused");
    assertTrue(only(n.deliver(vote(2, 1, 1, 0, 0))).getRequestVoteResponse().getGranted(),
        "a repeated request from the same candidate is granted again");
    assertEquals(2, n.status().votedFor());
    assertEquals(2, n.disk.hardState().getVotedFor(), "the vote is durable");
  }

  @Test
  void termVoteAndLogSurviveARestart() {
    Node n = node(paperConfig(1), 0, 0);
    n.deliver(vote(2, 1, 1, 0, 0), append(2, 1, 1, 0, 0, 0, entries(1, 1)));

    Node restarted = new Node(n.cfg, n.disk);

    assertEquals(1, restarted.term());
    assertEquals(2, restarted.status().votedFor());
    assertEquals(terms(1), restarted.logTerms());
    RaftMessage resp = only(restarted.deliver(vote(3, 1, 1, 1, 1)));
    assertFalse(resp.getRequestVoteResponse().getGranted(), "it voted in term 1 before the restart");
  }

  // ---- §5.4.1 election restriction ----

  @Test
  void votesOnlyForACandidateWhoseLogIsAtLeastAsUpToDate() {
    // The voter's log ends with (index 2, term 2).
    long[][] cases = {
        // lastLogIndex, lastLogTerm, granted (1) or not (0)
        {3, 1, 0},  // longer but older last term
        {1, 2, 0},  // same last term, shorter
        {2, 2, 1},  // same
        {3, 2, 1},  // same last term, longer
        {1, 3, 1},  // newer last term, shorter
    };
    for (long[] c : cases) {
      Node n = node(paperConfig(1), 2, 0, 1, 2);
      RaftMessage resp = only(n.deliver(vote(2, 1, 3, c[0], c[1])));
      assertEquals(c[2] == 1, resp.getRequestVoteResponse().getGranted(),
          "candidate log (" + c[0] + ", " + c[1] + ")");
      assertEquals(3, n.term(), "the higher term is adopted either way");
    }
  }

  // ---- §5.3 log replication: the leader ----

  @Test
  void newLeaderAppendsANoopOfItsTermAndSendsIt() {
    Node n = node(paperConfig(1), 1, 0, 1, 1);

    List<RaftMessage> sent = n.elect();

    Entry noop = n.raw.entryAt(3);
    assertTrue(Nodes.isNoop(noop));
    assertEquals(2, noop.getTerm());
    for (long peer : new long[] {2, 3}) {
      AppendEntries ae = only(to(peer, appends(sent))).getAppendEntries();
      assertEquals(2, ae.getPrevLogIndex());
      assertEquals(1, ae.getPrevLogTerm());
      assertEquals(List.of(noop), ae.getEntriesList());
    }
  }

  @Test
  void leaderSendsHeartbeatsEveryHeartbeatInterval() {
    Node n = node(paperConfig(1), 0, 0);
    n.elect();

    List<RaftMessage> sent = n.tick(1);

    assertEquals(2, sent.size());
    for (long peer : new long[] {2, 3}) {
      RaftMessage hb = only(to(peer, sent));
      assertTrue(hb.hasHeartbeat());
      assertEquals(1, hb.getTerm());
    }
  }

  @Test
  void leaderAppendsProposalAndReplicatesItAfterTheMatchingPrefix() {
    Node n = node(paperConfig(1), 0, 0);
    n.electAndCatchUp();

    Proposal p = n.raw.propose(ByteString.copyFrom(new byte[] {7}));
    List<RaftMessage> sent = n.drain();

    assertTrue(p.appended());
    assertEquals(2, p.index());
    assertEquals(1, p.term());
    for (long peer : new long[] {2, 3}) {
      AppendEntries ae = only(to(peer, appends(sent))).getAppendEntries();
      assertEquals(1, ae.getPrevLogIndex());
      assertEquals(1, ae.getPrevLogTerm());
      assertEquals(1, ae.getEntriesCount());
      assertEquals(n.raw.entryAt(2), ae.getEntries(0));
    }
  }

  @Test
  void leaderUpdatesMatchAndNextIndexOnSuccess() {
    Node n = node(paperConfig(1), 1, 0, 1, 1);
    n.elect();  // no-op at 3
    assertTrue(n.progress(2).startsWith("PROBE match=0 next=3"), n.progress(2));

    n.deliver(ack(2, 1, 2, 3));

    assertTrue(n.progress(2).startsWith("REPLICATE match=3 next=4"), n.progress(2));
  }

  @Test
  void leaderDecrementsNextIndexAfterRejectionAndRetries() {
    Node n = node(paperConfig(1), 1, 0, 1, 1, 1);
    n.elect();  // no-op at 4, first sent with prev 3

    // Member 2 holds only entries 1 and 2.
    List<RaftMessage> sent = n.deliver(reject(2, 1, 2, 3, 0, 3));

    AppendEntries ae = only(to(2, sent)).getAppendEntries();
    assertEquals(2, ae.getPrevLogIndex());
    assertEquals(1, ae.getPrevLogTerm());
    assertEquals(List.of(3L, 4L), ae.getEntriesList().stream().map(Entry::getIndex).toList());
  }

  @Test
  void leaderCommitsAnEntryOnceAMajorityStoresIt() {
    Node n = node(paperConfig(1), 0, 0);
    n.electAndCatchUp();
    n.raw.propose(ByteString.copyFrom(new byte[] {1}));
    n.drain();
    assertEquals(1, n.status().commit(), "stored on the leader alone");

    List<RaftMessage> sent = n.deliver(ack(2, 1, 1, 2));

    assertEquals(2, n.status().commit());
    assertEquals(2, n.applied.get(n.applied.size() - 1).getIndex(), "and the leader applies it");
    AppendEntries toThree = only(to(3, appends(sent))).getAppendEntries();
    assertEquals(2, toThree.getLeaderCommit(), "followers learn the commit index");
  }

  @Test
  void committingAnEntryCommitsEveryEntryBeforeIt() {
    Node n = node(paperConfig(1), 0, 0);
    n.electAndCatchUp();
    for (int i = 0; i < 3; i++) {
      n.raw.propose(ByteString.copyFrom(new byte[] {(byte) i}));
    }
    n.drain();

    n.deliver(ack(3, 1, 1, 4));

    assertEquals(4, n.status().commit());
    assertEquals(List.of(1L, 2L, 3L, 4L), n.applied.stream().map(Entry::getIndex).toList());
  }

  /** Figure 8: an entry of an earlier term is never committed by counting replicas. */
  @Test
  void leaderDoesNotCommitAnOldTermEntryByCountingReplicas() {
    Node n = node(paperConfig(1), 2, 0, 1, 2);
    n.elect();  // term 3, no-op at 3, durable on the leader
    assertEquals(3, n.term());

    n.deliver(ack(2, 1, 3, 2));
    assertEquals(0, n.status().commit(), "entry 2 (term 2) is on a majority but not committed");

    n.deliver(ack(2, 1, 3, 3));
    assertEquals(3, n.status().commit(), "the no-op of term 3 commits, and entry 2 with it");
  }

  @Test
  void leaderNeverOverwritesOrDeletesItsOwnEntries() {
    Node leader = node(paperConfig(1), 6, 0, 1, 1, 4, 4, 5, 6);
    // A follower with a longer log of older terms that the leader must overwrite on the follower only.
    Node follower = node(paperConfig(3), 3, 0, 1, 1, 2, 2, 3, 3, 3, 3);
    List<Long> before = leader.logTerms();

    leader.raw.campaign();
    exchange(Map.of(1L, leader, 3L, follower), leader.drain());

    assertEquals(Role.LEADER, leader.role());
    List<Long> expected = new ArrayList<>(before);
    expected.add(7L);
    assertEquals(expected, leader.logTerms(), "only the no-op was added");
    assertEquals(0, leader.raw.truncations());
    assertEquals(expected, follower.logTerms());
  }

  // ---- §5.3 log replication: the follower (AppendEntries receiver) ----

  @Test
  void followerRejectsAppendEntriesWhenItLacksThePrevEntry() {
    Node n = node(paperConfig(1), 2, 0, 1, 1, 2);

    RaftMessage resp = only(n.deliver(append(2, 1, 2, 4, 2, 0, entries(5, 2))));

    assertFalse(resp.getAppendEntriesResponse().getSuccess());
    assertEquals(2, resp.getTerm());
    assertEquals(3, n.lastIndex());
  }

  @Test
  void followerRejectsAppendEntriesWhenThePrevEntryHasAnotherTerm() {
    Node n = node(paperConfig(1), 2, 0, 1, 1, 2);

    RaftMessage resp = only(n.deliver(append(2, 1, 2, 3, 1, 0, entries(4, 2))));

    assertFalse(resp.getAppendEntriesResponse().getSuccess());
    assertEquals(terms(1, 1, 2), n.logTerms(), "the log is unchanged");
  }

  @Test
  void followerAppendsNewEntriesAfterAMatchingPrevEntry() {
    Node n = node(paperConfig(1), 1, 0, 1, 1);

    RaftMessage resp = only(n.deliver(append(2, 1, 1, 2, 1, 0, entries(3, 1, 1))));

    AppendEntriesResponse r = resp.getAppendEntriesResponse();
    assertTrue(r.getSuccess());
    assertEquals(4, r.getMatchIndex());
    assertEquals(terms(1, 1, 1, 1), n.logTerms());
    assertEquals(4, n.disk.lastIndex(), "acknowledged entries are durable");
  }

  @Test
  void followerDeletesAConflictingEntryAndAllThatFollowIt() {
    Node n = node(paperConfig(1), 1, 0, 1, 1, 1, 1);

    n.deliver(append(2, 1, 2, 2, 1, 0, entries(3, 2)));

    assertEquals(terms(1, 1, 2), n.logTerms());
    assertNull(n.raw.entryAt(4));
    assertEquals(1, n.raw.truncations());
    assertEquals(3, n.disk.lastIndex(), "the stored suffix is replaced too");
  }

  @Test
  void followerCommitIsMinOfLeaderCommitAndIndexOfLastNewEntry() {
    Node n = node(paperConfig(1), 1, 0);

    n.deliver(append(2, 1, 1, 0, 0, 5, entries(1, 1, 1)));
    assertEquals(2, n.status().commit(), "leader commit 5 > last new entry 2");

    n.deliver(append(2, 1, 1, 2, 1, 1, entries(3, 1)));
    assertEquals(2, n.status().commit(), "commit never decreases");

    n.deliver(append(2, 1, 1, 3, 1, 3, List.of()));
    assertEquals(3, n.status().commit());
  }

  @Test
  void followerAppliesCommittedEntriesInLogOrder() {
    Node n = node(paperConfig(1), 1, 0);

    n.deliver(append(2, 1, 1, 0, 0, 2, List.of(entry(1, 1, 1), entry(2, 1, 2), entry(3, 1, 3))));

    assertEquals(List.of(1L, 2L), n.applied.stream().map(Entry::getIndex).toList());
    assertEquals(2, n.status().applied());
  }

  // ---- Log Matching, end to end ----

  /** Figure 7: the leader brings a follower that lacks entries and one with extra entries into agreement. */
  @Test
  void leaderBringsEveryFollowerLogIntoAgreementWithItsOwn() {
    Node leader = node(paperConfig(1), 6, 0, 1, 1, 1, 4, 4, 5, 5, 6, 6, 6);
    Node lacking = node(paperConfig(2), 4, 0, 1, 1, 1, 4);
    Node extra = node(paperConfig(3), 3, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3);

    leader.raw.campaign();
    exchange(Map.of(1L, leader, 2L, lacking, 3L, extra), leader.drain());

    List<Long> expected = terms(1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7);
    assertEquals(Role.LEADER, leader.role());
    assertEquals(expected, leader.logTerms());
    assertEquals(expected, lacking.logTerms());
    assertEquals(expected, extra.logTerms());
    assertEquals(11, leader.status().commit());
    assertEquals(11, lacking.status().commit());
    assertEquals(11, extra.status().commit());
  }
}
