package io.raftd.ctl;

import io.raftd.datadir.OfflineAudit;
import io.raftd.proto.OfflineOperation;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.daemon.LocalCluster;
import io.raftd.datadir.DataDirFile;
import io.raftd.docs.Runbook;
import io.raftd.proto.KvQueryResult;
import io.raftd.proto.NodeStatus;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, quorum-loss recovery, by the README's runbook (its command read from the README): two of three members are lost for good
 * (stopped, their data deleted); {@code raftctl recover --force-new-cluster} on the survivor; every write it
 * had committed is there, the one-member cluster takes writes, and keeps them across a restart. Ports:
 * 28000-28499 (this test's own range).
 */
class QuorumLossRecoveryTest {
  /** Snapshots and compaction during the writes: the survivor's WAL starts after a snapshot. */
  private static final String TOML = LocalCluster.FAST_WAL + """
      [snapshot]
      entries = 150
      keep_entries = 50
      """;

  @TempDir
  Path dir;

  @Test
  void theSurvivorAloneBecomesANewClusterWithEveryWriteItHadCommitted() throws Exception {
    try (LocalCluster cluster = new LocalCluster(dir, 3, TOML, "quorum-loss-token-0123456789",
        LocalCluster.freePortsIn(28000, 28500, 9))) {
      cluster.startAll();
      int leader = cluster.awaitLeader();
      int survivor = 1;  // n2, as in the README's walkthrough
      Map<String, String> acked = new LinkedHashMap<>();
      long oldClusterId;
      try (RaftdClient client = RaftdClient.create(cluster.adminAddresses, Duration.ofSeconds(10))) {
        KvClient kv = new KvClient(client);
        for (int i = 0; i < 400; i++) {
          String key = String.format("k%05d", i);
          kv.put(utf8(key), utf8("v" + i));
          acked.put(key, "v" + i);
        }
        long committed = client.status(cluster.adminAddresses.get(leader)).getCommit();
        oldClusterId = client.status(null).getClusterId();
        LocalCluster.await("the survivor has committed every acknowledged write", Duration.ofSeconds(30),
            () -> client.status(cluster.adminAddresses.get(survivor)).getCommit() >= committed);
      }

      // Two members are lost for good.
      for (int i = 0; i < 3; i++) {
        if (i != survivor) {
          cluster.stop(i);
          deleteTree(cluster.dataDirs.get(i));
        }
      }
      cluster.stop(survivor);
      Path data = cluster.dataDirs.get(survivor);
      byte[] record = Files.readAllBytes(data.resolve(DataDirFile.CLUSTER));

      List<Runbook.Step> runbook = Runbook.read("recover");
      assertEquals(1, runbook.size(), "the recover runbook is one command: " + runbook);
      Runbook.Step step = runbook.get(0);
      assertTrue(step.command().startsWith("bin/raftctl recover "), step::toString);
      String[] args = step.raftctlArgs(Map.of("/var/lib/raftd", data.toString()));

      // On a non-terminal the prompt cannot be answered: it shows what it would do and writes nothing.
      Ctl ctl = new Ctl(List.of());
      Ctl.Result refused = ctl.run("", false, args);
      assertEquals(ExitCode.USAGE, refused.code(), refused::toString);
      assertTrue(refused.err().contains("stdin is not one") && refused.err().contains("--yes"), refused::toString);
      assertTrue(refused.out().contains("LEAVES OUT"), "the plan is shown first: " + refused);
      assertArrayEquals(record, Files.readAllBytes(data.resolve(DataDirFile.CLUSTER)), "nothing written");
      assertFalse(Files.exists(data.resolve(DataDirFile.FORCED_NEW_CLUSTER)));

      // On a terminal, answered y as in the README, whose output it prints.
      Ctl.Result recovered = ctl.run("y\n", true, args);
      assertEquals(0, recovered.code(), recovered::toString);
      assertEquals(List.of(), step.shownButMissing(recovered.out() + "\n" + recovered.err(),
          Map.of("/var/lib/raftd", data.toString())), "the README shows output it did not print: " + recovered);
      for (int i = 0; i < 3; i++) {
        if (i != survivor) {
          assertTrue(recovered.out().contains(cluster.names.get(i)), "names the member left out: " + recovered);
        }
      }

      // No member ran to audit the recovery: it waits in the data directory for the member's next start.
      List<OfflineOperation> audit = OfflineAudit.pending(data);
      assertEquals(List.of("recover"), audit.stream().map(OfflineOperation::getOperation).toList());
      assertEquals(System.getProperty("user.name"), audit.get(0).getUser());

      // Its config still lists the three members: raftd warns and goes on as the one-member cluster.
      cluster.start(survivor);
      cluster.awaitLeader();
      assertEquals(List.of(), OfflineAudit.pending(data), "the start put the record in its audit stream");
      try (RaftdClient client = RaftdClient.create(List.of(cluster.adminAddresses.get(survivor)), Duration.ofSeconds(10))) {
        NodeStatus s = client.status(null);
        assertEquals(1, s.getVotersCount(), s::toString);
        assertNotEquals(oldClusterId, s.getClusterId(), "a new cluster id");
        assertEveryWrite(new KvClient(client), acked);
        KvClient kv = new KvClient(client);
        for (int i = 0; i < 50; i++) {
          kv.put(utf8("after-" + i), utf8("a" + i));
          acked.put("after-" + i, "a" + i);
        }
      }

      // The recovery is durable: a restart comes back as the same one-member cluster with everything.
      cluster.stop(survivor);
      cluster.start(survivor);
      cluster.awaitLeader();
      try (RaftdClient client = RaftdClient.create(List.of(cluster.adminAddresses.get(survivor)), Duration.ofSeconds(10))) {
        assertEquals(1, client.status(null).getVotersCount());
        assertEveryWrite(new KvClient(client), acked);
        new KvClient(client).put(utf8("after-restart"), utf8("yes"));
      }
    }
  }

  private static void assertEveryWrite(KvClient kv, Map<String, String> acked) throws Exception {
    for (Map.Entry<String, String> e : acked.entrySet()) {
      KvQueryResult r = kv.get(utf8(e.getKey()), false);
      assertEquals(1, r.getKvsCount(), e.getKey() + " was committed on the survivor");
      assertEquals(e.getValue(), r.getKvs(0).getValue().toStringUtf8(), e.getKey());
    }
  }

  private static void deleteTree(Path p) throws Exception {
    try (Stream<Path> all = Files.walk(p)) {
      for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }
}
