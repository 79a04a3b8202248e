package io.raftd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.client.Session;
import io.raftd.docs.Runbook;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.ListMembersRequest;
import io.raftd.proto.ListMembersResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's membership runbooks, run command by command against real raftd processes with raftctl from
 * the packaged jars: the commands are read from the README itself, so the walkthrough an operator follows is
 * the one tested. Replacing a failed member happens under continuous session writes, and at the end every
 * acknowledged write is in every member's log exactly once.
 */
class MembershipRunbookIT {
  private static final Duration WAIT = Duration.ofSeconds(90);

  private ProcessCluster cluster;

  @RegisterExtension
  final TailsOnFailure tails = new TailsOnFailure(() -> cluster);

  @AfterEach
  void stop() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aFailedMemberIsReplacedByTheRunbookUnderContinuousWrites() throws Exception {
    cluster = new ProcessCluster("replace", 3, "");
    cluster.startAll();
    cluster.awaitLeader(WAIT);
    int failed = cluster.names.indexOf("n3");
    List<String> survivors = List.of(cluster.adminAddresses.get(0), cluster.adminAddresses.get(1));
    try (Writer writer = new Writer(cluster.adminAddresses)) {
      cluster.await(WAIT, "writes to be acknowledged before the failure", () -> writer.acked.size() >= 100);
      assertTrue(cluster.kill(failed) != 0, "n3 was not killed");
      cluster.wipe(failed);  // its disk died
      int ackedAtFailure = writer.acked.size();

      for (Runbook.Step step : Runbook.read("replace-member")) {
        String command = step.command();
        if (step.isRaftctl()) {
          ProcessCluster.Run run = cluster.raftctl(survivors, step.raftctlArgs(Map.of()));
          assertEquals(0, run.code(), () -> command + ": " + run);
        } else if (command.startsWith("rm -rf ")) {
          cluster.wipe(failed);
          cluster.joinInstead(failed, survivors);  // the runbook's comment: join in place of cluster.members
        } else if (command.startsWith("raftd --config ")) {
          cluster.start(failed);
        } else {
          throw new AssertionError("the runbook has a command this test does not know: " + command);
        }
      }
      awaitVoters(List.of("n1", "n2", "n3"));
      int ackedAtReplacement = writer.acked.size();
      cluster.await(WAIT, "writes to be acknowledged with the new n3 a voter",
          () -> writer.acked.size() >= ackedAtReplacement + 100);
      writer.stop();
      assertTrue(writer.failure.get() == null, () -> "a session write failed: " + writer.failure.get());
      assertTrue(ackedAtReplacement > ackedAtFailure, "no write was acknowledged while n3 was being replaced");

      cluster.awaitConverged(WAIT);
      for (String admin : cluster.adminAddresses) {
        try (RaftdClient one = RaftdClient.create(List.of(admin), Duration.ofSeconds(20))) {
          Map<String, Integer> counts = Kv.payloadCounts(Kv.readLog(one, true), writer.prefix);
          assertTrue(counts.values().stream().allMatch(n -> n == 1), () -> admin + " holds payloads more than once: "
              + Kv.duplicates(counts));
          assertEquals(writer.acked, Set.copyOf(counts.keySet().stream().filter(writer.acked::contains).toList()),
              admin + " lacks acknowledged payloads");
        }
      }
      System.out.printf("MembershipRunbookIT replace: %d writes acknowledged, %d before the failure, %d before the"
          + " new n3 was a voter%n", writer.acked.size(), ackedAtFailure, ackedAtReplacement);
    }
  }

  @Test
  void aMemberIsAddedByTheRunbookAndARemovedOneStopsForGood() throws Exception {
    cluster = new ProcessCluster("add", 3, "");
    cluster.startAll();
    cluster.awaitLeader(WAIT);
    int added = cluster.addJoining(List.of(cluster.adminAddresses.get(0)));
    Map<String, String> addresses = Map.of("10.0.0.4:7100", cluster.peerAddresses.get(added),
        "10.0.0.4:7200", cluster.adminAddresses.get(added));
    List<String> endpoints = cluster.adminAddresses.subList(0, 3);
    for (Runbook.Step step : Runbook.read("add-member")) {
      String command = step.command();
      if (step.isRaftctl()) {
        ProcessCluster.Run run = cluster.raftctl(endpoints, step.raftctlArgs(addresses));
        assertEquals(0, run.code(), () -> command + ": " + run);
        if (command.contains("--dry-run")) {
          assertFalse(members().getMembersList().stream().anyMatch(m -> m.getMember().getName().equals("n4")),
              "a dry run added n4");
        }
      } else if (command.startsWith("raftd --config ")) {
        cluster.start(added);
      } else {
        throw new AssertionError("the runbook has a command this test does not know: " + command);
      }
    }
    awaitVoters(List.of("n1", "n2", "n3", "n4"));

    ProcessCluster.Run removal = cluster.raftctl(endpoints, "member", "remove", "n4");
    assertEquals(0, removal.code(), removal::toString);
    assertEquals(3, cluster.awaitExit(added, WAIT), "the removed member's exit code");
    cluster.start(added);
    assertEquals(3, cluster.awaitExit(added, WAIT), "the exit code of a start on a removed member's data_dir");
    assertTrue(cluster.log(added).stream().anyMatch(l -> l.contains("which was removed from cluster")),
        "the refused start did not say why");
    awaitVoters(List.of("n1", "n2", "n3"));
  }

  // ---- helpers ----

  private ListMembersResponse members() throws RaftdException, InterruptedException {
    try (RaftdClient client = RaftdClient.create(cluster.adminAddresses.subList(0, 3), Duration.ofSeconds(10))) {
      return client.call(AdminRequest.newBuilder().setListMembers(ListMembersRequest.getDefaultInstance()), true, true)
          .getListMembers();
    }
  }

  /** Waits until the leader's configuration has exactly these voters, no learners, and is not joint. */
  private void awaitVoters(List<String> names) throws InterruptedException {
    cluster.await(WAIT, "voters " + names, () -> {
      ListMembersResponse m = members();
      return m.getFromLeader() && !m.getJoint()
          && m.getMembersList().stream().allMatch(i -> i.getRole().equals("voter"))
          && m.getMembersList().stream().map(i -> i.getMember().getName()).sorted().toList().equals(names);
    });
  }

  /** Appends unique payloads in one session, one at a time, until stopped; remembers those acknowledged. */
  private static final class Writer implements AutoCloseable {
    final String prefix = "replace-" + System.nanoTime() + "-";
    final Set<String> acked = ConcurrentHashMap.newKeySet();
    final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final RaftdClient client;
    private final Thread thread;

    Writer(List<String> endpoints) {
      this.client = RaftdClient.create(endpoints, Duration.ofSeconds(30));
      this.thread = new Thread(this::run, "runbook-writer");
      thread.start();
    }

    private void run() {
      try {
        Session session = client.openSession(Duration.ofSeconds(30));
        try {
          for (int n = 0; running.get(); n++) {
            String payload = prefix + n;
            Kv.in(session, client).append(Kv.utf8(payload));
            acked.add(payload);
          }
        } finally {
          session.close();
        }
      } catch (RaftdException | InterruptedException | RuntimeException e) {
        failure.compareAndSet(null, e);
      }
    }

    void stop() throws InterruptedException {
      running.set(false);
      thread.join(WAIT.toMillis());
      assertFalse(thread.isAlive(), "the writer did not stop");
    }

    @Override
    public void close() throws InterruptedException {
      stop();
      client.close();
    }
  }
}
