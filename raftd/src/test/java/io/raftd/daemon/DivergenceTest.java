package io.raftd.daemon;

import static io.raftd.daemon.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.proto.ErrorCode;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A divergence planted in one member's state machine ({@link MisbehavingKvProvider}) is found at the next
 * checksum, on that member and on no other: it logs, stops serving reads, and says so in status, /readyz
 * and its metrics; the others compared the same checksums and found them equal.
 */
class DivergenceTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @Test
  void aMemberWhoseStateDivergesIsFoundAndStopsServingReads() throws Exception {
    String toml = "state_machine = \"misbehaving-kv\"\n" + LocalCluster.FAST_WAL + """
        [divergence]
        check_interval_ms = 200
        """;
    try (LocalCluster c = new LocalCluster(dir, 3, toml)) {
      c.startAll();
      int leader = c.awaitLeader();
      int faulty = c.followerOtherThan(leader);
      int healthy = 3 - leader - faulty;
      try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(10))) {
        KvClient kv = new KvClient(client);
        kv.put(key("a"), key("1"));
        await("the members to compare a checksum, all equal", PATIENCE,
            () -> c.daemons.get(faulty).divergence().compared() >= 1 && c.daemons.get(healthy).divergence().compared() >= 1);

        c.stop(faulty);
        MisbehavingKvProvider.createFaulty = true;
        try {
          c.start(faulty);
        } finally {
          MisbehavingKvProvider.createFaulty = false;
        }
        long beforePlant = c.daemons.get(leader).node().status().commit();
        long healthyCompared = c.daemons.get(healthy).divergence().compared();
        kv.put(key("plant-1"), key("what was written"));
        Daemon bad = c.daemons.get(faulty);
        await("the member whose state machine misbehaved to find its state diverged", PATIENCE,
            () -> bad.divergence().divergence() != null);
        long at = bad.divergence().divergence().markIndex();
        assertTrue(at > beforePlant, "a divergence found at " + at + ", before the planted write (after " + beforePlant + ")");

        // The others compare the same mark, and agree with the leader.
        await("the healthy follower to compare the checksum after the planted write", PATIENCE,
            () -> c.daemons.get(healthy).divergence().compared() > healthyCompared);
        assertNull(c.daemons.get(healthy).divergence().divergence(), "a healthy follower found a divergence");
        assertNull(c.daemons.get(c.awaitLeader()).divergence().divergence(), "the leader found a divergence");

        try (RaftdClient onBad = RaftdClient.create(List.of(c.adminAddresses.get(faulty)), Duration.ofSeconds(3))) {
          RaftdException refused = assertThrows(RaftdException.class, () -> new KvClient(onBad).get(key("a"), true));
          assertEquals(ErrorCode.DIVERGED, refused.code(), refused.getMessage());
          assertEquals(at, onBad.status(c.adminAddresses.get(faulty)).getDivergedAt());
        }
        // Through every member, a read still gets the right answer: the client asks another.
        assertEquals("what was written", kv.get(key("plant-1"), false).getKvs(0).getValue().toStringUtf8());

        int port = c.metricsPorts.get(faulty);
        HttpResponse<String> ready = Scrape.get(port, "/readyz");
        assertEquals(503, ready.statusCode());
        assertTrue(ready.body().contains("[-]state failed: differs from the leader's since the checksum at index " + at),
            ready.body());
        assertEquals(1, Scrape.of(port, false).value("raftd_state_diverged"));
        assertEquals(0, Scrape.of(c.metricsPorts.get(healthy), false).value("raftd_state_diverged"));
      }
    }
  }

  private static ByteString key(String s) {
    return ByteString.copyFromUtf8(s);
  }
}
