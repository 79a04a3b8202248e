package io.raftd.daemon;

import static io.raftd.daemon.KvRequests.put;
import static io.raftd.daemon.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.raftd.client.RaftdClient;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * /metrics, /livez, /readyz and /healthz of running members: the exposition parses with Prometheus' own
 * parser in both formats, and its figures move as the cluster does; the health endpoints say which check
 * fails while a member is cut off, and recover with it.
 */
class MetricsEndpointTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path root;

  @Test
  void metricsParseAndMoveWithTheCluster() throws Exception {
    try (LocalCluster c = new LocalCluster(root, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      int leader = c.awaitLeader();
      int port = c.metricsPorts.get(leader);
      // The core's counters are published once a tick: the election's may be a tick behind awaitLeader.
      Scrape[] scraped = new Scrape[1];
      LocalCluster.await("the leader's counters to show its election", Duration.ofSeconds(10),
          () -> (scraped[0] = Scrape.of(port, false)).value("raftd_elections_won_total") >= 1);
      Scrape first = scraped[0];
      assertTrue(first.contentType.startsWith("text/plain; version=0.0.4"), first.contentType);
      assertEquals("gauge", first.type("raftd_term"));
      assertEquals("histogram", first.type("raftd_wal_fsync_duration_seconds"));
      long term = (long) first.value("raftd_term");
      assertTrue(term >= 1, "term " + term + " after an election");
      assertEquals(1, first.value("raftd_role", "role", "leader"));
      assertEquals(0, first.value("raftd_role", "role", "follower"));
      assertEquals(1, first.value("raftd_has_leader"));
      assertTrue(first.value("raftd_elections_won_total") >= 1, "the leader won an election");
      assertTrue(first.value("jvm_memory_used_bytes", "area", "heap") > 0, "the JVM's own metrics are there");
      assertTrue(first.value("process_cpu_seconds_total") > 0, "the process's own metrics are there");

      double applied = first.value("raftd_applied_index");
      double fsyncs = first.value("raftd_wal_fsync_duration_seconds_count");
      try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(20))) {
        for (int i = 0; i < 20; i++) {
          client.write(put("k" + i, "v" + i));
        }
      }
      Scrape afterWrites = Scrape.of(port, false);
      assertEquals("counter", afterWrites.type("raftd_requests"));
      assertTrue(afterWrites.value("raftd_applied_index") >= applied + 20, "applied moves with the writes");
      assertTrue(afterWrites.value("raftd_wal_fsync_duration_seconds_count") > fsyncs, "fsyncs are counted");
      assertTrue(afterWrites.value("raftd_wal_fsync_entries_sum") >= 20, "entries per fsync add up to the writes");
      assertTrue(afterWrites.value("raftd_requests_total", "operation", "write", "outcome", "ok") >= 20);
      assertTrue(afterWrites.value("raftd_proposal_commit_seconds_count") >= 20, "each write's commit latency");

      // A follower stopped falls behind by every write that follows, as its leader sees it.
      int stopped = c.followerOtherThan(leader);
      String stoppedName = c.names.get(stopped);
      c.stop(stopped);
      try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(20))) {
        for (int i = 0; i < 30; i++) {
          client.write(put("lag" + i, "v"));
        }
      }
      await("the leader to report the stopped follower 30 entries behind", WAIT,
          () -> Scrape.of(port, false).value("raftd_peer_match_lag_entries", "peer", stoppedName) >= 30);
      Scrape lagging = Scrape.of(port, false);
      assertTrue(lagging.value("raftd_peer_last_contact_seconds", "peer", stoppedName) > 0);
      String running = c.names.get(3 - leader - stopped);
      assertTrue(lagging.value("raftd_peer_match_lag_entries", "peer", running) < 30,
          "the follower that acknowledged the writes is not behind by them");

      // The same registry in OpenMetrics, for a scraper that asks for it.
      Scrape open = Scrape.of(port, true);
      assertTrue(open.contentType.startsWith("application/openmetrics-text"), open.contentType);
      assertEquals(1, open.value("raftd_role", "role", "leader"));

      // A new leader: the term moves on, and the members count the change.
      c.start(stopped);
      int survivor = c.followerOtherThan(leader);
      double changes = Scrape.of(c.metricsPorts.get(survivor), false).value("raftd_leader_changes_total");
      c.stop(leader);
      int next = c.awaitLeader();
      Scrape afterElection = Scrape.of(c.metricsPorts.get(next), false);
      assertTrue(afterElection.value("raftd_term") > term, "the term after the election");
      assertEquals(1, afterElection.value("raftd_role", "role", "leader"));
      assertTrue(Scrape.of(c.metricsPorts.get(survivor), false).value("raftd_leader_changes_total") > changes);
    }
  }

  @Test
  void healthEndpointsNameTheFailingCheckAndRecover() throws Exception {
    String slowElections = LocalCluster.FAST_WAL + """
        [raft]
        election_timeout_ms = [1000, 1200]
        """;
    try (LocalCluster c = new LocalCluster(root, 3, slowElections)) {
      c.startAll();
      int leader = c.awaitLeader();
      for (int i = 0; i < 3; i++) {
        int port = c.metricsPorts.get(i);
        await("member " + i + " to be ready", WAIT, () -> Scrape.get(port, "/readyz").statusCode() == 200);
        assertEquals(200, Scrape.get(port, "/livez").statusCode());
      }
      int alone = c.followerOtherThan(leader);
      int port = c.metricsPorts.get(alone);
      JsonObject healthy = JsonParser.parseString(Scrape.get(port, "/healthz").body()).getAsJsonObject();
      assertTrue(healthy.get("healthy").getAsBoolean(), healthy.toString());
      List<String> checks = new ArrayList<>();
      healthy.getAsJsonArray("checks").forEach(e -> checks.add(e.getAsJsonObject().get("name").getAsString()));
      assertEquals(List.of("raft_loop", "leader", "member", "wal", "disk", "state"), checks);

      // Cut off from both others: no leader it hears from, so not ready; still alive.
      for (int i = 0; i < 3; i++) {
        if (i != alone) {
          c.stop(i);
        }
      }
      await("the member left alone to be not ready", WAIT, () -> Scrape.get(port, "/readyz").statusCode() == 503);
      HttpResponse<String> notReady = Scrape.get(port, "/readyz");
      assertTrue(notReady.body().contains("[-]leader failed"), notReady.body());
      assertTrue(notReady.body().contains("[+]wal ok"), notReady.body());
      assertTrue(notReady.body().endsWith("readyz check failed\n"), notReady.body());
      JsonObject unhealthy = JsonParser.parseString(Scrape.get(port, "/healthz").body()).getAsJsonObject();
      assertEquals(false, unhealthy.get("healthy").getAsBoolean());
      assertEquals(503, Scrape.get(port, "/healthz").statusCode());
      JsonObject leaderCheck = unhealthy.getAsJsonArray("checks").get(1).getAsJsonObject();
      assertEquals("leader", leaderCheck.get("name").getAsString());
      assertEquals(false, leaderCheck.get("healthy").getAsBoolean());
      assertEquals(200, Scrape.get(port, "/livez").statusCode(), "a member without a leader is still alive");
      assertEquals(0, Scrape.of(port, false).value("raftd_has_leader"));

      // The others back: a leader again, and ready again by itself.
      for (int i = 0; i < 3; i++) {
        if (i != alone) {
          c.start(i);
        }
      }
      await("the member to be ready again", WAIT, () -> Scrape.get(port, "/readyz").statusCode() == 200);
      assertEquals(1, Scrape.of(port, false).value("raftd_has_leader"));
    }
  }

  @Test
  void unknownPathsAndMethodsAreRefused() throws Exception {
    try (LocalCluster c = new LocalCluster(root, 1, LocalCluster.FAST_WAL)) {
      c.startAll();
      int port = c.metricsPorts.get(0);
      assertEquals(404, Scrape.get(port, "/metricsx").statusCode());
      assertEquals(404, Scrape.get(port, "/").statusCode());
      HttpResponse<String> post = java.net.http.HttpClient.newHttpClient().send(
          java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + port + "/readyz"))
              .POST(java.net.http.HttpRequest.BodyPublishers.ofString("x")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(405, post.statusCode());
    }
  }
}
