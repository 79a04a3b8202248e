package io.raftd.raft;

import static io.raftd.raft.Nodes.ack;
import static io.raftd.raft.Nodes.appends;
import static io.raftd.raft.Nodes.config;
import static io.raftd.raft.Nodes.node;
import static io.raftd.raft.Nodes.to;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.proto.RaftMessage;
import io.raftd.raft.Nodes.Node;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A leader's AppendEntries for proposals and for a commit advance leave once per Ready (issue 19, item 3):
 * the host gives the core a burst of inputs and then takes one Ready, and that burst must cost one
 * AppendEntries per follower and one write, not one per proposal.
 */
class ProposalBatchingTest {

  private static List<RaftMessage> sent(Ready rd) {
    List<RaftMessage> all = new ArrayList<>(rd.messages());
    all.addAll(rd.messagesAfterPersist());
    return all;
  }

  @Test
  void aBurstOfProposalsMakesOneWriteAndOneAppendEntriesPerFollower() {
    Node n = node(config(1), 1, 0);
    n.electAndCatchUp();
    long before = n.lastIndex();

    for (int i = 0; i < 10; i++) {
      assertTrue(n.raw.propose(ByteString.copyFromUtf8("v" + i)).appended());
    }
    Ready rd = n.ready();

    assertEquals(10, rd.entries().size(), "the ten entries are one write");
    for (long follower : new long[] {2, 3}) {
      List<RaftMessage> toIt = appends(to(follower, sent(rd)));
      assertEquals(1, toIt.size(), "AppendEntries to " + follower + ": " + toIt);
      assertEquals(10, toIt.get(0).getAppendEntries().getEntriesCount());
      assertEquals(before, toIt.get(0).getAppendEntries().getPrevLogIndex());
    }
  }

  @Test
  void acknowledgementsThatAdvanceTheCommitIndexCarryItInOneAppendEntriesPerFollower() {
    Node n = node(config(1), 1, 0);
    n.electAndCatchUp();
    List<Long> proposed = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Proposal p = n.raw.propose(ByteString.copyFromUtf8("v" + i));
      proposed.add(p.index());
      n.persist(n.ready());  // one entry per Ready: three rounds of AppendEntries in flight
    }
    long term = n.term();

    // Both followers acknowledge each entry, all between two Readys: the commit index moves three times.
    for (long index : proposed) {
      n.raw.step(ack(2, 1, term, index));
      n.raw.step(ack(3, 1, term, index));
    }
    Ready rd = n.ready();

    assertEquals(proposed.get(2), n.status().commit());
    for (long follower : new long[] {2, 3}) {
      List<RaftMessage> toIt = appends(to(follower, sent(rd)));
      assertEquals(1, toIt.size(), "AppendEntries to " + follower + ": " + toIt);
      assertEquals(proposed.get(2), toIt.get(0).getAppendEntries().getLeaderCommit());
    }
  }
}
