package io.raftd.daemon;

import static io.raftd.daemon.KvRequests.get;
import static io.raftd.daemon.KvRequests.put;
import static io.raftd.daemon.KvRequests.value;
import static io.raftd.daemon.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.NodeStatus;
import io.raftd.proto.ReadResponse;
import io.raftd.proto.WriteResponse;
import io.raftd.raft.Role;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Linearizable reads on followers, and what an isolated member does with stale and linearizable reads. */
class ReadsTest {
  @TempDir Path root;

  @Test
  void aLinearizableReadOnAFollowerSeesEveryAcknowledgedWrite() throws Exception {
    try (LocalCluster c = new LocalCluster(root, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      int leader = c.awaitLeader();
      int f = c.followerOtherThan(leader);
      try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(20));
          RaftdClient onFollower = RaftdClient.create(List.of(c.adminAddresses.get(f)), Duration.ofSeconds(20))) {
        for (int i = 0; i < 30; i++) {
          WriteResponse w = client.write(put("x", "v" + i));
          ReadResponse r = onFollower.read(get("x"), false);
          assertEquals("v" + i, value(r), "read " + i + " on the follower");
          assertTrue(r.getAppliedIndex() >= w.getIndex(), "served from " + r.getAppliedIndex() + " < " + w.getIndex());
        }
        NodeStatus s = onFollower.status(null);
        assertEquals("follower", s.getRole(), "the reads were not served by a follower: " + s);
      }
      assertTrue(c.fatal.isEmpty(), c.fatal.toString());
    }
  }

  @Test
  void aCutOffMemberServesStaleReadsButNotLinearizableOnes() throws Exception {
    try (LocalCluster c = new LocalCluster(root, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      int leader = c.awaitLeader();
      int f = c.followerOtherThan(leader);
      long lastWrite;
      try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(20))) {
        lastWrite = client.write(put("x", "before")).getIndex();
      }
      String endpoint = c.adminAddresses.get(f);
      Daemon isolated = c.daemons.get(f);
      await("the follower to apply the last write", Duration.ofSeconds(30),
          () -> isolated.applier().appliedIndex() >= lastWrite);

      for (int i = 0; i < 3; i++) {
        if (i != f && i != leader) {
          c.stop(i);
        }
      }
      c.stop(leader);  // it may hand leadership to the member left, which then loses it for want of a quorum
      await("the member left alone to stop leading", Duration.ofSeconds(30),
          () -> isolated.node().status().role() != Role.LEADER);

      try (RaftdClient alone = RaftdClient.create(List.of(endpoint), Duration.ofSeconds(3))) {
        ReadResponse stale = alone.read(get("x"), true);
        assertEquals("before", value(stale));
        NodeStatus s = alone.status(null);
        assertNotEquals("leader", s.getRole());
        assertEquals(s.getApplied(), stale.getAppliedIndex(), "the stale read does not report the applied index");
        assertTrue(stale.getAppliedIndex() >= lastWrite);

        long start = System.nanoTime();
        RaftdException e = assertThrows(RaftdException.class, () -> alone.read(get("x"), false));
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < 3_000 + 2_000, "the linearizable read took " + ms + " ms to fail, past the client timeout");
        assertTrue(e.unreachable()
                || EnumSet.of(ErrorCode.TIMEOUT, ErrorCode.NO_QUORUM, ErrorCode.NOT_LEADER).contains(e.code()),
            "unexpected failure: " + e.code() + " " + e.getMessage());
      }
      assertTrue(c.fatal.isEmpty(), c.fatal.toString());
    }
  }

  @Test
  void linearizableReadsAreAnsweredByTheMembersReadPoolWhichStopsWithIt() throws Exception {
    try (LocalCluster c = new LocalCluster(root, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      int leader = c.awaitLeader();
      int f = c.followerOtherThan(leader);
      try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(20))) {
        client.write(put("x", "v"));
      }
      for (int member : new int[] {leader, f}) {
        Daemon d = c.daemons.get(member);
        long before = d.reads().completed();
        try (RaftdClient one = RaftdClient.create(List.of(c.adminAddresses.get(member)), Duration.ofSeconds(20))) {
          for (int i = 0; i < 10; i++) {
            assertEquals("v", value(one.read(get("x"), false)));
            assertEquals("v", value(one.read(get("x"), true)));  // a stale read needs no read index: served at once
          }
        }
        // The pool counts a read once its task returned, a moment after the answer left.
        await("10 linearizable reads answered by " + c.names.get(member) + "'s read pool", Duration.ofSeconds(20),
            () -> d.reads().completed() - before == 10);
      }
      Daemon stopped = c.daemons.get(f);
      c.stop(f);
      assertTrue(stopped.reads().isTerminated(), "the read pool outlived its member");
      assertTrue(c.fatal.isEmpty(), c.fatal.toString());
    }
  }

  /**
   * A leader cut off from both followers fails its pending reads only when check-quorum steps it down, an
   * election timeout or two later (5 to 10 s here); a read that timed out before that must not stay behind.
   */
  @Test
  void aReadThatTimesOutOnALeaderWithoutQuorumIsNotKeptWaiting() throws Exception {
    String slowElections = LocalCluster.FAST_WAL + """
        [raft]
        election_timeout_ms = [5000, 6000]
        """;
    try (LocalCluster c = new LocalCluster(root, 3, slowElections)) {
      c.startAll();
      int leader = c.awaitLeader();
      Daemon cutOff = c.daemons.get(leader);
      try (RaftdClient client = RaftdClient.create(List.of(c.adminAddresses.get(leader)), Duration.ofSeconds(20))) {
        client.write(put("x", "before"));
      }
      for (int i = 0; i < 3; i++) {
        if (i != leader) {
          c.stop(i);
        }
      }
      try (RaftdClient impatient = RaftdClient.create(List.of(c.adminAddresses.get(leader)), Duration.ofSeconds(1))) {
        RaftdException e = assertThrows(RaftdException.class, () -> impatient.read(get("x"), false));
        assertEquals(ErrorCode.TIMEOUT, e.code(), e.getMessage());
      }
      // Forgotten when it times out, within milliseconds; the deadline stays well short of the step-down,
      // which would make the core fail the read and hide a leak.
      await("the timed-out read to be forgotten", Duration.ofSeconds(2), () -> cutOff.node().pendingReads() == 0);
      assertTrue(c.fatal.isEmpty(), c.fatal.toString());
    }
  }
}
