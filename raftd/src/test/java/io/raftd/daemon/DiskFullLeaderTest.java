package io.raftd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.storage.FaultyFileIO;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A leader whose disk fills up kept leading and refused every write (NO_SPACE) while both followers had
 * space: a probe on real processes saw no write taken for 58 s, and status called the leader healthy
 * (issue 12). Now it hands leadership to a voter with space, and its status says disk full; once space is
 * back, it writes what waited and catches up.
 */
class DiskFullLeaderTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @Test
  void aLeaderWhoseDiskFillsHandsOverAndTheClusterKeepsWriting() throws Exception {
    // 1 MiB segments: a few 64 KiB values need a new one, whose preallocation finds the disk full.
    try (LocalCluster c = new LocalCluster(dir, 3,
        "[raft]\nmax_entry_bytes = 262144\n[wal]\nsegment_bytes = 1048576\nfsync = \"never\"\n")) {
      List<FaultyFileIO> disks = List.of(new FaultyFileIO(), new FaultyFileIO(), new FaultyFileIO());
      for (int i = 0; i < 3; i++) {
        c.fileSystems.set(i, disks.get(i));
      }
      c.startAll();
      int leader = c.awaitLeader();
      disks.get(leader).fillDisk(true);
      ByteString value = ByteString.copyFrom(new byte[64 << 10]);
      try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(5))) {
        KvClient kv = new KvClient(client);
        long deadline = System.nanoTime() + PATIENCE.toNanos();
        int i = 0;
        while (c.daemons.get(leader).node().status().role() == io.raftd.raft.Role.LEADER) {
          assertTrue(System.nanoTime() - deadline < 0, "the leader with a full disk still leads after " + PATIENCE);
          try {
            kv.put(ByteString.copyFromUtf8("k" + i++), value);
          } catch (RaftdException e) {
            // refused for space, or its outcome unknown as leadership moved: the leader is what matters
          }
        }
        assertTrue(c.daemons.get(leader).walWriter().outOfSpace(), "it stopped leading, but its disk never filled up");
        assertTrue(client.status(c.adminAddresses.get(leader)).getDiskFull(), "status does not say disk full");

        assertNotEquals(leader, c.awaitLeader(), "the cluster did not settle on another leader");
        kv.put(ByteString.copyFromUtf8("after"), ByteString.copyFromUtf8("the hand-over"));
        assertEquals("the hand-over", kv.get(ByteString.copyFromUtf8("after"), true).getKvs(0).getValue().toStringUtf8());

        // Space comes back: the old leader's WAL writes the batch it held, and what queued behind it, and
        // the member catches up.
        disks.get(leader).fillDisk(false);
        Daemon old = c.daemons.get(leader);
        long commit = c.daemons.get(c.awaitLeader()).node().status().commit();
        LocalCluster.await("the member whose disk filled to catch up", PATIENCE,
            () -> !old.walWriter().outOfSpace() && old.applier().appliedIndex() >= commit);
      }
    }
  }
}
