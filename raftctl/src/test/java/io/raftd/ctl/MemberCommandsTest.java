package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.raftd.daemon.LocalCluster;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code raftctl member ...} against in-test clusters: what each command prints, changes and exits with. */
class MemberCommandsTest {
  @TempDir
  Path dir;

  @Test
  void listShowsEveryVoterWithTheLeadersFiguresInTableAndJson() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      int leader = c.awaitLeader();
      Ctl ctl = new Ctl(c.adminAddresses);
      Ctl.Result table = ctl.run("member", "list");
      assertEquals(0, table.code(), table::toString);
      List<String> lines = table.out().lines().toList();
      assertTrue(lines.get(0).matches("NAME +ID +ROLE +PEER +ADMIN +MATCH +LAG +LAST CONTACT +BEHIND +ETA"), table::toString);
      for (int i = 0; i < 3; i++) {
        String name = c.names.get(i);
        String row = lines.stream().filter(l -> l.startsWith(name + " ")).findFirst()
            .orElseThrow(() -> new AssertionError(table.toString()));
        assertTrue(row.contains(i == leader ? " voter+leader " : " voter "), row);
        assertTrue(row.contains(c.adminAddresses.get(i)) && row.contains("127.0.0.1:" + c.peerPorts.get(i)), row);
      }
      assertTrue(table.out().contains("3 voters, 0 learners; quorum 2, can lose 1 of them; not joint"), table::toString);

      Ctl.Result json = ctl.run("member", "list", "-o", "json");
      assertEquals(0, json.code(), json::toString);
      JsonObject o = json.json();
      assertEquals(c.names.get(leader), o.get("leader").getAsString());
      assertTrue(o.get("from_leader").getAsBoolean());
      assertFalse(o.get("joint").getAsBoolean());
      assertEquals(2, o.get("quorum").getAsInt());
      assertEquals(1, o.get("failure_tolerance").getAsInt());
      List<String> names = new ArrayList<>();
      for (JsonElement e : o.getAsJsonArray("members")) {
        JsonObject m = e.getAsJsonObject();
        names.add(m.get("name").getAsString());
        assertEquals("voter", m.get("role").getAsString());
        assertEquals(16, m.get("id").getAsString().length());
        assertTrue(m.get("reachable").getAsBoolean(), m::toString);
        assertTrue(m.get("match").getAsLong() >= 1, m::toString);
        assertTrue(m.get("entries_behind").isJsonNull(), "a voter has no catch-up figures: " + m);
        assertEquals(m.get("name").getAsString().equals(c.names.get(leader)), m.get("leader").getAsBoolean());
      }
      assertEquals(List.of("n1", "n2", "n3"), names);
    }
  }
}
