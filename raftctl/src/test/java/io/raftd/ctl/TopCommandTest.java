package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.daemon.LocalCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code raftctl top} piped (its plain form): the table every interval, rates from the second frame on; JSON lines. */
class TopCommandTest {
  @TempDir
  Path dir;

  @Test
  void pipedItPrintsTheTableEachIntervalWithRatesOnceItHasTwoStatuses() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      String leader = c.names.get(c.awaitLeader());
      Ctl.Running top = new Ctl(c.adminAddresses).start("top", "--interval", "500ms", "-n", "3");
      try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(10))) {
        KvClient kv = new KvClient(client);
        for (int i = 0; !top.done() && i < 100_000; i++) {  // writes while it watches, so the rates move
          kv.put(com.google.protobuf.ByteString.copyFrom("k" + (i % 50), StandardCharsets.UTF_8),
              com.google.protobuf.ByteString.copyFrom("v" + i, StandardCharsets.UTF_8));
        }
      }
      Ctl.Result r = top.interrupt();
      assertEquals(0, r.code(), r::toString);
      List<String> headers = r.out().lines().filter(l -> l.startsWith("NAME")).toList();
      assertEquals(3, headers.size(), r::toString);
      assertEquals("NAME   ROLE      TERM  COMMIT  APPLIED  LAG  CONTACT  W/S  R/S  FSYNC".split("\\s+").length,
          headers.get(0).split("\\s+").length);
      assertTrue(r.out().contains("leader " + leader), r::toString);
      List<String> leaderRows = r.out().lines().filter(l -> l.startsWith(leader + "*")).toList();
      assertEquals(3, leaderRows.size(), r::toString);
      String[] first = leaderRows.get(0).split("\\s+");
      assertEquals(List.of("-", "-", "-"), List.of(first[7], first[8], first[9]), "no rates in the first frame");
      String[] last = leaderRows.get(2).split("\\s+");
      assertTrue(Integer.parseInt(last[7]) > 0, "the leader answered writes: " + leaderRows.get(2));
      assertTrue(last[9].endsWith("ms"), "a mean fsync time: " + leaderRows.get(2));

      Ctl.Result json = new Ctl(c.adminAddresses).run("-o", "json", "top", "--interval", "200ms", "-n", "2");
      assertEquals(0, json.code(), json::toString);
      List<String> frames = json.out().lines().toList();
      assertEquals(2, frames.size(), json::toString);
      JsonObject frame = JsonParser.parseString(frames.get(1)).getAsJsonObject();
      assertEquals(3, frame.getAsJsonArray("members").size());
      assertTrue(frame.getAsJsonArray("members").get(0).getAsJsonObject().has("w_per_s"), frames.get(1));

      Ctl.Result bad = new Ctl(c.adminAddresses).run("top", "--interval", "10ms");
      assertEquals(2, bad.code(), bad::toString);
      assertTrue(bad.err().contains("--interval must be at least 100ms"), bad::toString);
    }
  }
}
