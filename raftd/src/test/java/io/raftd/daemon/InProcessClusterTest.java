package io.raftd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.client.RaftdClient;
import io.raftd.client.Session;
import io.raftd.proto.KvCommand;
import io.raftd.proto.KvCommandResult;
import io.raftd.proto.KvGet;
import io.raftd.proto.KvPut;
import io.raftd.proto.KvQuery;
import io.raftd.proto.KvQueryResult;
import io.raftd.proto.NodeStatus;
import io.raftd.proto.WriteResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three daemons in this JVM: they form a cluster, elect a leader, and serve writes and reads. */
class InProcessClusterTest {
  @TempDir Path root;

  static byte[] put(String k, String v) {
    return KvCommand.newBuilder().setPut(KvPut.newBuilder().setKey(ByteString.copyFromUtf8(k))
        .setValue(ByteString.copyFromUtf8(v))).build().toByteArray();
  }

  static byte[] get(String k) {
    return KvQuery.newBuilder().setGet(KvGet.newBuilder().setKey(ByteString.copyFromUtf8(k))).build().toByteArray();
  }

  @Test
  void threeMembersFormAClusterAndServeWritesAndLinearizableReadsFromAnyMember() throws Exception {
    try (LocalCluster c = new LocalCluster(root, 3, "")) {
      c.startAll();
      try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(20))) {
        WriteResponse w = client.write(put("a", "1"));
        assertTrue(w.getIndex() > 0);
        KvCommandResult r = KvCommandResult.parseFrom(w.getResult());
        assertTrue(r.getSucceeded());
        for (String endpoint : c.adminAddresses) {
          try (RaftdClient one = RaftdClient.create(java.util.List.of(endpoint), Duration.ofSeconds(20))) {
            KvQueryResult q = KvQueryResult.parseFrom(one.read(get("a"), false).getResult());
            assertEquals("1", q.getKvs(0).getValue().toStringUtf8(), "read at " + endpoint);
          }
        }
        try (Session s = client.openSession(Duration.ofSeconds(30))) {
          for (int i = 0; i < 20; i++) {
            s.write(put("k" + i, "v" + i));
          }
        }
        NodeStatus st = client.status(null);
        assertEquals(3, st.getVotersCount());
        assertTrue(st.hasLeader());
        assertTrue(st.getWalFsyncs() > 0 && st.getWalFsyncedWrites() >= st.getWalFsyncs()
            && st.getWalFsyncedEntries() > 0, "group-commit counters: " + st);
      }
      assertTrue(c.fatal.isEmpty(), c.fatal.toString());
    }
  }
}
