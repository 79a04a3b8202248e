package io.raftd.daemon;

import static io.raftd.daemon.KvRequests.append;
import static io.raftd.daemon.KvRequests.readLog;
import static io.raftd.daemon.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.client.Session;
import io.raftd.proto.AppendedRecord;
import io.raftd.proto.KvCommandResult;
import io.raftd.proto.KvQueryResult;
import io.raftd.proto.WriteResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The leader stops while three clients write in sessions: the clients follow the new leader, every write
 * returns (acknowledged or failed), and every acknowledged write is in the log exactly once, where its
 * acknowledgement said.
 */
class LeaderFailoverTest {
  private static final int WRITERS = 3;
  private static final int ACKS_EACH_SIDE = 30;

  @TempDir Path root;

  @Test
  void writersFollowTheNewLeaderAndNoAcknowledgedWriteIsLost() throws Exception {
    try (LocalCluster c = new LocalCluster(root, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      int leader = c.awaitLeader();
      long oldLeaderId = c.daemons.get(leader).memberId();

      Map<String, Long> acked = new ConcurrentHashMap<>();  // payload -> index its acknowledgement gave
      List<Throwable> failures = new CopyOnWriteArrayList<>();
      AtomicInteger[] ackCount = new AtomicInteger[WRITERS];
      AtomicInteger[] attempts = new AtomicInteger[WRITERS];
      AtomicBoolean stop = new AtomicBoolean();
      List<Thread> writers = new ArrayList<>();
      for (int t = 0; t < WRITERS; t++) {
        int w = t;
        ackCount[w] = new AtomicInteger();
        attempts[w] = new AtomicInteger();
        Thread thread = new Thread(() -> {
          try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(20));
              Session session = client.openSession(Duration.ofSeconds(30))) {
            for (int i = 0; !stop.get(); i++) {
              String payload = "w" + w + "-" + i;
              attempts[w].incrementAndGet();
              try {
                WriteResponse r = session.write(append(payload));
                KvCommandResult result = KvCommandResult.parseFrom(r.getResult());
                assertTrue(result.getSucceeded());
                assertEquals(r.getIndex(), result.getIndex());
                acked.put(payload, r.getIndex());
                ackCount[w].incrementAndGet();
              } catch (RaftdException e) {
                failures.add(e);
              }
            }
          } catch (Throwable e) {
            failures.add(new AssertionError("writer " + w + " stopped", e));
          }
        }, "writer-" + w);
        writers.add(thread);
        thread.start();
      }

      try {
        await(ACKS_EACH_SIDE + " acknowledged writes per writer before the leader stops", Duration.ofSeconds(60),
            () -> minimum(ackCount) >= ACKS_EACH_SIDE);
        int[] beforeStop = new int[WRITERS];
        for (int w = 0; w < WRITERS; w++) {
          beforeStop[w] = ackCount[w].get();
        }
        c.stop(leader);
        await(ACKS_EACH_SIDE + " more acknowledged writes per writer after the leader stopped", Duration.ofSeconds(60),
            () -> {
              for (int w = 0; w < WRITERS; w++) {
                if (ackCount[w].get() < beforeStop[w] + ACKS_EACH_SIDE) {
                  return false;
                }
              }
              return true;
            });
      } finally {
        stop.set(true);
        for (Thread thread : writers) {
          thread.join(60_000);
          assertFalse(thread.isAlive(), thread.getName() + " is stuck in a write");
        }
      }
      for (Throwable f : failures) {
        assertTrue(f instanceof RaftdException, () -> "a writer failed: " + f);
      }
      assertEquals(acked.size() + failures.size(), sum(attempts), "a write neither succeeded nor threw");

      int newLeader = c.awaitLeader();
      assertNotEquals(oldLeaderId, c.daemons.get(newLeader).memberId());
      try (RaftdClient reader = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(20))) {
        Map<String, List<Long>> inLog = new HashMap<>();
        long from = 0;
        while (true) {
          KvQueryResult page = KvQueryResult.parseFrom(reader.read(readLog(from, 1000), false).getResult());
          for (AppendedRecord r : page.getRecordsList()) {
            inLog.computeIfAbsent(r.getPayload().toStringUtf8(), k -> new ArrayList<>()).add(r.getIndex());
            from = r.getIndex() + 1;
          }
          if (!page.getMore()) {
            break;
          }
        }
        for (Map.Entry<String, List<Long>> e : inLog.entrySet()) {
          assertEquals(1, e.getValue().size(), "applied more than once: " + e.getKey() + " at " + e.getValue());
        }
        for (Map.Entry<String, Long> a : acked.entrySet()) {
          assertEquals(List.of(a.getValue()), inLog.get(a.getKey()), "acknowledged write " + a.getKey() + " is not in the log");
        }
      }
      assertTrue(c.fatal.isEmpty(), c.fatal.toString());
    }
  }

  private static int minimum(AtomicInteger[] counts) {
    int min = Integer.MAX_VALUE;
    for (AtomicInteger a : counts) {
      min = Math.min(min, a.get());
    }
    return min;
  }

  private static int sum(AtomicInteger[] counts) {
    int sum = 0;
    for (AtomicInteger a : counts) {
      sum += a.get();
    }
    return sum;
  }
}
