package io.raftd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.CreateSnapshotRequest;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.SaveSnapshotRequest;
import io.raftd.proto.SaveSnapshotResponse;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.walformat.SnapshotFile;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SaveSnapshot on the admin port (issue 14, backups): chunks that fit transport.max_frame_bytes whatever the
 * client asks for, the whole snapshot by id and offset with its checksum, the newest kept one with latest,
 * and a snapshot pruned meanwhile refused as NOT_FOUND saying to save again. Ports: 29000-29499.
 */
class SnapshotDownloadTest {
  private static final long MAX_FRAME = 512 * 1024;
  private static final String TOML = LocalCluster.FAST_WAL + """
      [transport]
      max_frame_bytes = 524288
      [raft]
      max_entry_bytes = 16384
      max_append_bytes = 32768
      [snapshot]
      retain = 1
      """;

  @TempDir
  Path dir;

  @Test
  void chunksFitTheFrameLimitAndAPrunedSnapshotSaysToSaveAgain() throws Exception {
    try (LocalCluster cluster = new LocalCluster(dir, 1, TOML, "download-test-token-0123456789",
        LocalCluster.freePortsIn(29000, 29500, 3));
         RaftdClient client = RaftdClient.create(cluster.adminAddresses, Duration.ofSeconds(10))) {
      cluster.startAll();
      cluster.awaitLeader();
      KvClient kv = new KvClient(client);
      for (int i = 0; i < 200; i++) {
        kv.put(utf8("k" + i), utf8(("value " + i + " ").repeat(800)));
      }
      String admin = cluster.adminAddresses.get(0);

      // Asked for far more than a frame holds: each chunk is capped.
      SaveSnapshotResponse first = save(client, admin, SaveSnapshotRequest.newBuilder().setMaxBytes(Integer.MAX_VALUE));
      SnapshotMetadata s = first.getSnapshot();
      assertTrue(s.getSize() > 2 * MAX_FRAME, "a snapshot several frames long: " + s.getSize());
      assertEquals(SnapshotFile.id(s.getTerm(), s.getIndex()), s.getId());
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      SaveSnapshotResponse chunk = first;
      int chunks = 0;
      while (true) {
        chunks++;
        assertTrue(chunk.getData().size() > 0 && chunk.getData().size() <= MAX_FRAME - 4096, "chunk of "
            + chunk.getData().size());
        assertTrue(AdminResponse.newBuilder().setSaveSnapshot(chunk).build().getSerializedSize() <= MAX_FRAME);
        assertEquals(all.size(), chunk.getOffset());
        chunk.getData().writeTo(all);
        if (chunk.getDone()) {
          break;
        }
        chunk = save(client, admin, SaveSnapshotRequest.newBuilder().setId(s.getId()).setOffset(all.size())
            .setMaxBytes(Integer.MAX_VALUE));
      }
      assertTrue(chunks >= 3, chunks + " chunks");
      assertEquals(s.getSize(), all.size());
      assertEquals(s.getChecksum(), SnapshotFile.crc(all.toByteArray()), "the bytes match the metadata's CRC32C");

      assertEquals(s.getId(), save(client, admin, SaveSnapshotRequest.newBuilder().setLatest(true)).getSnapshot().getId(),
          "latest: the newest kept snapshot, no new one");

      // A newer snapshot replaces it (snapshot.retain = 1): the rest of its download is refused.
      kv.put(utf8("one more"), utf8("write"));
      client.callAt(admin, AdminRequest.newBuilder().setCreateSnapshot(CreateSnapshotRequest.getDefaultInstance()));
      RaftdException pruned = assertThrows(RaftdException.class, () -> save(client, admin,
          SaveSnapshotRequest.newBuilder().setId(s.getId()).setOffset(100)));
      assertEquals(ErrorCode.NOT_FOUND, pruned.code());
      assertTrue(pruned.getMessage().contains("snapshot " + s.getId() + " is no longer kept")
          && pruned.getMessage().contains("run raftctl snapshot save again"), pruned.getMessage());
    }
  }

  private static SaveSnapshotResponse save(RaftdClient client, String admin, SaveSnapshotRequest.Builder r)
      throws Exception {
    return client.callAt(admin, AdminRequest.newBuilder().setSaveSnapshot(r)).getSaveSnapshot();
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }
}
