package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.daemon.Daemon;
import io.raftd.daemon.LocalCluster;
import io.raftd.datadir.DataDirFile;
import io.raftd.walformat.ForceNewCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code raftctl recover}'s guard rails on a one-member cluster's data directory: the flag it needs, the
 * question it asks (and what a refusal or a "no" leaves: nothing), a running member, and a recovery
 * interrupted after it was decided (raftd refuses to start; running recover again finishes it). Ports:
 * 28500-28999.
 */
class RecoverCommandTest {
  @TempDir
  Path dir;

  private final Ctl ctl = new Ctl(List.of());

  @Test
  void guardRailsAndAnInterruptedRecoveryFinishedByRunningItAgain() throws Exception {
    try (LocalCluster cluster = new LocalCluster(dir, 1, LocalCluster.FAST_WAL, "recover-test-token-0123456789",
        LocalCluster.freePortsIn(28500, 29000, 3))) {
      cluster.startAll();
      cluster.awaitLeader();
      try (RaftdClient client = RaftdClient.create(cluster.adminAddresses, Duration.ofSeconds(10))) {
        for (int i = 0; i < 20; i++) {
          new KvClient(client).put(utf8("k" + i), utf8("v" + i));
        }
      }
      Path data = cluster.dataDirs.get(0);
      String d = data.toString();

      Ctl.Result running = ctl.run("recover", "--data-dir", d, "--force-new-cluster", "--yes");
      assertEquals(ExitCode.FAILURE, running.code(), running::toString);
      assertTrue(running.err().contains("stop raftd on this member first"), running::toString);

      cluster.stop(0);
      byte[] record = Files.readAllBytes(data.resolve(DataDirFile.CLUSTER));

      Ctl.Result noFlag = ctl.run("recover", "--data-dir", d, "--yes");
      assertEquals(ExitCode.USAGE, noFlag.code(), noFlag::toString);
      assertTrue(noFlag.err().contains("recover needs --force-new-cluster"), noFlag::toString);
      assertEquals(1, noFlag.err().lines().count(), noFlag::toString);

      Ctl.Result notTerminal = ctl.run("", false, "recover", "--data-dir", d, "--force-new-cluster");
      assertEquals(ExitCode.USAGE, notTerminal.code(), notTerminal::toString);
      assertTrue(notTerminal.err().startsWith("raftctl: recover asks for confirmation on a terminal"), notTerminal::toString);

      Ctl.Result no = ctl.run("n\n", true, "recover", "--data-dir", d, "--force-new-cluster");
      assertEquals(ExitCode.FAILURE, no.code(), no::toString);
      assertTrue(no.err().contains("[y/N]") && no.err().contains("not confirmed: nothing was written"), no::toString);
      assertTrue(no.out().contains("keeps every entry up to") || no.out().contains("keeps its whole log"), no::toString);
      assertArrayEquals(record, Files.readAllBytes(data.resolve(DataDirFile.CLUSTER)), "nothing written");

      // A crash right after the recovery was decided: the new segment and the record are durable, nothing else.
      ForceNewCluster.decide(ForceNewCluster.plan(data, false));
      Daemon.StartupException refused = assertThrows(Daemon.StartupException.class, () -> cluster.start(0));
      assertTrue(refused.getMessage().contains("unfinished raftctl recover") && refused.getMessage().contains(
          "raftctl recover --data-dir " + d + " --force-new-cluster"), refused::getMessage);
      assertArrayEquals(record, Files.readAllBytes(data.resolve(DataDirFile.CLUSTER)), "the refused start changed nothing");

      Ctl.Result finished = ctl.run("", false, "recover", "--data-dir", d, "--force-new-cluster");
      assertEquals(0, finished.code(), finished::toString);
      assertTrue(finished.out().startsWith("finished the recovery interrupted earlier"), finished::toString);
      assertFalse(Files.exists(data.resolve(DataDirFile.FORCED_NEW_CLUSTER)));

      cluster.start(0);
      cluster.awaitLeader();
      try (RaftdClient client = RaftdClient.create(cluster.adminAddresses, Duration.ofSeconds(10))) {
        KvClient kv = new KvClient(client);
        for (int i = 0; i < 20; i++) {
          assertEquals("v" + i, kv.get(utf8("k" + i), false).getKvs(0).getValue().toStringUtf8());
        }
        kv.put(utf8("after"), utf8("yes"));
      }
      cluster.stop(0);

      // Asked on a terminal, "y" goes ahead (a second recovery of the same member: a cluster of one again).
      Ctl.Result yes = ctl.run("y\n", true, "recover", "--data-dir", d, "--force-new-cluster");
      assertEquals(0, yes.code(), yes::toString);
      assertTrue(yes.out().contains("leaves out no member"), yes::toString);
      cluster.start(0);
      cluster.awaitLeader();
      try (RaftdClient client = RaftdClient.create(cluster.adminAddresses, Duration.ofSeconds(10))) {
        assertEquals("yes", new KvClient(client).get(utf8("after"), false).getKvs(0).getValue().toStringUtf8());
      }
    }
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }
}
