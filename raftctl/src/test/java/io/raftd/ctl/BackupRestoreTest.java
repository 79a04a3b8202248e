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
import io.raftd.docs.Runbook;
import io.raftd.proto.KvQueryResult;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, backup and restore, by the README's runbooks read from the README: {@code raftctl snapshot save}
 * from a running 3-member cluster under writes, {@code raftctl snapshot restore} once per member into a new
 * 3-member cluster on other ports and with another token, every key there and equal; the two clusters refuse
 * each other.
 * Ports: 27000-27999 (this test's own range).
 */
class BackupRestoreTest {
  private static final String OLD_TOKEN = "old-cluster-token-5f1d2c3b4a";
  private static final String NEW_TOKEN = "new-cluster-token-9e8d7c6b5a";
  /** Policy snapshots while the backup is taken: a fresh snapshot may meet one in progress (BUSY, retried). */
  /** The smallest frames, so that the backup takes several chunks. */
  private static final int MAX_FRAME = 131072;
  private static final String TOML = LocalCluster.FAST_WAL + """
      [snapshot]
      entries = 150
      keep_entries = 50
      [transport]
      max_frame_bytes = 131072
      [raft]
      max_entry_bytes = 65536
      max_append_bytes = 65536
      """;
  /** The README's placeholder for the backup file. */
  private static final String BACKUP = "/backup/raftd-2026-12-07.snap";
  private static final Pattern SAVED = Pattern.compile("\\(index (\\d+), term \\d+, (\\d+) bytes");
  private static final Pattern NEW_CLUSTER = Pattern.compile("of the new cluster (\\p{XDigit}+)");

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
            String value = "value-" + i + "-" + "x".repeat(1000 + i % 50);
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
      Map<String, String> placeholders = new HashMap<>(Map.of(BACKUP, backup.toString()));
      for (int i = 0; i < 3; i++) {
        placeholders.put("127.0.0.1:720" + (i + 1), old.adminAddresses.get(i));
      }
      Map<String, String> env = new HashMap<>();
      long savedIndex = -1;
      for (Runbook.Step step : Runbook.read("backup")) {
        if (step.command().startsWith("export ")) {
          String[] assignment = step.words(placeholders)[1].split("=", 2);
          env.put(assignment[0], assignment[1]);
        } else if (step.command().startsWith("bin/raftctl snapshot save ")) {
          Ctl.Result save = new Ctl(env).run(step.raftctlArgs(placeholders));
          assertEquals(0, save.code(), save::toString);
          assertEquals(List.of(), step.shownButMissing(save.out(), placeholders), "the README shows output it did not print: "
              + save);
          Matcher saved = SAVED.matcher(save.out());
          assertTrue(saved.find(), save::toString);
          savedIndex = Long.parseLong(saved.group(1));
          assertTrue(Long.parseLong(saved.group(2)) > 2 * MAX_FRAME, "the backup took several chunks: " + save);
        } else {
          throw new AssertionError("the backup runbook has a command this test does not know: " + step.command());
        }
      }
      assertTrue(savedIndex > 0, "the runbook saved no snapshot");
      int atSave = acked.size();
      LocalCluster.await("100 more writes after the save", Duration.ofSeconds(60), () -> acked.size() >= atSave + 100);
      stop.set(true);
      writer.join(30_000);
      assertEquals(null, writerFailed.get(), "the writer failed");

      int[] ports = LocalCluster.freePortsIn(27500, 28000, 9);
      LocalCluster restored = new LocalCluster(dir.resolve("new"), 3, LocalCluster.FAST_WAL, NEW_TOKEN, ports);
      try (restored) {
        Path tokenFile = dir.resolve("new-token");
        Files.writeString(tokenFile, NEW_TOKEN + "\n");
        placeholders.put("/etc/raftd/new-token", tokenFile.toString());
        for (int i = 0; i < 3; i++) {
          String host = "10.0.1." + (i + 1);
          placeholders.put(host + ":7001", "127.0.0.1:" + restored.peerPorts.get(i));
          placeholders.put(host + ":7002", restored.adminAddresses.get(i));
        }
        String clusterId = null;
        boolean started = false;
        for (Runbook.Step step : Runbook.read("restore")) {
          if (step.command().matches("[A-Z_]+=.*")) {
            String[] assignment = step.words(placeholders)[0].split("=", 2);
            placeholders.put("$" + assignment[0], assignment[1]);
          } else if (step.command().startsWith("bin/raftctl snapshot restore ")) {
            for (int i = 0; i < 3; i++) {  // "the same on n2 (--name n2) and n3 (--name n3)"
              Map<String, String> member = new HashMap<>(placeholders);
              member.put("/var/lib/raftd", restored.dataDirs.get(i).toString());
              member.put("n1", restored.names.get(i));
              Ctl.Result r = new Ctl(List.of()).run(step.raftctlArgs(member));
              assertEquals(0, r.code(), r::toString);
              assertEquals(List.of(), step.shownButMissing(r.out(), member), "the README shows output it did not print: " + r);
              Matcher id = NEW_CLUSTER.matcher(r.out());
              assertTrue(id.find(), r::toString);
              if (clusterId != null) {
                assertEquals(clusterId, id.group(1), "every member's restore derives the same cluster id");
              }
              clusterId = id.group(1);
            }
          } else if (step.command().startsWith("bin/raftd --config ")) {
            restored.startAll();
            started = true;
          } else if (step.command().startsWith("bin/raftctl ") && started) {
            AtomicReference<Ctl.Result> status = new AtomicReference<>();
            LocalCluster.await("the restored cluster's status to exit 0", Duration.ofSeconds(60), () -> {
              status.set(new Ctl(List.of()).run(step.raftctlArgs(placeholders)));
              return status.get().code() == 0;
            });
            Ctl.Result r = status.get();
            assertEquals(List.of(), step.shownButMissing(r.out(), placeholders), "the README shows output it did not print: " + r);
          } else {
            throw new AssertionError("the restore runbook has a command this test does not know: " + step.command());
          }
        }
        assertTrue(started, "the restore runbook started no member");
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
