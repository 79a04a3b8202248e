package io.raftd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.daemon.LocalCluster;
import io.raftd.proto.KvQueryResult;
import io.raftd.proto.NodeStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Issue 14's quorum-loss test with real processes and the packaged raftctl: kill -9 two of three members and
 * delete their data, kill -9 the survivor too (the disaster took the whole cluster down), recover the survivor
 * offline with {@code raftctl recover --force-new-cluster --yes}, and every write it had committed is there;
 * the recovered cluster takes writes, and grows back to three members that join it. Ports: 28000-28499 (shared with QuorumLossRecoveryTest, which runs in
 * another phase).
 */
class QuorumLossIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private ProcessCluster cluster;

  @RegisterExtension
  final TailsOnFailure tails = new TailsOnFailure(() -> cluster);

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void killTwoOfThreeForGoodAndRecoverTheSurvivorWithEveryCommittedWrite() throws Exception {
    cluster = new ProcessCluster("quorum-loss", 3, """
        [snapshot]
        entries = 200
        keep_entries = 50
        """, "segment_bytes = 1048576", List.of("-Xmx128m"), LocalCluster.freePortsIn(28000, 28500, 9));
    cluster.startAll();
    int leader = cluster.awaitLeader(WAIT);
    int survivor = (leader + 1) % 3;
    Map<String, String> acked = new LinkedHashMap<>();
    long oldCluster;
    try (RaftdClient client = RaftdClient.create(cluster.adminAddresses, Duration.ofSeconds(20))) {
      KvClient kv = new KvClient(client);
      for (int i = 0; i < 500; i++) {
        kv.put(utf8("k" + i), utf8("v" + i));
        acked.put("k" + i, "v" + i);
      }
      long committed = client.status(cluster.adminAddresses.get(leader)).getCommit();
      oldCluster = client.status(null).getClusterId();
      cluster.await(WAIT, "the survivor to commit every acknowledged write", () -> {
        NodeStatus s = cluster.status(survivor);
        return s != null && s.getCommit() >= committed;
      });
    }
    for (int i = 0; i < 3; i++) {
      if (i != survivor) {
        cluster.kill(i);
        cluster.wipe(i);
      }
    }
    cluster.kill(survivor);

    List<String> command = new ArrayList<>(cluster.java(List.of("-Xmx128m"), "io.raftd.ctl.Main"));
    command.addAll(List.of("recover", "--data-dir", cluster.dataDir(survivor).toString(), "--force-new-cluster", "--yes"));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.PIPE).start();
    p.getOutputStream().close();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "raftctl recover finished");
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("recovered: ") && out.contains("LEAVES OUT"), out);

    cluster.start(survivor);
    cluster.awaitLeader(WAIT);
    try (RaftdClient client = RaftdClient.create(List.of(cluster.adminAddresses.get(survivor)), Duration.ofSeconds(20))) {
      NodeStatus s = client.status(null);
      assertEquals(1, s.getVotersCount(), s::toString);
      assertNotEquals(oldCluster, s.getClusterId());
      KvClient kv = new KvClient(client);
      for (Map.Entry<String, String> e : acked.entrySet()) {
        KvQueryResult r = kv.get(utf8(e.getKey()), false);
        assertEquals(1, r.getKvsCount(), e.getKey() + " was committed on the survivor");
        assertEquals(e.getValue(), r.getKvs(0).getValue().toStringUtf8());
      }
      for (int i = 0; i < 50; i++) {
        kv.put(utf8("after-" + i), utf8("a" + i));
      }
      assertEquals("a49", kv.get(utf8("after-49"), false).getKvs(0).getValue().toStringUtf8());
    }

    // The cluster grows back: the lost members' machines, wiped, join the recovered one under their old names.
    List<String> seed = List.of(cluster.adminAddresses.get(survivor));
    for (int i = 0; i < 3; i++) {
      if (i != survivor) {
        cluster.joinInstead(i, seed);
        cluster.start(i);
      }
    }
    cluster.await(WAIT, "the grown-back cluster to have 3 voters", () -> {
      NodeStatus s = cluster.status(survivor);
      return s != null && s.getVotersCount() == 3 && s.getLearnersCount() == 0 && !s.getJoint();
    });
    try (RaftdClient client = RaftdClient.create(cluster.adminAddresses, Duration.ofSeconds(20))) {
      KvClient kv = new KvClient(client);
      kv.put(utf8("grown-back"), utf8("yes"));
    }
    cluster.awaitConverged(WAIT);
    for (String admin : cluster.adminAddresses) {
      try (RaftdClient one = RaftdClient.create(List.of(admin), Duration.ofSeconds(20))) {
        KvClient kv = new KvClient(one);
        assertEquals("yes", kv.get(utf8("grown-back"), true).getKvs(0).getValue().toStringUtf8(), admin);
        assertEquals("v499", kv.get(utf8("k499"), true).getKvs(0).getValue().toStringUtf8(), admin);
      }
    }
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }
}
