package io.raftd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.client.Session;
import io.raftd.proto.AppendedRecord;
import io.raftd.proto.NodeStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three real raftd processes; four writers append unique payloads through sessions while the leader is
 * killed with SIGKILL mid-write, the survivors elect a new leader and keep taking writes, and the killed
 * member restarts and catches up (by snapshot, with these settings). Every acknowledged payload must then be
 * in the replicated log exactly once, and nothing at all twice.
 */
class KillLeaderIT {
  private static final int WRITERS = 4;
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static ProcessCluster cluster;

  @RegisterExtension
  static final TailsOnFailure TAILS = new TailsOnFailure(() -> cluster);

  @BeforeAll
  static void startCluster() throws Exception {
    // Small snapshot intervals: the killed member falls far enough behind to be sent a snapshot, and
    // restarts from one of its own.
    cluster = new ProcessCluster("kill-leader", 3, """
        [snapshot]
        entries = 300
        keep_entries = 100
        """);
    cluster.startAll();
    cluster.awaitLeader(WAIT);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  /** One write's life, in System.nanoTime terms. */
  record Timed(String payload, long start, long end) {}

  @Test
  void everyAcknowledgedAppendSurvivesKillingTheLeaderMidWriteExactlyOnce() throws Exception {
    Set<String> acked = ConcurrentHashMap.newKeySet();
    Set<String> unknown = ConcurrentHashMap.newKeySet();
    Map<String, Long> inFlight = new ConcurrentHashMap<>();  // payload -> start
    List<Timed> finished = java.util.Collections.synchronizedList(new ArrayList<>());
    Map<String, String> failures = new ConcurrentHashMap<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> crashed = new AtomicReference<>();

    // Two clients, two writer threads on each (requests pipelined on one connection), one session per writer.
    List<RaftdClient> clients = List.of(RaftdClient.create(cluster.adminAddresses, Duration.ofSeconds(20)),
        RaftdClient.create(cluster.adminAddresses, Duration.ofSeconds(20)));
    List<Session> sessions = new ArrayList<>();
    for (int t = 0; t < WRITERS; t++) {
      sessions.add(clients.get(t % 2).openSession(Duration.ofSeconds(30)));
    }
    List<Thread> writers = new ArrayList<>();
    for (int t = 0; t < WRITERS; t++) {
      int id = t;
      KvClient kv = Kv.in(sessions.get(t), clients.get(t % 2));
      Thread w = new Thread(() -> {
        try {
          for (int n = 0; !stop.get(); n++) {
            String payload = "w" + id + "-" + n;
            long start = System.nanoTime();
            inFlight.put(payload, start);
            try {
              kv.append(Kv.utf8(payload));
              acked.add(payload);
            } catch (RaftdException e) {
              unknown.add(payload);  // whatever the code: it may or may not have been appended
              failures.put(payload, e.code() + ": " + e.getMessage());
            } finally {
              inFlight.remove(payload);
              finished.add(new Timed(payload, start, System.nanoTime()));
            }
          }
        } catch (Throwable e) {
          crashed.set(e);
        }
      }, "writer-" + t);
      writers.add(w);
      w.start();
    }

    long killStart;
    long killEnd;
    Map<String, Long> inFlightAtKill;
    try {
      // Enough for the leader to have taken a snapshot (every 300 entries) that it restarts from.
      cluster.await(WAIT, "400 acknowledged appends before the kill", () -> acked.size() >= 400);

      // The leader, as a member reports it.
      NodeStatus before = clients.get(0).status(cluster.adminAddresses.get(0));
      assertTrue(before.hasLeader(), "n1 knows no leader: " + before);
      int leader = cluster.indexOfAdmin(before.getLeader().getAdminAddress());
      long termBefore = before.getTerm();

      // Kill it while writes are in flight: freeze it first (SIGSTOP), so that every writer's next write
      // hangs on it, then SIGKILL it with those writes unanswered.
      // (A write answered just before the freeze may still look in flight while the loaded test JVM has not
      // read its answer yet; one unanswered for 300 ms, where writes take milliseconds, hangs on the leader.)
      cluster.freeze(leader);
      cluster.await(WAIT, "every writer blocked on the frozen leader for 300 ms", () -> inFlight.size() == WRITERS
          && inFlight.values().stream().allMatch(start -> System.nanoTime() - start > 300_000_000L));
      for (int i = 0; i < cluster.size(); i++) {
        if (i != leader) {
          NodeStatus s = cluster.status(i);
          assertTrue(s != null && s.getLeader().getAdminAddress().equals(cluster.adminAddresses.get(leader)),
              "the frozen member still leads as " + cluster.names.get(i) + " sees it: " + s);
        }
      }
      inFlightAtKill = new HashMap<>(inFlight);
      killStart = System.nanoTime();
      int exit = cluster.kill(leader);
      killEnd = System.nanoTime();
      int ackedAtKill = acked.size();
      assertEquals(137, exit, "the leader's exit code after SIGKILL");

      int newLeader = cluster.awaitLeader(WAIT);
      assertNotEquals(leader, newLeader, "the killed member cannot lead");
      NodeStatus elected = cluster.awaitStatus(newLeader, WAIT);
      assertTrue(elected.getTerm() > termBefore, () -> "new leader's status " + elected
          + " after term " + termBefore);

      // Writes go on without it ...
      cluster.await(WAIT, "100 more acknowledged appends after the kill", () -> acked.size() >= ackedAtKill + 100);
      NodeStatus whileDown = cluster.awaitStatus(newLeader, WAIT);
      // ... and on while it restarts and catches up.
      cluster.start(leader);
      int ackedAtRestart = acked.size();
      cluster.await(WAIT, "the restarted member to apply past the index the leader had while it was down",
          () -> {
            NodeStatus s = cluster.status(leader);
            return s != null && s.getApplied() >= whileDown.getLastIndex();
          });
      cluster.await(WAIT, "100 more acknowledged appends after the restart", () -> acked.size() >= ackedAtRestart + 100);
    } finally {
      stop.set(true);
      for (Thread w : writers) {
        w.join(Duration.ofSeconds(60).toMillis());
      }
    }
    assertTrue(crashed.get() == null, () -> "a writer crashed: " + crashed.get());
    for (Session s : sessions) {
      s.close();
    }

    // The writes in flight at the kill were answered only after the process was gone, by the new leader (after
    // retries inside the client or the session).
    List<Timed> acrossKill = finished.stream().filter(t -> inFlightAtKill.containsKey(t.payload())).toList();
    assertEquals(WRITERS, acrossKill.size(), () -> "writes in flight at the kill: " + inFlightAtKill.keySet()
        + ", finished: " + acrossKill);
    assertTrue(acrossKill.stream().allMatch(t -> t.start() < killStart && t.end() > killEnd),
        () -> "a write in flight at the kill ended before the process was gone (times from the SIGKILL, us): "
            + acrossKill.stream().map(t -> t.payload() + " " + (t.start() - killStart) / 1000 + ".."
            + (t.end() - killStart) / 1000 + (acked.contains(t.payload()) ? " acked" : " failed: " + failures.get(t.payload())))
            .toList());

    List<NodeStatus> converged = cluster.awaitConverged(WAIT);
    List<AppendedRecord> log;
    try (RaftdClient reader = RaftdClient.create(cluster.adminAddresses, Duration.ofSeconds(20))) {
      log = Kv.readLog(reader, false);
    }
    // Every member holds the same appended log (stale reads: each answers from its own state).
    for (int i = 0; i < cluster.size(); i++) {
      try (RaftdClient one = RaftdClient.create(List.of(cluster.adminAddresses.get(i)), Duration.ofSeconds(20))) {
        List<AppendedRecord> there = Kv.readLog(one, true);
        String name = cluster.names.get(i);
        assertEquals(log.size(), there.size(), () -> "records in the appended log on " + name);
        for (int k = 0; k < log.size(); k++) {
          assertEquals(log.get(k), there.get(k), "record " + k + " of the appended log on " + name);
        }
      }
    }

    Map<String, Integer> counts = Kv.payloadCounts(log, "");
    assertTrue(counts.values().stream().allMatch(n -> n == 1), () -> "payloads appended more than once: "
        + Kv.duplicates(counts));
    List<String> lost = acked.stream().filter(p -> !counts.containsKey(p)).sorted().toList();
    assertTrue(lost.isEmpty(), () -> "acknowledged payloads missing from the log: " + Kv.firstFew(lost));
    List<String> foreign = counts.keySet().stream().filter(p -> !acked.contains(p) && !unknown.contains(p)).toList();
    assertTrue(foreign.isEmpty(), () -> "payloads nobody wrote: " + Kv.firstFew(foreign));
    System.out.printf("KillLeaderIT: %d writes in flight at the kill (%d of them acknowledged); %d acknowledged, %d failed"
        + " (%d of those in the log); %d records; converged at index %d; failures: %s%n", acrossKill.size(),
        acrossKill.stream().filter(t -> acked.contains(t.payload())).count(), acked.size(), unknown.size(),
        unknown.stream().filter(counts::containsKey).count(), log.size(), converged.get(0).getLastIndex(), failures);
  }
}
