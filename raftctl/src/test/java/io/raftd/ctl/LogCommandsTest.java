package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.raftd.daemon.LocalCluster;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code raftctl log list} and {@code log show} against an in-test cluster: what was written, decoded, in a table
 * and in JSON; one member's log by --node; limits, the end of the log and a compacted start; exit codes.
 */
class LogCommandsTest {
  @TempDir
  Path dir;

  @Test
  void theEntriesJustWrittenAreListedDecodedAndShownInFull() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.FAST_WAL + """
        [snapshot]
        keep_entries = 0
        """)) {
      c.startAll();
      int leader = c.awaitLeader();
      String leaderName = c.names.get(leader);
      Ctl ctl = new Ctl(c.adminAddresses);
      ok(ctl.run("put", "greeting", "hello"));
      ok(ctl.run("put", "--encoding", "hex", "6b", "ff00fe"));
      ok(ctl.run("append", "first record"));
      ok(ctl.run("cas", "greeting", "--expect", "hello", "bonjour"));
      ok(ctl.run("delete", "greeting"));
      ok(ctl.run("put a 1\nput b 2\n", false));  // script mode: one session, opened and closed
      int[] ports = LocalCluster.freePorts(2);
      ok(ctl.run("member", "add", "n4", "--peer", "127.0.0.1:" + ports[0], "--admin", "127.0.0.1:" + ports[1]));

      Ctl.Result list = ctl.run("log", "list", "--node", leaderName);
      ok(list);
      List<String> lines = list.out().lines().toList();
      assertTrue(lines.get(0).matches("INDEX +TERM +TYPE +BYTES +ENTRY"), list::toString);
      for (String expected : List.of("noop +0 +no-op: a new leader's first entry",
          "normal +\\d+ +put \"greeting\"=\"hello\" \\(5 B\\)",
          "normal +\\d+ +put \"k\"=\"\\\\xff\\\\x00\\\\xfe\" \\(3 B\\)",
          "normal +\\d+ +append \"first record\" \\(12 B\\)",
          "normal +\\d+ +cas \"greeting\" if \"hello\", set \"bonjour\" \\(7 B\\)",
          "normal +\\d+ +delete \"greeting\"",
          "normal +\\d+ +open session \\d+ \\(timeout 60000 ms\\)",
          "normal +\\d+ +session \\d+ seq 1: put \"a\"=\"1\" \\(1 B\\)",
          "normal +\\d+ +session \\d+ seq 2: put \"b\"=\"2\" \\(1 B\\)",
          "normal +\\d+ +close session \\d+",
          "config +\\d+ +config \\(joint\\): voters n1, n2, n3 -> n1, n2, n3; learners n4 \\(to promote\\)",
          "config +\\d+ +config: voters n1, n2, n3; learners n4 \\(to promote\\)")) {
        assertTrue(lines.stream().anyMatch(l -> l.matches("\\d+ +\\d+ +" + expected)), expected + " in:\n" + list.out());
      }
      String footer = lines.get(lines.size() - 1);
      assertTrue(footer.matches(leaderName + "'s log: entries 1\\.\\.\\d+, committed up to \\d+"), footer);

      JsonObject json = ctl.run("-o", "json", "log", "list", "--node", leaderName).json();
      assertEquals(leaderName, json.get("node").getAsString());
      assertTrue(json.get("compacted").isJsonNull() && json.get("next").isJsonNull(), json::toString);
      JsonObject binary = entry(json, "put", "k");
      assertEquals("/wD+", binary.get("value").getAsString(), "bytes that are not UTF-8 in base64");
      assertEquals("base64", binary.get("value_encoding").getAsString());
      assertEquals(3, binary.get("value_size").getAsLong());
      assertFalse(binary.get("truncated").getAsBoolean());
      assertTrue(binary.get("committed").getAsBoolean());
      assertTrue(binary.get("stamp_ms").getAsLong() > 0);
      assertTrue(binary.get("session").isJsonNull(), "a one-shot put has no session");
      JsonObject inSession = entry(json, "put", "a");
      assertEquals(1, inSession.get("seq").getAsLong());
      assertEquals(entry(json, "open-session", null).get("session").getAsLong(), inSession.get("session").getAsLong());
      JsonObject joint = json.getAsJsonArray("entries").asList().stream().map(JsonElement::getAsJsonObject)
          .filter(e -> e.get("kind").getAsString().equals("config")).findFirst().orElseThrow().getAsJsonObject("configuration");
      assertTrue(joint.get("joint").getAsBoolean());
      assertEquals("[\"n1\",\"n2\",\"n3\"]", joint.get("old_voters").toString());
      assertEquals("[\"n4\"]", joint.get("to_promote").toString());

      long binaryIndex = binary.get("index").getAsLong();
      Ctl.Result show = ctl.run("log", "show", Long.toString(binaryIndex), "--node", leaderName);
      ok(show);
      assertEquals("put", field(show, "kind"));
      assertEquals("\"k\"", field(show, "key"));
      assertEquals("\"\\xff\\x00\\xfe\"", field(show, "value"), "in quotes, bytes that are not text escaped");
      assertEquals("yes", field(show, "committed"));
      assertEquals("ff00fe", field(ctl.run("log", "show", Long.toString(binaryIndex), "--encoding", "hex"), "value"),
          "--encoding spells keys and values");
      JsonObject shown = ctl.run("-o", "json", "log", "show", Long.toString(binaryIndex)).json();
      assertEquals("/wD+", shown.get("value").getAsString());
      assertEquals(binaryIndex, shown.get("index").getAsLong());

      Ctl.Result first3 = ctl.run("log", "list", "--from", "1", "--limit", "3", "--node", leaderName);
      ok(first3);
      assertEquals(List.of("1", "2", "3"), first3.out().lines().skip(1).limit(3).map(l -> l.split(" +")[0]).toList());
      assertTrue(first3.out().endsWith("more entries follow: raftctl log list --from 4\n"), first3::toString);

      String follower = c.names.get(c.followerOtherThan(leader));
      LocalCluster.await("the follower to hold every entry", java.time.Duration.ofSeconds(10), () ->
          ctl.run("log", "list", "--node", follower).out().contains("learners n4 (to promote)\n"));
      assertTrue(ctl.run("log", "list", "--node", follower, "--limit", "1").out()
          .contains(follower + "'s log: entries 1.."), "--node: that member's log");

      Ctl.Result past = ctl.run("log", "show", "99999", "--node", leaderName);
      assertEquals(ExitCode.NOT_FOUND, past.code(), past::toString);
      assertTrue(past.err().matches("raftctl: no entry 99999: " + leaderName + "'s log ends at \\d+\n"), past::toString);
      Ctl.Result backwards = ctl.run("log", "list", "--from", "5", "--to", "2");
      assertEquals(ExitCode.USAGE, backwards.code(), backwards::toString);
      assertEquals("raftctl: --from 5 is above --to 2\n", backwards.err());
      assertEquals(ExitCode.USAGE, ctl.run("log", "show", "0").code());

      // Compacted behind a snapshot (keep_entries = 0): what is left is listed, and where the log starts is said.
      ok(ctl.run("snapshot", "create", "--node", leaderName));
      ok(ctl.run("put", "after", "snapshot"));
      LocalCluster.await("the leader's log compacted", java.time.Duration.ofSeconds(10),
          () -> ctl.run("log", "show", "2", "--node", leaderName).code() == ExitCode.NOT_FOUND);
      Ctl.Result gone = ctl.run("log", "show", "2", "--node", leaderName);
      Matcher m = Pattern.compile("raftctl: compacted: the log starts at (\\d+) after the snapshot at index (\\d+), "
          + "term \\d+\n").matcher(gone.err());
      assertTrue(m.matches(), gone::toString);
      long start = Long.parseLong(m.group(1));
      assertEquals(start - 1, Long.parseLong(m.group(2)));
      Ctl.Result rest = ctl.run("log", "list", "--from", "1", "--node", leaderName);
      ok(rest);
      assertTrue(rest.out().lines().skip(1).findFirst().orElseThrow().startsWith(start + " "), rest::toString);
      assertTrue(rest.out().contains("put \"after\"=\"snapshot\" (8 B)"), rest::toString);
      assertTrue(rest.out().contains("\n" + gone.err().substring("raftctl: ".length())), rest::toString);
      assertEquals(ExitCode.NOT_FOUND, ctl.run("log", "list", "--from", "1", "--to", "2", "--node", leaderName).code());
      JsonObject restJson = ctl.run("-o", "json", "log", "list", "--from", "1", "--node", leaderName).json();
      assertEquals(gone.err().strip().substring("raftctl: ".length()), restJson.get("compacted").getAsString());
      assertEquals(0, c.fatal.size(), c.fatal.toString());
    }
  }

  @Test
  void walDumpDecodesAStoppedMembersEntriesAsLogListDecodesThemLive() throws Exception {
    Map<Long, String> live = new HashMap<>();
    try (LocalCluster c = new LocalCluster(dir, 1, LocalCluster.FAST_WAL)) {
      c.startAll();
      c.awaitLeader();
      Ctl ctl = new Ctl(c.adminAddresses);
      ok(ctl.run("put", "greeting", "hello"));
      ok(ctl.run("put", "--encoding", "hex", "6b", "ff00fe"));
      ok(ctl.run("append", "first record"));
      ok(ctl.run("put a 1\ndelete a\n", false));
      int[] ports = LocalCluster.freePorts(2);
      ok(ctl.run("member", "add", "n2", "--learner", "--peer", "127.0.0.1:" + ports[0], "--admin",
          "127.0.0.1:" + ports[1]));
      for (JsonElement e : ctl.run("-o", "json", "log", "list", "--from", "1").json().getAsJsonArray("entries")) {
        live.put(e.getAsJsonObject().get("index").getAsLong(), e.getAsJsonObject().get("summary").getAsString());
      }
    }
    Ctl offline = new Ctl(Map.of());
    JsonObject dump = offline.run("-o", "json", "wal", "dump", "--data-dir", dir.resolve("n1").toString()).json();
    Map<Long, String> dumped = new HashMap<>();
    for (JsonElement r : dump.getAsJsonArray("records")) {
      JsonObject o = r.getAsJsonObject();
      if (o.get("type").getAsString().equals("entry")) {
        dumped.put(o.get("index").getAsLong(), o.getAsJsonObject("entry").get("summary").getAsString());
      }
    }
    for (Map.Entry<Long, String> e : live.entrySet()) {
      assertEquals(e.getValue(), dumped.get(e.getKey()), "entry " + e.getKey() + " reads the same live and offline");
    }
    assertTrue(live.containsValue("config (joint): voters n1 -> n1; learners n2"), live.toString());
    assertTrue(live.containsValue("put \"k\"=\"\\xff\\x00\\xfe\" (3 B)"), live.toString());

    Ctl.Result table = offline.run("wal", "dump", "--data-dir", dir.resolve("n1").toString());
    ok(table);
    assertTrue(table.out().lines().anyMatch(l -> l.matches(".* entry +\\d+ +\\d+ +normal, \\d+ bytes: session \\d+ seq 2: "
        + "delete \"a\"")), table::toString);
    assertTrue(table.out().contains("config, "), table::toString);
  }

  /** The value of {@code name} in log show's "name: value" lines. */
  private static String field(Ctl.Result show, String name) {
    return show.out().lines().filter(l -> l.startsWith(name + ":")).findFirst()
        .orElseThrow(() -> new AssertionError("no " + name + " in " + show)).substring(name.length() + 1).strip();
  }

  private static void ok(Ctl.Result r) {
    assertEquals(0, r.code(), r::toString);
  }

  /** The first entry of this kind (and key, if given) in a log list's JSON. */
  private static JsonObject entry(JsonObject list, String kind, String key) {
    JsonArray entries = list.getAsJsonArray("entries");
    for (JsonElement e : entries) {
      JsonObject o = e.getAsJsonObject();
      if (o.get("kind").getAsString().equals(kind) && (key == null || o.get("key").getAsString().equals(key))) {
        return o;
      }
    }
    throw new AssertionError("no " + kind + " " + key + " in " + list);
  }
}
