package io.raftd.raft;

import static io.raftd.raft.Nodes.ack;
import static io.raftd.raft.Nodes.append;
import static io.raftd.raft.Nodes.appends;
import static io.raftd.raft.Nodes.config;
import static io.raftd.raft.Nodes.configuration;
import static io.raftd.raft.Nodes.entries;
import static io.raftd.raft.Nodes.heartbeat;
import static io.raftd.raft.Nodes.installSnapshot;
import static io.raftd.raft.Nodes.member;
import static io.raftd.raft.Nodes.node;
import static io.raftd.raft.Nodes.only;
import static io.raftd.raft.Nodes.preVote;
import static io.raftd.raft.Nodes.reject;
import static io.raftd.raft.Nodes.snapshot;
import static io.raftd.raft.Nodes.timeoutNow;
import static io.raftd.raft.Nodes.to;
import static io.raftd.raft.Nodes.vote;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.AppendEntries;
import io.raftd.proto.AppendEntriesResponse;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.RaftMessage;
import io.raftd.raft.Nodes.Node;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The vote barrier of a member whose log an operator truncated ({@code raftctl wal repair}): it may have
 * acknowledged entries it no longer holds, so it neither votes nor campaigns until it has committed up to
 * the highest index it ever had, in a term at least the highest it had seen; and it rejoins a leader that
 * still believes it holds what it lost. One test per rule.
 */
class VoteBarrierRuleTest {
  /** Member 1 had entries up to 6 in term 3; its log was cut after 2 (terms 1 1). */
  private static Node barred() {
    return node(config(1).voteBarrier(3, 6), 3, 0, 1, 1);
  }

  @Test
  void aBarredMemberWithholdsPreVotesAndVotesItWouldOtherwiseGrant() {
    Node n = barred();
    assertEquals(6, n.status().voteBarrierIndex());

    RaftMessage pre = only(n.deliver(preVote(2, 1, 4, 2, 1)));
    RaftMessage real = only(n.deliver(vote(2, 1, 4, 2, 1)));

    assertTrue(pre.getRequestVoteResponse().getPreVote());
    assertFalse(pre.getRequestVoteResponse().getGranted(), "an up-to-date pre-vote is refused");
    assertFalse(real.getRequestVoteResponse().getGranted(), "and so is the real vote");
    assertEquals(4, n.term(), "a higher term is still adopted");
    assertEquals(0, n.status().votedFor(), "but no vote is cast in it");
    assertEquals(2, n.raw.counters().votesBarred());
  }

  @Test
  void aBarredMemberNeitherCampaignsOnItsTimerNorOnTimeoutNowNorOnRequest() {
    Node n = barred();

    List<RaftMessage> sent = n.tick(3 * n.cfg.electionTicks);
    n.deliver(heartbeat(2, 1, 3, 0));  // 2 leads: only its TimeoutNow is a hand-over at all
    sent.addAll(n.deliver(timeoutNow(2, 1, 3)));
    n.raw.campaign();
    sent.addAll(n.drain());

    assertTrue(sent.isEmpty(), "no (pre-)vote requests: " + sent);
    assertEquals(Role.FOLLOWER, n.role());
    assertEquals(3, n.term());
    assertEquals(0, n.raw.counters().campaigns());
    assertTrue(n.raw.counters().campaignsBarred() >= 3, "timer, TimeoutNow and request: "
        + n.raw.counters().campaignsBarred());
  }

  @Test
  void theBarrierLiftsOnceTheMemberHasCommittedUpToIt() {
    Node n = barred();
    List<Entry> lost = entries(3, 3, 3, 3, 3);  // 3..6

    n.deliver(append(2, 1, 3, 2, 1, 5, lost));
    assertEquals(5, n.status().commit());
    assertEquals(6, n.status().voteBarrierIndex(), "committed up to 5 only: still barred");

    n.raw.step(heartbeat(2, 1, 3, 6));
    Ready lifted = n.ready();
    assertEquals(0, n.status().voteBarrierIndex());
    assertTrue(lifted.voteBarrierLifted(), "the host is told, to delete its record");
    n.persist(lifted);
    assertFalse(n.raw.hasReady() && n.ready().voteBarrierLifted(), "and told once");

    n.tick(n.cfg.electionTicks * 3);
    assertTrue(n.raw.counters().campaigns() > 0, "it campaigns again once its leader is gone");
  }

  @Test
  void aCommitLearnedInATermBelowTheBarriersDoesNotLiftIt() {
    // Member 1 had seen term 5; a leader of term 4 (not yet deposed) gets it to commit past the index.
    Node n = node(config(1).voteBarrier(5, 4), 3, 0, 1, 1);

    n.deliver(append(2, 1, 4, 2, 1, 4, entries(3, 4, 4)));
    assertEquals(4, n.status().commit());
    assertEquals(4, n.status().voteBarrierIndex(), "it may have voted in term 5 before the truncation");

    n.deliver(heartbeat(3, 1, 5, 4));
    assertEquals(0, n.status().voteBarrierIndex(), "a leader of term 5 confirms the commit");
  }

  @Test
  void aSnapshotFromTheLeaderPastTheBarrierLiftsIt() {
    Node n = barred();

    n.deliver(installSnapshot(2, 1, 3, snapshot(8, 3)));

    assertEquals(8, n.status().commit());
    assertEquals(0, n.status().voteBarrierIndex());
  }

  @Test
  void aMemberThatCommittedPastItsBarrierBeforeARestartStartsWithoutIt() {
    // The host lifted the barrier, made that durable, and crashed before it deleted the barrier's record.
    MemoryLogStorage disk = new MemoryLogStorage(Nodes.voters());
    disk.append(entries(1, 1, 1, 3, 3, 3, 3));
    disk.setHardState(HardState.newBuilder().setTerm(3).setCommit(6).build());

    Node n = new Node(config(1).voteBarrier(3, 6).build(), disk);

    assertEquals(0, n.status().voteBarrierIndex());
    assertTrue(n.ready().voteBarrierLifted());
  }

  @Test
  void aSoleVoterHasNoOnesCommitmentsToProtectAndIsNotBarred() {
    Node n = member(config(1).voteBarrier(3, 6), configuration(1));

    assertEquals(0, n.status().voteBarrierIndex());
    n.tick(2 * n.cfg.electionTicks);
    assertEquals(Role.LEADER, n.role());
  }

  // ---- rejoining a leader that believes it holds what it lost ----

  @Test
  void aHeartbeatCommitBeyondTheLogIsCappedAtItsEndAndAnsweredWithWhereItEnds() {
    Node n = barred();

    List<RaftMessage> sent = n.deliver(heartbeat(2, 1, 3, 6));

    assertEquals(2, n.status().commit(), "what it kept is a prefix of what it acknowledged");
    assertTrue(sent.stream().anyMatch(RaftMessage::hasHeartbeatResponse), sent.toString());
    AppendEntriesResponse where = only(sent.stream().filter(RaftMessage::hasAppendEntriesResponse).toList())
        .getAppendEntriesResponse();
    assertFalse(where.getSuccess());
    assertEquals(6, where.getRejectedIndex(), "rejects the index the leader believes it holds");
    assertEquals(0, where.getHintTerm());
    assertEquals(3, where.getHintIndex(), "its log ends at 2");
  }

  @Test
  void aLeaderResumesFromWhereAFollowerThatLostAcknowledgedEntriesNowEnds() {
    Node n = node(config(1), 1, 0, 1, 1, 1, 1);
    n.elect();  // term 2, no-op at 5
    n.deliver(ack(2, 1, 2, 5));
    n.raw.onUnreachable(2);  // member 2 went down: probe from its match
    assertTrue(n.progress(2).startsWith("PROBE match=5 next=6"), n.progress(2));

    // Back with its log cut after 2, it rejects the index it had acknowledged.
    List<RaftMessage> sent = n.deliver(reject(2, 1, 2, 5, 0, 3));

    assertTrue(n.progress(2).startsWith("PROBE match=2 next=3"), n.progress(2));
    AppendEntries ae = only(appends(to(2, sent))).getAppendEntries();
    assertEquals(2, ae.getPrevLogIndex());
    assertEquals(List.of(3L, 4L, 5L), ae.getEntriesList().stream().map(Entry::getIndex).toList());
  }
}
