package io.raftd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.client.Session;
import io.raftd.proto.AppendedRecord;
import io.raftd.proto.KvCommandResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Sessions apply a write exactly once however often a lossy network makes the client send it: three real
 * raftd processes, the client reaching them only through {@link FaultProxy}s that swallow a quarter of the
 * successful write responses (the write applied, the client never told) and cut the connection.
 */
class ExactlyOnceIT {
  private static final Duration WAIT = Duration.ofSeconds(60);
  private static final double DROP_RATE = 0.25;
  private static final int WRITES = 500;

  private static ProcessCluster cluster;

  @RegisterExtension
  static final TailsOnFailure TAILS = new TailsOnFailure(() -> cluster);

  private FaultProxy.Group proxies;
  private RaftdClient client;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new ProcessCluster("exactly-once", 3, "");
    cluster.startAll();
    cluster.awaitLeader(WAIT);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @BeforeEach
  void lossyClient() throws Exception {
    proxies = new FaultProxy.Group(DROP_RATE, 42);
    List<String> endpoints = new ArrayList<>();
    for (String admin : cluster.adminAddresses) {
      endpoints.add(proxies.proxy(admin).address());
    }
    client = RaftdClient.create(endpoints, Duration.ofSeconds(20));
  }

  @AfterEach
  void closeClient() {
    client.close();
    proxies.close();
  }

  /**
   * One client increments a counter 500 times by read-then-compare-and-set in one session. With a single
   * writer and linearizable reads a cas can only fail if an earlier one was applied twice (a retried cas
   * applied again finds its own new value, fails, and the client then increments once more) or a read was
   * stale; so: no cas fails, and the counter ends at exactly 500.
   */
  @Test
  void aCasCounterIncrementedThroughLossyConnectionsEndsAtExactlyItsIncrements() throws Exception {
    int casFailures = 0;
    Session session = client.openSession(Duration.ofSeconds(30));
    try {
      for (int done = 0; done < WRITES; ) {
        String current = Kv.read(client, "counter");
        int value = current == null ? 0 : Integer.parseInt(current);
        KvCommandResult r = Kv.in(session, client).cas(Kv.cas("counter", current, Integer.toString(value + 1)));
        if (r.getSucceeded()) {
          done++;
        } else {
          casFailures++;  // re-read and retry, but this should never happen: see above
        }
      }
    } finally {
      session.close();
    }
    System.out.println("ExactlyOnceIT cas: " + proxies);
    assertEquals(Integer.toString(WRITES), Kv.read(client, "counter"), "the counter after " + WRITES + " increments");
    assertEquals(0, casFailures, "compare-and-sets that failed with this client the only writer");
    assertFaultsFired();
    cluster.awaitConverged(WAIT);
    for (String admin : cluster.adminAddresses) {
      try (RaftdClient one = RaftdClient.create(List.of(admin), Duration.ofSeconds(20))) {
        assertEquals(Integer.toString(WRITES), Kv.read(one, "counter"), "the counter read at " + admin);
      }
    }
  }

  /**
   * Four threads share one session and append 500 unique payloads through the lossy proxies (pipelined on one
   * connection, so one dropped response fails every write in flight on it): each must be in the log once.
   */
  @Test
  void sessionAppendsThroughLossyConnectionsAreEachInTheLogExactlyOnce() throws Exception {
    String prefix = "eo-" + System.nanoTime() + "-";
    Set<String> acked = ConcurrentHashMap.newKeySet();
    AtomicReference<Throwable> failed = new AtomicReference<>();
    Session session = client.openSession(Duration.ofSeconds(30));
    try {
      List<Thread> threads = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        int id = t;
        Thread w = new Thread(() -> {
          try {
            for (int n = 0; n < WRITES / 4; n++) {
              String payload = prefix + id + "-" + n;
              Kv.in(session, client).append(Kv.utf8(payload));
              acked.add(payload);
            }
          } catch (RaftdException | InterruptedException | RuntimeException e) {
            failed.compareAndSet(null, e);
          }
        }, "appender-" + t);
        threads.add(w);
        w.start();
      }
      for (Thread w : threads) {
        w.join(WAIT.toMillis());
        assertTrue(!w.isAlive(), w.getName() + " still runs after " + WAIT);
      }
    } finally {
      session.close();
    }
    System.out.println("ExactlyOnceIT appends: " + proxies);
    assertTrue(failed.get() == null, () -> "a session write failed (" + proxies + "): " + failed.get());
    assertEquals(WRITES, acked.size());
    assertFaultsFired();

    List<AppendedRecord> log = Kv.readLog(client, false);
    Map<String, Integer> counts = Kv.payloadCounts(log, prefix);
    assertTrue(counts.values().stream().allMatch(n -> n == 1), () -> "payloads appended more than once: "
        + Kv.duplicates(counts));
    List<String> lost = acked.stream().filter(p -> !counts.containsKey(p)).sorted().toList();
    assertTrue(lost.isEmpty(), () -> "acknowledged payloads missing from the log: " + Kv.firstFew(lost));
    assertEquals(acked, counts.keySet(), "the payloads in the log");
  }

  /** The proxies did drop acknowledged writes, and the client did send them again. */
  private void assertFaultsFired() {
    assertTrue(proxies.responsesDropped.get() >= 50, "too few responses dropped: " + proxies);
    assertTrue(proxies.writesResent.get() >= 50, "too few writes resent: " + proxies);
  }
}
