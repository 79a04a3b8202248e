package io.raftd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.client.Session;
import io.raftd.proto.NodeStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Real raftd processes, one of them stopped with SIGSTOP (a GC pause, a hung disk): its port still accepts
 * connections, and nothing answers on them. raftctl, with that member first in its endpoints, answers from
 * the others within 3 s; a long-lived client writing through the leader's pause follows the new leader
 * within 5 s of its election.
 */
class HungMemberIT {
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static ProcessCluster cluster;

  @RegisterExtension
  static final TailsOnFailure TAILS = new TailsOnFailure(() -> cluster);

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new ProcessCluster("hung-member", 3, "");
    cluster.startAll();
    cluster.awaitLeader(WAIT);
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void getAndStatusAnswerFromTheOthersWithinThreeSecondsWhileTheFirstEndpointIsStopped() throws Exception {
    int leader = cluster.awaitLeader(WAIT);
    int hung = (leader + 1) % 3;  // a follower: the leader and the other follower are healthy
    List<String> endpoints = new ArrayList<>();
    endpoints.add(cluster.adminAddresses.get(hung));
    for (int i = 0; i < 3; i++) {
      if (i != hung) {
        endpoints.add(cluster.adminAddresses.get(i));
      }
    }
    try (RaftdClient c = RaftdClient.create(cluster.adminAddresses, Duration.ofSeconds(10))) {
      new KvClient(c).put(Kv.utf8("hung-k"), Kv.utf8("v1"));
    }
    cluster.freeze(hung);
    try {
      assertTrue(cluster.isFrozen(hung), cluster.names.get(hung) + " is not stopped after SIGSTOP");
      assertNull(cluster.status(hung), cluster.names.get(hung) + " still answers after SIGSTOP");

      ProcessCluster.Run get = cluster.raftctl(endpoints, "--timeout", "10s", "get", "hung-k");
      ProcessCluster.Run status = cluster.raftctl(endpoints, "--timeout", "10s", "status");
      System.out.printf("HungMemberIT: first endpoint %s stopped: get %d ms, status %d ms%n", cluster.names.get(hung),
          get.ms(), status.ms());

      assertEquals(0, get.code(), () -> "get: " + get);
      assertEquals("v1\n", get.out());
      assertTrue(get.ms() < 3000, () -> "get took " + get.ms() + " ms with the first endpoint stopped: " + get);
      assertEquals(1, status.code(), () -> "status with a member unhealthy: " + status);
      String hungRow = status.out().lines().filter(l -> l.startsWith(cluster.names.get(hung) + " ")).findFirst().orElse("");
      assertTrue(hungRow.endsWith("unreachable"), () -> "the stopped member's row: " + status.out());
      assertTrue(status.out().contains("leader " + cluster.names.get(leader)), () -> "status: " + status.out());
      assertTrue(status.ms() < 3000, () -> "status took " + status.ms() + " ms with the first endpoint stopped: " + status);
    } finally {
      cluster.thaw(hung);
    }
    cluster.awaitStatus(hung, WAIT);
  }

  @Test
  void aLongLivedClientFollowsTheNewLeaderWithinFiveSecondsOfItsElectionWhileTheOldOneIsStopped() throws Exception {
    int leader = cluster.awaitLeader(WAIT);
    long termBefore = cluster.awaitStatus(leader, WAIT).getTerm();
    List<Long> acks = new CopyOnWriteArrayList<>();  // System.nanoTime of every acknowledged write
    List<String> failures = new CopyOnWriteArrayList<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicReference<Throwable> crashed = new AtomicReference<>();
    long frozenAt;
    long electedAt;
    long thawedAt;
    int newLeader = -1;
    try (RaftdClient client = RaftdClient.create(cluster.adminAddresses, Duration.ofSeconds(10));
        Session session = client.openSession(Duration.ofSeconds(60))) {
      KvClient kv = Kv.in(session, client);
      Thread writer = new Thread(() -> {
        try {
          for (int n = 0; !stop.get(); n++) {
            try {
              kv.put(Kv.utf8("pause-k"), Kv.utf8("v" + n));
              acks.add(System.nanoTime());
            } catch (RaftdException e) {
              failures.add(e.code() + ": " + e.getMessage());
            }
          }
        } catch (Throwable e) {
          crashed.set(e);
        }
      }, "writer");
      writer.start();
      try {
        cluster.await(WAIT, "100 acknowledged writes before the pause", () -> acks.size() >= 100);
        cluster.freeze(leader);
        frozenAt = System.nanoTime();
        try {
          assertTrue(cluster.isFrozen(leader), "the leader is not stopped after SIGSTOP");
          int[] elected = {-1};
          cluster.await(WAIT, "another member to be elected", () -> {
            for (int i = 0; i < 3; i++) {
              NodeStatus s = i == leader ? null : cluster.status(i);
              if (s != null && s.getRole().equals("leader") && s.getTerm() > termBefore) {
                elected[0] = i;
                return true;
              }
            }
            return false;
          });
          electedAt = System.nanoTime();
          newLeader = elected[0];
          // The pause lasts 20 s from the SIGSTOP, writes going on (or not) meanwhile.
          cluster.await(WAIT, "20 s of the leader stopped", () -> System.nanoTime() - frozenAt > TimeUnit.SECONDS.toNanos(20));
          assertTrue(cluster.isFrozen(leader), "the leader ran again during its pause");
        } finally {
          cluster.thaw(leader);
        }
        thawedAt = System.nanoTime();
        long ackedAtThaw = acks.size();
        cluster.await(WAIT, "writes after the old leader is continued", () -> acks.size() > ackedAtThaw + 10);
      } finally {
        stop.set(true);
        writer.join(Duration.ofSeconds(30).toMillis());
      }
    }
    assertTrue(crashed.get() == null, () -> "the writer crashed: " + crashed.get());
    assertNotEquals(leader, newLeader);
    long firstAfterElection = acks.stream().filter(t -> t > electedAt).findFirst().orElseThrow();
    long longestGapMs = 0;
    long previous = acks.stream().filter(t -> t < frozenAt).reduce((a, b) -> b).orElseThrow();
    for (long t : acks) {
      if (t > frozenAt && t < thawedAt) {
        longestGapMs = Math.max(longestGapMs, (t - previous) / 1_000_000);
        previous = t;
      }
    }
    long resumeMs = (firstAfterElection - electedAt) / 1_000_000;
    long electionMs = (electedAt - frozenAt) / 1_000_000;
    System.out.printf("HungMemberIT: leader %s stopped 20 s: new leader %s seen %d ms after the SIGSTOP, writes resumed "
            + "%d ms after that; longest gap between acknowledged writes %d ms; %d failed writes: %s%n",
        cluster.names.get(leader), cluster.names.get(newLeader), electionMs, resumeMs, longestGapMs, failures.size(),
        failures.stream().limit(3).toList());
    assertTrue(resumeMs < 5000, "writes resumed " + resumeMs + " ms after the new leader was elected");
    // Election (up to 2 s timeout plus the vote) plus the write that hung on the old leader.
    assertTrue(longestGapMs < electionMs + 5000, "longest gap " + longestGapMs + " ms; election after " + electionMs + " ms");
    long acksDuringPause = acks.stream().filter(t -> t > electedAt && t < thawedAt).count();
    assertTrue(acksDuringPause > 50, "only " + acksDuringPause + " writes acknowledged while the old leader was stopped");
  }
}
