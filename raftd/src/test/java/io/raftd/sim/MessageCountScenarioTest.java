package io.raftd.sim;

import static io.raftd.sim.Scenarios.awaitLeader;
import static io.raftd.sim.Scenarios.calm;
import static io.raftd.sim.Scenarios.committedOn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.proto.RaftMessage;
import io.raftd.raft.Proposal;
import io.raftd.raft.Role;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * How many messages and bytes the protocol costs on a loss-free network (the 6.824 lab's RPC-count
 * checks, made stricter): an election, an idle cluster, and bulk replication.
 */
class MessageCountScenarioTest {

  private static long count(Simulation sim, RaftMessage.BodyCase type) {
    return sim.network().byType[type.ordinal()];
  }

  @Test
  void electionWithPreVoteOnThreeNodesTakesAtMost30MessagesUntilTheNoopCommits() {
    Simulation sim = calm(121, 3);
    assertTrue(sim.mix().preVote());
    sim.start(false);
    assertTrue(sim.runUntil(1000, () -> {
      SimNode l = sim.leader();
      return l != null && l.node.status().commit() >= 1 && l.node.termAt(1) == l.node.status().term();
    }), "no leader committed its no-op");
    long sent = sim.network().sent;
    long voteRequests = count(sim, RaftMessage.BodyCase.REQUEST_VOTE);
    System.out.printf("election: %d messages until the no-op committed (%d vote requests)%n", sent, voteRequests);
    assertTrue(sent <= 30, "the election took " + sent + " messages");
    // A pre-vote round and a real round, each asking both other members.
    assertTrue(voteRequests >= 4, "vote requests: " + voteRequests);
    assertTrue(count(sim, RaftMessage.BodyCase.APPEND_ENTRIES) >= 2);
  }

  @Test
  void idleClusterSendsAtMostTwoMessagesPerFollowerPerHeartbeatInterval() {
    Simulation sim = calm(122, 5);
    sim.start(false);
    SimNode leader = awaitLeader(sim, 1000);
    long noopTerm = leader.node.status().term();
    assertTrue(sim.runUntil(sim.queue().now() + 500, () -> committedOn(sim.nodes(), 1, noopTerm)));
    sim.runFor(500);

    long[] before = sim.network().byType.clone();
    long sentBefore = sim.network().sent;
    long windowMs = 2000;
    sim.runFor(windowMs);
    long sent = sim.network().sent - sentBefore;

    int followers = 4;
    long intervals = windowMs / (Simulation.HEARTBEAT_TICKS * Simulation.TICK_MS);
    // One interval of slack for where the window falls against the heartbeat schedule.
    long bound = 2L * followers * (intervals + 1);
    System.out.printf("idle: %d messages in %d ms from a 5-member cluster (bound %d)%n", sent, windowMs, bound);
    assertTrue(sent <= bound, "idle cluster sent " + sent + " messages in " + windowMs + " ms (bound " + bound + ")");
    long heartbeats = sim.network().byType[RaftMessage.BodyCase.HEARTBEAT.ordinal()]
        - before[RaftMessage.BodyCase.HEARTBEAT.ordinal()];
    assertTrue(heartbeats >= followers * (intervals - 1), "the leader stopped heartbeating: " + heartbeats);
    for (RaftMessage.BodyCase type : RaftMessage.BodyCase.values()) {
      if (type != RaftMessage.BodyCase.HEARTBEAT && type != RaftMessage.BodyCase.HEARTBEAT_RESPONSE) {
        assertEquals(before[type.ordinal()], sim.network().byType[type.ordinal()], type + " sent while idle");
      }
    }
    assertEquals(Role.LEADER, leader.node.status().role());
  }

  /**
   * Bulk replication on a loss-free network that keeps each link in order, as the daemon's one TCP
   * connection per peer does: every message takes exactly 1 ms. (The calm mix's 1-2 ms jitter reorders
   * pipelined AppendEntries; each overtaken one is rejected and the leader falls back to probing from
   * its match index, resending the whole window: about 3x the bytes on this schedule. See the report.)
   */
  @Test
  void appendEntriesPayloadStaysWithinTenPercentOfEntryBytesTimesFollowers() {
    FaultMix inOrder = new FaultMix(3, 0, 0, 0, 1, 0, 0, 0, 0, 8, 1500, 0, 0, 0, 0, 0, true, true, 8, 64 * 1024, 0, 0, 0);
    Simulation sim = new Simulation(123, inOrder, java.util.function.UnaryOperator.identity());
    sim.start(false);
    SimNode leader = awaitLeader(sim, 1000);
    long noopTerm = leader.node.status().term();
    assertTrue(sim.runUntil(sim.queue().now() + 500, () -> committedOn(sim.nodes(), 1, noopTerm)));
    long bytesBefore = sim.network().appendEntryBytes;

    Random random = new Random(123);
    long entryBytes = 0;
    Proposal last = null;
    int proposed = 0;
    while (proposed < 1000) {
      byte[] data = new byte[100 + random.nextInt(901)];
      random.nextBytes(data);
      Proposal p = leader.node.propose(ByteString.copyFrom(data));
      leader.processor.drain();
      if (p.appended()) {
        entryBytes += data.length;
        last = p;
        proposed++;
      } else {
        sim.runFor(2);  // too much uncommitted: let replication catch up
      }
    }
    Proposal end = last;
    assertTrue(sim.runUntil(sim.queue().now() + 5000, () -> committedOn(sim.nodes(), end.index(), end.term())),
        "the 1,000 entries did not commit everywhere");

    long sentBytes = sim.network().appendEntryBytes - bytesBefore;
    int followers = 2;
    double bound = 1.1 * entryBytes * followers + 50 * 1024;
    assertEquals(0, sim.network().dropped + sim.network().partitionedDrops);
    System.out.printf("replication: %d AppendEntries data bytes for %d entry bytes x %d followers (%.3fx)%n",
        sentBytes, entryBytes, followers, sentBytes / (double) (entryBytes * followers));
    assertTrue(sentBytes >= entryBytes * followers, "followers got less than every entry: " + sentBytes);
    assertTrue(sentBytes <= bound, "AppendEntries carried " + sentBytes + " bytes of data for " + entryBytes
        + " bytes of entries x " + followers + " followers (bound " + (long) bound + ")");
    assertEquals(Role.LEADER, leader.node.status().role());
  }
}
