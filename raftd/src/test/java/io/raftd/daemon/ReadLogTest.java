package io.raftd.daemon;

import static io.raftd.daemon.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.EntryType;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.LogEntry;
import io.raftd.proto.ReadLogRequest;
import io.raftd.proto.ReadLogResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * ReadLog on the admin port (issue 15): a member's live log with its entries decoded; a range below the compaction
 * point reported as compacted, saying where the log starts, with the rest of it read; long ranges in pages that
 * each fit transport.max_frame_bytes, payloads in full when asked.
 */
class ReadLogTest {
  @TempDir
  Path dir;

  @Test
  void aRangeAcrossTheSnapshotBoundaryReadsWhatIsLeftAndSaysWhereTheLogStarts() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 1, LocalCluster.FAST_WAL + """
        [snapshot]
        entries = 50
        keep_entries = 0
        """);
         RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(10))) {
      c.startAll();
      c.awaitLeader();
      KvClient kv = new KvClient(client);
      Map<Long, String> keyAt = new HashMap<>();
      for (int i = 0; i < 120; i++) {
        keyAt.put(kv.put(utf8("k" + i), utf8("v" + i)).getIndex(), "k" + i);
      }
      await("the log compacted behind a snapshot", Duration.ofSeconds(30),
          () -> c.daemons.get(0).wal().firstIndex() > 100);
      String admin = c.adminAddresses.get(0);

      ReadLogResponse r = readLog(client, admin, ReadLogRequest.newBuilder().setFrom(1));
      assertEquals("n1", r.getMember().getName());
      assertEquals(r.getFirstIndex() - 1, r.getSnapshotIndex(), "keep_entries = 0: the log starts after the snapshot");
      assertEquals("compacted: the log starts at " + r.getFirstIndex() + " after the snapshot at index "
          + r.getSnapshotIndex() + ", term " + r.getSnapshotTerm(), r.getCompacted());
      assertEquals(r.getEntries(0).getTerm(), r.getSnapshotTerm(), "one leader, one term");
      assertEquals(r.getFirstIndex(), r.getEntries(0).getIndex(), "what is left is read, from where the log starts");
      assertEquals(r.getLastIndex(), r.getEntries(r.getEntriesCount() - 1).getIndex());
      assertEquals(0, r.getNext(), "one page holds it all");
      int puts = 0;
      for (int k = 0; k < r.getEntriesCount(); k++) {
        LogEntry e = r.getEntries(k);
        assertEquals(r.getFirstIndex() + k, e.getIndex(), "no gap");
        String key = keyAt.get(e.getIndex());
        if (key != null) {
          puts++;
          assertEquals("put", e.getKind(), e::toString);
          assertEquals("put \"" + key + "\"=\"v" + key.substring(1) + "\" (" + (key.length()) + " B)", e.getSummary());
        }
      }
      assertTrue(puts > 0 && puts == keyAt.keySet().stream().filter(i -> i >= r.getFirstIndex()).count(),
          "every put after the compaction point: " + puts);

      ReadLogResponse gone = readLog(client, admin, ReadLogRequest.newBuilder().setFrom(2).setTo(r.getFirstIndex() - 1));
      assertEquals(0, gone.getEntriesCount(), "a range wholly compacted: nothing to read");
      assertEquals(0, gone.getNext());
      assertTrue(gone.getCompacted().startsWith("compacted: the log starts at "), gone::toString);
      assertEquals("", readLog(client, admin, ReadLogRequest.newBuilder().setFrom(r.getFirstIndex())).getCompacted());

      ReadLogResponse tail = readLog(client, admin, ReadLogRequest.newBuilder().setLimit(3));
      assertEquals(3, tail.getEntriesCount(), "no from: the last entries");
      assertEquals(tail.getLastIndex(), tail.getEntries(2).getIndex());
      assertEquals("", tail.getCompacted(), "no index asked for was compacted");

      RaftdException backwards = assertThrows(RaftdException.class,
          () -> readLog(client, admin, ReadLogRequest.newBuilder().setFrom(9).setTo(5)));
      assertEquals(ErrorCode.INVALID_ARGUMENT, backwards.code());
      assertEquals("from 9 is above to 5", backwards.getMessage());
      assertEquals(0, c.fatal.size(), c.fatal.toString());
    }
  }

  @Test
  void aLongRangeComesInPagesThatEachFitTheFrameWithPayloadsInFullWhenAsked() throws Exception {
    long maxFrame = 131072;
    try (LocalCluster c = new LocalCluster(dir, 1, LocalCluster.FAST_WAL + """
        [transport]
        max_frame_bytes = 131072
        [raft]
        max_entry_bytes = 65536
        max_append_bytes = 65536
        """);
         RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(10))) {
      c.startAll();
      c.awaitLeader();
      KvClient kv = new KvClient(client);
      Map<Long, ByteString> valueAt = new HashMap<>();
      for (int i = 0; i < 40; i++) {
        byte[] value = new byte[16 << 10];
        java.util.Arrays.fill(value, (byte) i);
        valueAt.put(kv.put(utf8("big" + i), ByteString.copyFrom(value)).getIndex(), ByteString.copyFrom(value));
      }
      String admin = c.adminAddresses.get(0);

      List<LogEntry> all = new ArrayList<>();
      int pages = 0;
      long from = 1;
      while (from != 0) {
        AdminResponse page = client.callAt(admin, AdminRequest.newBuilder().setReadLog(
            ReadLogRequest.newBuilder().setFrom(from).setFull(true)));
        assertTrue(page.getSerializedSize() <= maxFrame, "a page of " + page.getSerializedSize() + " bytes");
        pages++;
        all.addAll(page.getReadLog().getEntriesList());
        from = page.getReadLog().getNext();
        assertTrue(from == 0 || from == all.get(all.size() - 1).getIndex() + 1, "the next page starts after this one");
      }
      assertTrue(pages >= 5, pages + " pages for 640 KiB of values in 128 KiB frames");
      assertEquals(EntryType.NOOP, all.get(0).getType(), "the leader's no-op opens the log");
      for (int k = 0; k < all.size(); k++) {
        assertEquals(k + 1, all.get(k).getIndex(), "no gap and no repeat between pages");
      }
      for (Map.Entry<Long, ByteString> put : valueAt.entrySet()) {
        LogEntry e = all.get((int) (put.getKey() - 1));
        assertEquals(put.getValue(), e.getValue().getBytes(), "in full: every byte of the value");
        assertEquals(16 << 10, e.getValue().getSize());
      }

      ReadLogResponse excerpts = readLog(client, admin, ReadLogRequest.newBuilder().setFrom(1));
      assertEquals(0, excerpts.getNext(), "cut to their first bytes, the values fit one page");
      LogEntry first = excerpts.getEntriesList().stream().filter(e -> e.getKind().equals("put")).findFirst().orElseThrow();
      assertEquals(64, first.getValue().getBytes().size());
      assertEquals(16 << 10, first.getValue().getSize());
      assertTrue(first.getSummary().endsWith("\"... (16384 B)"), first.getSummary());
    }
  }

  private static ReadLogResponse readLog(RaftdClient client, String admin, ReadLogRequest.Builder r) throws Exception {
    return client.callAt(admin, AdminRequest.newBuilder().setReadLog(r)).getReadLog();
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }
}
