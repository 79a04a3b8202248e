package io.raftd.raft;

import static io.raftd.raft.Nodes.ack;
import static io.raftd.raft.Nodes.append;
import static io.raftd.raft.Nodes.config;
import static io.raftd.raft.Nodes.entries;
import static io.raftd.raft.Nodes.heartbeat;
import static io.raftd.raft.Nodes.node;
import static io.raftd.raft.Nodes.paperConfig;
import static io.raftd.raft.Nodes.to;
import static io.raftd.raft.Nodes.vote;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.proto.Entry;
import io.raftd.proto.RaftMessage;
import io.raftd.raft.Nodes.Node;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One test per clause of the Ready contract (see {@link Ready}), plus the rule for committed entries. */
class ReadyContractTest {

  private static List<Long> indexes(List<Entry> entries) {
    return entries.stream().map(Entry::getIndex).toList();
  }

  /** Clause 1: entries come in log order, and a Ready that starts at or below the stored end replaces the suffix. */
  @Test
  void clause1EntriesInOrderAndATruncationReplacesTheStoredSuffix() {
    Node n = node(config(1), 1, 0, 1, 1, 1);

    Ready a = n.ready(append(2, 1, 1, 3, 1, 0, entries(4, 1, 1)));
    Ready b = n.ready(append(2, 1, 1, 5, 1, 0, entries(6, 1)));
    assertEquals(List.of(4L, 5L), indexes(a.entries()));
    assertEquals(List.of(6L), indexes(b.entries()), "b continues where a ended");
    n.persist(a);
    n.persist(b);
    assertEquals(6, n.disk.lastIndex());

    Ready c = n.ready(append(3, 1, 2, 4, 1, 0, entries(5, 2)));
    assertEquals(List.of(5L), indexes(c.entries()), "starts below the stored end (6)");
    n.persist(c);

    assertEquals(5, n.disk.lastIndex(), "the stored suffix from 5 on was replaced");
    assertEquals(2, n.disk.term(5));
    assertEquals(5, n.lastIndex());
  }

  /** Clause 2: a Ready that changes term or vote holds every one of its messages until durable. */
  @Test
  void clause2NoMessageLeavesBeforeANewTermOrVoteIsDurable() {
    Node n = node(paperConfig(1), 1, 0);
    n.raw.step(heartbeat(2, 1, 1, 0));  // an answer that could leave at once ...
    n.raw.step(vote(3, 1, 2, 0, 0));    // ... until a new term and vote join the same Ready

    Ready rd = n.ready();

    assertEquals(2, rd.hardState().getTerm());
    assertEquals(3, rd.hardState().getVotedFor());
    assertTrue(rd.mustSync());
    assertTrue(rd.messages().isEmpty(), "nothing leaves at once: " + rd.messages());
    assertEquals(2, rd.messagesAfterPersist().size());
    assertTrue(rd.messagesAfterPersist().stream()
        .anyMatch(m -> m.hasRequestVoteResponse() && m.getRequestVoteResponse().getGranted()));
  }

  @Test
  void clause2CandidateAsksForVotesOnlyOnceItsTermAndSelfVoteAreDurable() {
    Node n = node(paperConfig(1), 0, 0);
    n.raw.campaign();

    Ready rd = n.ready();

    assertEquals(1, rd.hardState().getTerm());
    assertEquals(1, rd.hardState().getVotedFor());
    assertTrue(rd.messages().isEmpty());
    assertEquals(2, rd.messagesAfterPersist().stream().filter(RaftMessage::hasRequestVote).count());
  }

  /** Clause 3, leader side: its AppendEntries may leave before its own copy of the entries is durable. */
  @Test
  void clause3LeaderAppendEntriesLeaveAtOnce() {
    Node n = node(config(1), 0, 0);
    n.electAndCatchUp();
    n.raw.propose(ByteString.copyFrom(new byte[] {1}));

    Ready rd = n.ready();

    assertEquals(List.of(2L), indexes(rd.entries()));
    assertTrue(rd.messagesAfterPersist().isEmpty());
    for (long peer : new long[] {2, 3}) {
      RaftMessage m = Nodes.only(to(peer, rd.messages()));
      assertEquals(List.of(2L), indexes(m.getAppendEntries().getEntriesList()));
    }
    assertEquals(1, n.status().persisted(), "sent before the leader's own copy is durable");
  }

  /** Clause 3, follower side: an acknowledgement waits for the Ready's writes. */
  @Test
  void clause3FollowerAcknowledgesOnlyAfterItsWritesAreDurable() {
    Node n = node(config(1), 1, 0);

    Ready rd = n.ready(append(2, 1, 1, 0, 0, 0, entries(1, 1, 1)));

    assertEquals(List.of(1L, 2L), indexes(rd.entries()));
    assertTrue(rd.messages().isEmpty());
    RaftMessage ackMsg = Nodes.only(rd.messagesAfterPersist());
    assertTrue(ackMsg.getAppendEntriesResponse().getSuccess());
    assertEquals(2, ackMsg.getAppendEntriesResponse().getMatchIndex());
  }

  @Test
  void clause3LeaderCountsItsOwnEntriesOnlyOnceReportedDurable() {
    Node n = node(config(1), 0, 0);
    n.electAndCatchUp();
    n.raw.propose(ByteString.copyFrom(new byte[] {1}));
    Ready rd = n.ready();

    n.raw.step(ack(3, 1, 1, 2));
    assertEquals(1, n.status().commit());

    n.persist(rd);
    assertEquals(2, n.status().commit());
  }

  /** Clause 4: the commit index a Ready persists never passes the log as it stands once that Ready is written. */
  @Test
  void clause4CommitNeverAheadOfTheLog() {
    Node n = node(config(1), 1, 0);

    Ready a = n.ready(append(2, 1, 1, 0, 0, 10, entries(1, 1, 1)));
    assertEquals(2, a.hardState().getCommit(), "leader commit 10, but the log ends at 2");
    n.persist(a);
    assertTrue(a.hardState().getCommit() <= n.disk.lastIndex());

    Ready b = n.ready(heartbeat(2, 1, 1, 2), append(2, 1, 1, 2, 1, 3, entries(3, 1)));
    assertEquals(3, b.hardState().getCommit());
    assertEquals(List.of(3L), indexes(b.entries()), "the entry the commit needs is in the same Ready");
    n.persist(b);
    assertTrue(b.hardState().getCommit() <= n.disk.lastIndex());
  }

  /** Committed entries are handed out only once they are durable on this member, and a commit alone needs no fsync. */
  @Test
  void committedEntriesAreDurableHereBeforeTheyAreApplied() {
    Node n = node(config(1), 1, 0);

    Ready a = n.ready(append(2, 1, 1, 0, 0, 2, entries(1, 1, 1)));
    assertEquals(2, a.hardState().getCommit());
    assertTrue(a.committedEntries().isEmpty(), "entries 1 and 2 are committed but not yet durable here");
    n.persist(a);

    Ready b = n.ready();
    assertEquals(List.of(1L, 2L), indexes(b.committedEntries()));
    assertNull(b.hardState());
    assertFalse(b.mustSync());
    n.apply(b);

    Ready c = n.ready(heartbeat(2, 1, 1, 2));
    assertFalse(c.mustSync(), "nothing new to make durable");
    assertFalse(c.hasWrites());
    assertTrue(c.committedEntries().isEmpty(), "already handed out");
  }
}
