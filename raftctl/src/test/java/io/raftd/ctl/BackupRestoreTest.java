package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.daemon.LocalCluster;
import io.raftd.daemon.PeerProbes;
import io.raftd.proto.KvQueryResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, backup and restore, as the README's runbook does it: {@code raftctl snapshot save} from a running
 * 3-member cluster under writes, {@code raftctl snapshot restore} once per member into a new 3-member cluster
 * on other ports and with another token, every key there and equal; the two clusters refuse each other.
 * Ports: 27000-27999 (this test's own range).
 */
class BackupRestoreTest {
  private static final String OLD_TOKEN = "old-cluster-token-5f1d2c3b4a";
  private static final String NEW_TOKEN = "new-cluster-token-9e8d7c6b5a";
  /** Policy snapshots while the backup is taken: a fresh snapshot may meet one in progress (BUSY, retried). */
  private static final String TOML = LocalCluster.FAST_WAL + """
      [snapshot]
      entries = 150
      keep_entries = 50
      """;

  @TempDir
  Path dir;

  @Test
  void savedUnderWritesRestoredIntoANewClusterWithEveryKeyAndNoWayBack() throws Exception {
    Map<String, String> acked = new ConcurrentHashMap<>();
    try (LocalCluster old = new LocalCluster(dir.resolve("old"), 3, TOML, OLD_TOKEN,
        LocalCluster.freePortsIn(27000, 27500, 9))) {
      old.startAll();
      old.awaitLeader();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicReference<Throwable> writerFailed = new AtomicReference<>();
      Thread writer = new Thread(() -> {
        try (RaftdClient client = RaftdClient.create(old.adminAddresses, Duration.ofSeconds(10))) {
          KvClient kv = new KvClient(client);
          for (int i = 0; !stop.get(); i++) {
            String key = String.format("k%06d", i);
            String value = "value-" + i + "-" + "x".repeat(i % 50);
            kv.put(utf8(key), utf8(value));
            acked.put(key, value);
          }
        } catch (Throwable t) {
          writerFailed.set(t);
        }
      }, "backup-test-writer");
      writer.start();
      LocalCluster.await("300 writes acknowledged", Duration.ofSeconds(60), () -> acked.size() >= 300);

      Map<String, String> before = Map.copyOf(acked);
      Path backup = dir.resolve("backup.snap");
      Ctl.Result save = new Ctl(old.adminAddresses).run("-o", "json", "snapshot", "save", backup.toString(),
          "--chunk-bytes", "4096");
      assertEquals(0, save.code(), save::toString);
      JsonObject saved = save.json();
      long savedIndex = saved.get("index").getAsLong();
      assertTrue(saved.get("size").getAsLong() > 4096, "the backup took several chunks: " + save);
      int atSave = acked.size();
      LocalCluster.await("100 more writes after the save", Duration.ofSeconds(60), () -> acked.size() >= atSave + 100);
      stop.set(true);
      writer.join(30_000);
      assertEquals(null, writerFailed.get(), "the writer failed");

      int[] ports = LocalCluster.freePortsIn(27500, 28000, 9);
      LocalCluster restored = new LocalCluster(dir.resolve("new"), 3, LocalCluster.FAST_WAL, NEW_TOKEN, ports);
      try (restored) {
        List<String> spec = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
          spec.add("n" + (i + 1) + "=127.0.0.1:" + restored.peerPorts.get(i) + "/" + restored.adminAddresses.get(i));
        }
        String members = String.join(",", spec);
        String clusterId = null;
        for (int i = 0; i < 3; i++) {
          Ctl.Result r = new Ctl(List.of()).run("-o", "json", "snapshot", "restore", backup.toString(), "--data-dir",
              restored.dataDirs.get(i).toString(), "--name", "n" + (i + 1), "--members", members, "--token", NEW_TOKEN);
          assertEquals(0, r.code(), r::toString);
          String id = r.json().get("cluster_id").getAsString();
          if (clusterId != null) {
            assertEquals(clusterId, id, "every member's restore derives the same cluster id");
          }
          clusterId = id;
        }
        restored.startAll();
        int leader = restored.awaitLeader();

        try (RaftdClient client = RaftdClient.create(restored.adminAddresses, Duration.ofSeconds(10))) {
          KvClient kv = new KvClient(client);
          for (Map.Entry<String, String> e : before.entrySet()) {
            KvQueryResult r = kv.get(utf8(e.getKey()), false);
            assertTrue(r.getKvsCount() == 1, e.getKey() + " was acknowledged before the save began: it is in the backup");
            assertEquals(e.getValue(), r.getKvs(0).getValue().toStringUtf8(), e.getKey());
          }
          int found = 0;
          for (Map.Entry<String, String> e : acked.entrySet()) {
            KvQueryResult r = kv.get(utf8(e.getKey()), false);
            if (r.getKvsCount() == 1) {
              found++;
              assertEquals(e.getValue(), r.getKvs(0).getValue().toStringUtf8(), e.getKey());
            }
          }
          assertTrue(found < acked.size(), "the writes after the save are not in the backup (" + found + " of "
              + acked.size() + ")");
          assertTrue(restored.daemons.get(leader).memberId() != 0);
          kv.put(utf8("after-restore"), utf8("yes"));
          assertEquals("yes", kv.get(utf8("after-restore"), false).getKvs(0).getValue().toStringUtf8());
          assertTrue(client.status(null).getCommit() > savedIndex, "the new cluster goes on after the snapshot");
          assertNotEquals(statusClusterId(old), client.status(null).getClusterId(), "a new cluster id");
        }

        // The clusters refuse each other: each one's peer port turns the other's member away at the handshake.
        for (int i = 0; i < 3; i++) {
          long refusedNew = PeerProbes.handshakesRefused(restored.daemons.get(i));
          String failure = PeerProbes.probe(old.daemons.get(i), "127.0.0.1:" + restored.peerPorts.get(i));
          assertNotNull(failure, "a member of the old cluster was answered by the new one");
          long newAfter = refusedNew;
          int at = i;
          LocalCluster.await("the new member counts the refusal", Duration.ofSeconds(10),
              () -> PeerProbes.handshakesRefused(restored.daemons.get(at)) > newAfter);
          long refusedOld = PeerProbes.handshakesRefused(old.daemons.get(i));
          assertNotNull(PeerProbes.probe(restored.daemons.get(i), "127.0.0.1:" + old.peerPorts.get(i)),
              "a member of the new cluster was answered by the old one");
          LocalCluster.await("the old member counts the refusal", Duration.ofSeconds(10),
              () -> PeerProbes.handshakesRefused(old.daemons.get(at)) > refusedOld);
        }
        // The old cluster is unharmed and unchanged by the new one.
        try (RaftdClient client = RaftdClient.create(old.adminAddresses, Duration.ofSeconds(10))) {
          KvClient kv = new KvClient(client);
          assertEquals(0, kv.get(utf8("after-restore"), false).getKvsCount(), "a write to the new cluster reached the old");
          kv.put(utf8("old-still-writes"), utf8("yes"));
        }
      }
    }
  }

  private static long statusClusterId(LocalCluster c) throws Exception {
    try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(10))) {
      return client.status(null).getClusterId();
    }
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }
}
