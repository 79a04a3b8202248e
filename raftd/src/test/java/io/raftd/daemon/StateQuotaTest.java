package io.raftd.daemon;

import static io.raftd.daemon.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.NodeStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The state quota (kv.quota_bytes) on a cluster of three: writes that could pass it are refused with NO_SPACE
 * naming the key, reads and deletes are still served, writes resume by themselves once deletes free space,
 * and the members restart with a full state (restored from snapshots, counted again).
 */
class StateQuotaTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final long QUOTA = 1 << 20;
  /** About 60 keys fill the quota; snapshots come every 25 entries, so a restart restores one. */
  private static final int VALUE_BYTES = 16 << 10;
  private static final String TOML = LocalCluster.FAST_WAL + """
      [kv]
      quota_bytes = %d
      [snapshot]
      entries = 25
      keep_entries = 5
      """.formatted(QUOTA);

  @TempDir
  Path dir;

  @Test
  void writesBeyondTheQuotaAreRefusedUntilDeletesFreeSpaceAndAFullStateRestarts() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, TOML)) {
      c.startAll();
      c.awaitLeader();
      try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(10))) {
        KvClient kv = new KvClient(client);
        int taken = fill(kv, 0);
        assertTrue(taken >= 50, "only " + taken + " writes of " + VALUE_BYTES + " bytes fit a quota of " + QUOTA);
        int leader = c.awaitLeader();
        assertTrue(c.daemons.get(leader).quota().usedBytes() <= QUOTA, "the leader let its state pass the quota");
        NodeStatus status = client.status(c.adminAddresses.get(leader));
        assertEquals(QUOTA, status.getStateQuotaBytes());
        assertTrue(status.getStateBytes() > QUOTA - VALUE_BYTES, "status gives " + status.getStateBytes() + " bytes");
        Scrape metrics = Scrape.of(c.metricsPorts.get(leader), false);
        assertEquals(QUOTA, metrics.value("raftd_state_quota_bytes"));
        assertEquals(status.getStateBytes(), metrics.value("raftd_state_bytes"));

        assertEquals(VALUE_BYTES, kv.get(key(0), false).getKvs(0).getValue().size(), "a read of a full state");
        for (int i = 0; i < 10; i++) {
          assertTrue(kv.delete(key(i)).getSucceeded(), "a delete of a full state");
        }
        kv.put(key(0), value(0));  // no snapshot or restart needed: the deletes freed the space
        int more = fill(kv, taken);
        assertTrue(more >= 5, "only " + more + " writes were taken after ten deletes");

        for (int i = 0; i < 3; i++) {
          c.stop(i);
        }
        c.startAll();
        c.awaitLeader();
        for (int i = 0; i < 3; i++) {
          Daemon d = c.daemons.get(i);
          assertTrue(d.wal().snapshot().getIndex() > 0, d.config().name() + " restarted without a snapshot");
        }
        assertEquals(VALUE_BYTES, kv.get(key(taken), false).getKvs(0).getValue().size(), "a read after the restart");
        RaftdException refused = assertThrows(RaftdException.class, () -> kv.put(key(-1), value(-1)));
        assertEquals(ErrorCode.NO_SPACE, refused.code(), "the restarted members forgot the state was full");
        kv.delete(key(taken));
        kv.put(key(-1), value(-1));
      }
    }
  }

  /** Puts keys from {@code first} on until one is refused, which must be NO_SPACE naming the quota: how many went in. */
  private static int fill(KvClient kv, int first) throws Exception {
    for (int i = first; i < first + 1000; i++) {
      try {
        kv.put(key(i), value(i));
      } catch (RaftdException e) {
        assertEquals(ErrorCode.NO_SPACE, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("kv.quota_bytes (" + QUOTA + ")"), e.getMessage());
        return i - first;
      }
    }
    throw new AssertionError("1000 writes of " + VALUE_BYTES + " bytes and none refused: no quota of " + QUOTA);
  }

  private static ByteString key(int i) {
    return ByteString.copyFromUtf8("key-" + i);
  }

  private static ByteString value(int i) {
    byte[] v = new byte[VALUE_BYTES];
    Arrays.fill(v, (byte) i);
    return ByteString.copyFrom(v);
  }
}
