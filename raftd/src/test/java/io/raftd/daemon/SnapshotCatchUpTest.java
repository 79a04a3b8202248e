package io.raftd.daemon;

import static io.raftd.daemon.KvRequests.get;
import static io.raftd.daemon.KvRequests.put;
import static io.raftd.daemon.KvRequests.value;
import static io.raftd.daemon.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.client.RaftdClient;
import io.raftd.proto.NodeStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower that was down while the leader compacted its log past the follower's last entry catches up
 * by a snapshot streamed over the peer port, then serves linearizable reads of the latest state.
 */
class SnapshotCatchUpTest {
  private static final int WRITES = 5_000;
  private static final int THREADS = 16;

  @TempDir Path root;

  @Test
  void aFollowerBehindTheCompactedLogCatchesUpByAStreamedSnapshot() throws Exception {
    String toml = LocalCluster.FAST_WAL + """
        [snapshot]
        entries = 500
        keep_entries = 100
        """;
    try (LocalCluster c = new LocalCluster(root, 3, toml)) {
      c.startAll();
      int leader = c.awaitLeader();
      int f = c.followerOtherThan(leader);
      Daemon follower = c.daemons.get(f);
      c.stop(f);
      long followerLast = follower.node().status().lastIndex();  // final: it is closed

      try (RaftdClient writer = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(20))) {
        AtomicInteger next = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(THREADS);
        try {
          List<Future<?>> done = new ArrayList<>();
          for (int t = 0; t < THREADS; t++) {
            done.add(pool.submit(() -> {
              for (int i = next.getAndIncrement(); i < WRITES; i = next.getAndIncrement()) {
                writer.write(put("k" + i, "v" + i));
              }
              return null;
            }));
          }
          for (Future<?> d : done) {
            d.get(60, TimeUnit.SECONDS);
          }
        } finally {
          pool.shutdownNow();
        }
        long lastWrite = writer.write(put("last", "final")).getIndex();

        String leaderEndpoint = c.adminAddresses.get(leader);
        await("the leader's log to be compacted past the stopped follower's last entry " + followerLast,
            Duration.ofSeconds(60), () -> writer.status(leaderEndpoint).getFirstIndex() > followerLast + 1);
        NodeStatus leaderStatus = writer.status(leaderEndpoint);
        assertTrue(leaderStatus.getApplied() >= lastWrite, leaderStatus.toString());

        c.start(f);
        String followerEndpoint = c.adminAddresses.get(f);
        await("the restarted follower to apply what the leader has applied (" + leaderStatus.getApplied() + ")",
            Duration.ofSeconds(60), () -> writer.status(followerEndpoint).getApplied() >= leaderStatus.getApplied());

        NodeStatus caughtUp = writer.status(followerEndpoint);
        long received = c.daemons.get(f).transport().counters().snapshotsReceived();
        assertTrue(received >= 1, "no snapshot was streamed to the follower: " + c.daemons.get(f).transport().counters());
        assertTrue(caughtUp.getSnapshotIndex() > followerLast + 1,
            "its snapshot index " + caughtUp.getSnapshotIndex() + " is not past its old last entry " + followerLast);
        assertTrue(caughtUp.getFirstIndex() > followerLast + 1, "its log does not start after the snapshot: " + caughtUp);

        try (RaftdClient onFollower = RaftdClient.create(List.of(followerEndpoint), Duration.ofSeconds(20))) {
          assertEquals("final", value(onFollower.read(get("last"), false)));
          assertEquals("v0", value(onFollower.read(get("k0"), false)));
          assertEquals("v" + (WRITES - 1), value(onFollower.read(get("k" + (WRITES - 1)), false)));
        }
      }
      assertTrue(c.fatal.isEmpty(), c.fatal.toString());
    }
  }
}
