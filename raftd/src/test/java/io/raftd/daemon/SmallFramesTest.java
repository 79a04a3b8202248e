package io.raftd.daemon;

import static io.raftd.daemon.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The smallest frames the config allows still carry everything: snapshot chunks shrink to fit them. A member
 * with transport.max_frame_bytes = 128 KiB once refused to start (its 256 KiB snapshot chunks did not fit).
 */
class SmallFramesTest {
  @TempDir
  Path dir;

  @Test
  void aJoinerCatchesUpThroughASnapshotStreamedInChunksThatFitTheSmallestFrames() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 1, LocalCluster.FAST_WAL + """
        [transport]
        max_frame_bytes = 131072
        [raft]
        max_entry_bytes = 65536
        max_append_bytes = 65536
        [snapshot]
        entries = 100
        keep_entries = 0
        """)) {
      c.startAll();
      c.awaitLeader();
      try (RaftdClient client = RaftdClient.create(List.of(c.adminAddresses.get(0)), Duration.ofSeconds(20))) {
        KvClient kv = new KvClient(client);
        ByteString value = ByteString.copyFrom(new byte[2048]);
        for (int i = 0; i < 300; i++) {
          kv.put(ByteString.copyFromUtf8("k" + i), value);
        }
        await("a snapshot larger than a frame", Duration.ofSeconds(60),
            () -> c.daemons.get(0).wal().snapshot().getSize() > 131072 && c.daemons.get(0).node().status().firstIndex() > 1);
      }
      int joiner = c.addJoining(c.adminAddresses.get(0));
      c.start(joiner);
      await("the joiner to install the snapshot", Duration.ofSeconds(60),
          () -> c.core(joiner, r -> r.counters().snapshotsInstalled()) >= 1);
      await("the joiner to apply everything", Duration.ofSeconds(60),
          () -> c.daemons.get(joiner).applier().appliedIndex() >= c.daemons.get(0).node().status().commit());
      assertEquals(0, c.fatal.size(), c.fatal.toString());
    }
  }
}
