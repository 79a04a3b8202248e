package io.raftd.daemon;

import static io.raftd.daemon.LocalCluster.await;
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
import io.raftd.proto.PeerProgress;
import io.raftd.proto.WriteResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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

  @Test
  void theLeadersStatusShowsHowFarEachPeerIsAndWhenItWasLastHeardFrom() throws Exception {
    try (LocalCluster c = new LocalCluster(root, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      int leader = c.awaitLeader();
      int stopped = c.followerOtherThan(leader);
      int other = 3 - leader - stopped;
      String endpoint = c.adminAddresses.get(leader);
      try (RaftdClient client = RaftdClient.create(List.of(endpoint), Duration.ofSeconds(20))) {
        long index = client.write(put("a", "1")).getIndex();
        await("both peers to match the leader's log and be heard from lately", Duration.ofSeconds(60), () -> {
          NodeStatus s = client.status(endpoint);
          Map<String, PeerProgress> peers = byName(s);
          return peers.keySet().equals(Set.of(c.names.get(stopped), c.names.get(other)))
              && peers.values().stream().allMatch(p -> p.getMatch() == s.getLastIndex() && p.getMatch() >= index
                  && p.getLag() == 0 && p.getLastContactMs() < 1000);
        });

        c.stop(stopped);
        await(c.names.get(stopped) + " to be out of contact for over a second while " + c.names.get(other) + " is not",
            Duration.ofSeconds(60), () -> {
              Map<String, PeerProgress> peers = byName(client.status(endpoint));
              return peers.get(c.names.get(stopped)).getLastContactMs() > 1500
                  && peers.get(c.names.get(other)).getLastContactMs() < 1000;
            });
      }
      assertTrue(c.fatal.isEmpty(), c.fatal.toString());
    }
  }

  private static Map<String, PeerProgress> byName(NodeStatus s) {
    Map<String, PeerProgress> peers = new TreeMap<>();
    s.getPeersList().forEach(p -> peers.put(p.getMember().getName(), p));
    return peers;
  }
}
