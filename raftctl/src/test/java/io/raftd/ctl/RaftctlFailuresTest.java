package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.daemon.LocalCluster;
import io.raftd.proto.NodeStatus;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exit codes a broken cluster gives: unavailable (4) without a quorum, outcome unknown (6) for a lost leader. */
class RaftctlFailuresTest {
  @TempDir
  Path dir;

  @Test
  void withoutAQuorumWritesAndStatusExitFourSayingWhoIsReachable() throws Exception {
    try (LocalCluster cluster = new LocalCluster(dir, 3, LocalCluster.FAST_WAL)) {
      cluster.startAll();
      int leader = cluster.awaitLeader();
      int survivor = cluster.followerOtherThan(leader);
      Ctl ctl = new Ctl(cluster.adminAddresses);
      int other = 3 - leader - survivor;
      cluster.stop(other);
      // One follower down: the cluster still takes writes, but not every member is healthy (exit 1).
      Ctl.Result degraded = ctl.run("--timeout", "3s", "status");
      assertEquals(ExitCode.FAILURE, degraded.code(), degraded::toString);
      assertEquals("raftctl: not every member is healthy: " + cluster.names.get(other) + " unreachable\n",
          degraded.err());
      stopAllBut(cluster, survivor);
      String name = cluster.names.get(survivor);
      // Until it notices, a survivor that leads takes the write and cannot commit it: that is exit 6, below.
      String survivorAdmin = cluster.adminAddresses.get(survivor);
      try (RaftdClient client = RaftdClient.create(List.of(survivorAdmin), Duration.ofSeconds(5))) {
        LocalCluster.await(name + " knowing it has no leader", Duration.ofSeconds(30),
            () -> !client.status(survivorAdmin).hasLeader());
      }
      Ctl.Result put = ctl.run("--timeout", "3s", "put", "k", "v");
      assertEquals(ExitCode.UNAVAILABLE, put.code(), () -> put + " members " + cluster.adminAddresses + ", survivor " + name);
      assertEquals("raftctl: no leader: 1 of 3 members reachable (" + name + "); the cluster has no quorum\n", put.err());

      Ctl.Result status = ctl.run("-o", "json", "--timeout", "3s", "status");
      assertEquals(ExitCode.UNAVAILABLE, status.code(), status::toString);
      assertTrue(status.err().startsWith("raftctl: the cluster cannot take writes: no leader ("), status::toString);
      JsonObject s = status.json();
      assertTrue(s.get("leader").isJsonNull());
      assertFalse(s.get("healthy").getAsBoolean());
      int unreachable = 0;
      for (JsonElement e : s.getAsJsonArray("members")) {
        JsonObject m = e.getAsJsonObject();
        if (!m.get("reachable").getAsBoolean()) {
          unreachable++;
          assertEquals("unreachable", m.get("health").getAsString());
          assertFalse(m.get("error").getAsString().isEmpty(), "says why: " + m);
        }
      }
      assertEquals(2, unreachable);
      assertTrue(ctl.run("status").out().contains("no leader among the reachable members"));
      Ctl.Result snapshots = ctl.run("-o", "json", "--timeout", "3s", "snapshot", "list");
      assertEquals(ExitCode.FAILURE, snapshots.code(), "members down, so not every snapshot is listed: " + snapshots);
      com.google.gson.JsonArray errors = snapshots.json().getAsJsonArray("errors");
      assertEquals(2, errors.size(), snapshots::toString);
      for (JsonElement e : errors) {
        String node = e.getAsJsonObject().get("node").getAsString();
        assertTrue(!node.equals(name) && snapshots.err().contains("raftctl: " + node + ": does not answer"), snapshots::toString);
        assertFalse(e.getAsJsonObject().get("error").getAsString().matches("(?s).*(Exception|io\\.netty|\\(\\.\\.\\)).*"),
            "no exception text: " + e);
      }
      String down = cluster.names.get(survivor == 0 ? 1 : 0);
      Ctl.Result one = ctl.run("--timeout", "3s", "status", "--node", down);
      assertEquals(ExitCode.UNAVAILABLE, one.code(), one::toString);
      assertTrue(one.err().startsWith("raftctl: " + down + " does not answer at "), one::toString);
      Ctl.Result snapshotOnDown = ctl.run("--timeout", "3s", "snapshot", "create", "--node", down);
      assertEquals(ExitCode.UNAVAILABLE, snapshotOnDown.code(), snapshotOnDown::toString);
      assertTrue(snapshotOnDown.err().startsWith("raftctl: " + down + " does not answer at "), snapshotOnDown::toString);
    }
  }

  /**
   * A leader killed between append and commit: both followers are stopped, the append reaches the leader's
   * log but cannot commit, then the leader stops. raftctl cannot know whether the entry will survive: 6.
   */
  @Test
  void aLeaderKilledBetweenAppendAndCommitExitsSix() throws Exception {
    try (LocalCluster cluster = new LocalCluster(dir, 3, LocalCluster.FAST_WAL)) {
      cluster.startAll();
      int leader = cluster.awaitLeader();
      String leaderAdmin = cluster.adminAddresses.get(leader);
      try (RaftdClient client = RaftdClient.create(List.of(leaderAdmin), Duration.ofSeconds(5))) {
        NodeStatus before = client.status(leaderAdmin);
        stopAllBut(cluster, leader);
        Ctl ctl = new Ctl(List.of(leaderAdmin));
        CompletableFuture<Ctl.Result> append = CompletableFuture.supplyAsync(
            () -> ctl.run("--timeout", "20s", "append", "in flight"));
        awaitUncommittedAppend(client, leaderAdmin, before);
        cluster.stop(leader);
        Ctl.Result r = append.get(60, TimeUnit.SECONDS);
        assertEquals(ExitCode.OUTCOME_UNKNOWN, r.code(), r::toString);
        assertEquals("", r.out());
        assertTrue(r.err().contains("may or may not"), r::toString);
      }
    }
  }

  /**
   * The same in script mode, where writes go through a session that retries: when it gives up, the write
   * may still have applied, and that is 6, not "unavailable", whatever the last attempt met.
   */
  @Test
  void aScriptWhoseWriteMayHaveAppliedExitsSix() throws Exception {
    try (LocalCluster cluster = new LocalCluster(dir, 3, LocalCluster.FAST_WAL)) {
      cluster.startAll();
      int leader = cluster.awaitLeader();
      String leaderAdmin = cluster.adminAddresses.get(leader);
      try (RaftdClient client = RaftdClient.create(List.of(leaderAdmin), Duration.ofSeconds(5));
           PipedOutputStream feed = new PipedOutputStream();
           PipedInputStream stdin = new PipedInputStream(feed)) {
        Ctl ctl = new Ctl(List.of(leaderAdmin));
        CompletableFuture<Ctl.Result> script = CompletableFuture.supplyAsync(() -> ctl.run(stdin, false, "--timeout", "5s"));
        feed.write("put first 1\n".getBytes(StandardCharsets.UTF_8));
        feed.flush();
        LocalCluster.await("the script's first line applied", Duration.ofSeconds(30),
            () -> new KvClient(client).get(ByteString.copyFromUtf8("first"), false).getKvsCount() == 1);
        NodeStatus before = client.status(leaderAdmin);
        stopAllBut(cluster, leader);
        feed.write("append in-flight\nput never 2\n".getBytes(StandardCharsets.UTF_8));
        feed.flush();
        awaitUncommittedAppend(client, leaderAdmin, before);
        cluster.stop(leader);
        Ctl.Result r = script.get(60, TimeUnit.SECONDS);
        assertEquals(ExitCode.OUTCOME_UNKNOWN, r.code(), r::toString);
        assertTrue(r.err().contains("stopped at line 2"), r::toString);
      }
    }
  }

  private static void stopAllBut(LocalCluster cluster, int kept) throws Exception {
    for (int i = 0; i < cluster.names.size(); i++) {
      if (i != kept && cluster.daemons.get(i) != null) {
        cluster.stop(i);
      }
    }
  }

  /** Waits until the leader at {@code admin} holds an entry past {@code before}'s log that it has not committed. */
  private static void awaitUncommittedAppend(RaftdClient client, String admin, NodeStatus before)
      throws InterruptedException {
    LocalCluster.await("the append in the leader's log, uncommitted", Duration.ofSeconds(30), () -> {
      NodeStatus s = client.status(admin);
      return s.getLastIndex() > before.getLastIndex() && s.getCommit() < s.getLastIndex();
    });
  }
}
