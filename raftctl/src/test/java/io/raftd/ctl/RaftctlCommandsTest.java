package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.raftd.daemon.LocalCluster;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Every one-shot command against one in-test 3-node cluster, in table and JSON output, with its exit codes. */
class RaftctlCommandsTest {
  @TempDir
  static Path dir;

  private static LocalCluster cluster;
  private static Ctl ctl;

  @BeforeAll
  static void startCluster() throws Exception {
    cluster = new LocalCluster(dir, 3, LocalCluster.FAST_WAL);
    cluster.startAll();
    cluster.awaitLeader();
    ctl = new Ctl(cluster.adminAddresses);
  }

  @AfterAll
  static void stopCluster() throws Exception {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void statusListsEveryMemberWithOneLeaderInTableAndJson() {
    Ctl.Result table = ctl.run("status");
    assertEquals(0, table.code(), table::toString);
    List<String> lines = table.out().lines().toList();
    assertTrue(lines.get(0).startsWith("NAME") && lines.get(0).contains("HEALTH"), table::toString);
    for (String name : cluster.names) {
      assertTrue(lines.stream().anyMatch(l -> l.startsWith(name + " ") || l.startsWith(name + "*")), table::toString);
    }
    assertEquals(1, lines.stream().filter(l -> l.matches("n\\d\\*.*")).count(), "one leader marked: " + table);
    assertTrue(table.out().contains("can lose 1 of 3 voters"), table::toString);

    JsonObject s = ctl.run("-o", "json", "status").json();
    assertTrue(s.get("healthy").getAsBoolean(), s::toString);
    assertEquals(3, s.get("voters").getAsInt());
    assertEquals(1, s.get("failure_tolerance").getAsInt());
    JsonArray members = s.getAsJsonArray("members");
    assertEquals(3, members.size());
    int leaders = 0;
    for (JsonElement e : members) {
      JsonObject m = e.getAsJsonObject();
      assertTrue(m.get("reachable").getAsBoolean());
      assertEquals("healthy", m.get("health").getAsString(), m::toString);
      assertEquals(16, m.get("id").getAsString().length());
      if (m.get("leader").getAsBoolean()) {
        leaders++;
        assertEquals(s.get("leader").getAsString(), m.get("name").getAsString());
        assertTrue(m.get("last_contact_ms").isJsonNull(), m::toString);
      } else {
        assertTrue(m.get("last_contact_ms").getAsLong() < StatusCommand.CONTACT_LOST_MS, "the leader hears it: " + m);
      }
    }
    assertEquals(1, leaders);
  }

  @Test
  void statusOfOneNodeShowsItsFullDetail() {
    Ctl.Result r = ctl.run("status", "--node", "n2", "-o", "json");
    assertEquals(0, r.code(), r::toString);
    JsonObject n2 = r.json();
    assertEquals("n2", n2.get("name").getAsString());
    assertEquals(3, n2.getAsJsonArray("voters").size());
    assertTrue(n2.get("applied").getAsLong() >= 1);
    Ctl.Result table = ctl.run("status", "--node", "n2");
    assertTrue(table.out().contains("name:") && table.out().contains("n2") && table.out().contains("voters:"), table::toString);
    String wal = table.out().lines().filter(l -> l.startsWith("wal:")).findFirst().orElseThrow();
    assertTrue(wal.matches("wal: +\\d+ bytes in (1 segment|([02-9]|\\d\\d+) segments)"), "counts in the right number: " + wal);
    Ctl.Result missing = ctl.run("status", "--node", "n9");
    assertEquals(ExitCode.NOT_FOUND, missing.code(), missing::toString);
    assertTrue(missing.err().contains("no member named n9") && missing.err().contains("n1, n2, n3"), missing::toString);
  }

  @Test
  void putGetDeleteAndTheExitCodeOfAMissingKey() throws Exception {
    Ctl.Result put = ctl.run("put", "colour", "blue");
    assertEquals(0, put.code(), put::toString);
    assertTrue(put.out().startsWith("OK"), put::toString);
    Ctl.Result get = ctl.run("get", "colour");
    assertEquals("blue\n", get.out(), "table mode prints only the value");
    JsonObject json = ctl.run("-o", "json", "get", "colour").json();
    assertEquals("colour", json.get("key").getAsString());
    assertEquals("blue", json.get("value").getAsString());
    assertEquals(1, json.get("version").getAsLong());
    assertTrue(json.get("applied_index").getAsLong() >= json.get("mod_index").getAsLong());
    LocalCluster.await("a stale read of colour", Duration.ofSeconds(30),
        () -> ctl.run("get", "colour", "--stale").out().equals("blue\n"));

    JsonObject again = ctl.run("-o", "json", "put", "colour", "green").json();
    assertEquals("green", again.get("value").getAsString());
    assertEquals(2, again.get("version").getAsLong());
    assertEquals(again.get("index").getAsLong(), again.get("mod_index").getAsLong());
    assertTrue(again.get("term").getAsLong() >= 1);

    Ctl.Result deleted = ctl.run("-o", "json", "delete", "colour");
    assertEquals(0, deleted.code(), deleted::toString);
    assertTrue(deleted.json().get("deleted").getAsBoolean());
    Ctl.Result gone = ctl.run("get", "colour");
    assertEquals(ExitCode.NOT_FOUND, gone.code(), gone::toString);
    assertEquals("", gone.out());
    assertEquals("raftctl: key not found: colour\n", gone.err());
    Ctl.Result goneJson = ctl.run("-o", "json", "get", "colour");
    assertEquals(ExitCode.NOT_FOUND, goneJson.code(), goneJson::toString);
    JsonObject error = goneJson.json().getAsJsonObject("error");
    assertEquals("not_found", error.get("code").getAsString());
    assertEquals("key not found: colour", error.get("message").getAsString());
    assertEquals(3, error.get("exit_code").getAsInt());
    assertEquals("raftctl: key not found: colour\n", goneJson.err(), "and the one line on stderr");
    assertEquals(ExitCode.NOT_FOUND, ctl.run("delete", "colour").code());
    assertEquals(0, ctl.run("put", "colour", "red").code());
    assertEquals("deleted colour\n", ctl.run("delete", "colour").out());
  }

  @Test
  void casSetsOnlyWhenTheExpectationHolds() {
    assertEquals(0, ctl.run("cas", "lock", "--absent", "me").code());
    Ctl.Result failed = ctl.run("cas", "lock", "--absent", "you");
    assertEquals(ExitCode.FAILURE, failed.code(), failed::toString);
    assertTrue(failed.err().contains("its value is me"), failed::toString);
    JsonObject ok = ctl.run("-o", "json", "cas", "lock", "--expect", "me", "you").json();
    assertTrue(ok.get("succeeded").getAsBoolean());
    assertEquals("you", ok.getAsJsonObject("current").get("value").getAsString());
    assertTrue(ok.get("term").getAsLong() >= 1 && ok.get("index").getAsLong() >= 1, "the term it committed in: " + ok);
    Ctl.Result byVersion = ctl.run("-o", "json", "cas", "lock", "--expect-version", "1", "them");
    assertEquals(ExitCode.FAILURE, byVersion.code());
    assertFalse(byVersion.json().get("succeeded").getAsBoolean());
    assertEquals(2, byVersion.json().getAsJsonObject("current").get("version").getAsLong());
    assertEquals(ExitCode.USAGE, ctl.run("cas", "lock", "x").code(), "an expectation is required");
  }

  @Test
  void scanListsAPrefixInKeyOrderWithItsLimit() {
    for (String k : List.of("fruit/pear", "fruit/apple", "fruit/fig", "veg/leek")) {
      assertEquals(0, ctl.run("put", k, k.toUpperCase()).code());
    }
    Ctl.Result table = ctl.run("scan", "fruit/");
    List<String> lines = table.out().lines().toList();
    assertEquals(List.of("KEY", "fruit/apple", "fruit/fig", "fruit/pear"),
        lines.stream().map(l -> l.split(" ")[0]).toList(), table::toString);
    JsonObject limited = ctl.run("-o", "json", "scan", "fruit/", "--limit", "2").json();
    assertEquals(2, limited.getAsJsonArray("kvs").size());
    assertTrue(limited.get("more").getAsBoolean());
    assertEquals("FRUIT/APPLE", limited.getAsJsonArray("kvs").get(0).getAsJsonObject().get("value").getAsString());
  }

  @Test
  void appendFromArgumentFileAndStdinPrintsIndexAndTerm() throws Exception {
    Ctl.Result arg = ctl.run("append", "from an argument");
    assertEquals(0, arg.code(), arg::toString);
    assertTrue(arg.out().matches("appended at index \\d+, term \\d+\\n"), arg::toString);
    Path f = dir.resolve("payload.bin");
    Files.write(f, "from a file".getBytes(StandardCharsets.UTF_8));
    JsonObject file = ctl.run("-o", "json", "append", "--file", f.toString()).json();
    assertEquals(11, file.get("bytes").getAsInt());
    JsonObject stdin = ctl.run("from stdin", false, "-o", "json", "append", "-").json();
    assertTrue(stdin.get("index").getAsLong() > file.get("index").getAsLong());
    assertTrue(stdin.get("term").getAsLong() >= 1);
    assertEquals(ExitCode.USAGE, ctl.run("append").code());
    Ctl.Result noFile = ctl.run("append", "--file", dir.resolve("absent").toString());
    assertEquals(ExitCode.USAGE, noFile.code());
    assertTrue(noFile.err().contains("no such file"), noFile::toString);
  }

  @Test
  void snapshotCreateThenListShowsIt() {
    Ctl.Result created = ctl.run("-o", "json", "snapshot", "create", "--node", "n3");
    assertEquals(0, created.code(), created::toString);
    JsonObject s = created.json();
    assertEquals("n3", s.get("node").getAsString());
    assertTrue(s.get("index").getAsLong() >= 1 && s.get("size").getAsLong() > 0, s::toString);
    // One id everywhere: the file's name in the member's snap/ directory, without .snap.
    assertTrue(Files.exists(cluster.dataDirs.get(2).resolve("snap").resolve(s.get("id").getAsString() + ".snap")),
        "the id names its file: " + s);
    assertEquals(String.format("%016x-%016x", s.get("term").getAsLong(), s.get("index").getAsLong()), s.get("id").getAsString());
    JsonArray listed = ctl.run("-o", "json", "snapshot", "list", "--node", "n3").json().getAsJsonArray("snapshots");
    assertTrue(listed.contains(s), "the snapshot just taken is listed: " + listed);
    Ctl.Result table = ctl.run("snapshot", "list");
    assertTrue(table.out().lines().anyMatch(l -> l.startsWith("n3") && l.contains(s.get("id").getAsString())), table::toString);
    Ctl.Result leaders = ctl.run("snapshot", "create");
    assertEquals(0, leaders.code(), leaders::toString);
  }

  @Test
  void leaderTransferMovesLeadershipToTheNamedVoter() {
    String leader = ctl.run("-o", "json", "status").json().get("leader").getAsString();
    String target = cluster.names.stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
    Ctl.Result moved = ctl.run("-o", "json", "leader", "transfer", target);
    assertEquals(0, moved.code(), moved::toString);
    assertEquals(target, moved.json().get("leader").getAsString());
    assertEquals(leader, moved.json().get("from").getAsString());
    assertEquals(target, ctl.run("-o", "json", "status").json().get("leader").getAsString());
    Ctl.Result any = ctl.run("leader", "transfer");
    assertEquals(0, any.code(), any::toString);
    assertTrue(any.out().startsWith("leader is now ") && !any.out().startsWith("leader is now " + target), any::toString);
    assertEquals(ExitCode.NOT_FOUND, ctl.run("leader", "transfer", "n9").code());
  }

  @Test
  void versionNamesTheClientAndEveryServer() {
    JsonObject v = ctl.run("-o", "json", "version").json();
    assertEquals(ctl.run("--version").out(), "raftctl " + v.get("client").getAsString() + "\n");
    Set<String> names = new HashSet<>();
    v.getAsJsonArray("servers").forEach(s -> names.add(s.getAsJsonObject().get("name").getAsString()));
    assertEquals(Set.copyOf(cluster.names), names);
    Ctl.Result table = ctl.run("version");
    assertTrue(table.out().startsWith("raftctl " + v.get("client").getAsString() + "\n"), table::toString);
    assertEquals(3, table.out().lines().filter(l -> l.matches("n\\d +\\S+")).count(), table::toString);
  }

  @Test
  void scriptModeRunsAThousandPutsThenAThousandGetsInOneProcess() {
    StringBuilder script = new StringBuilder("# a comment, then blank lines are skipped\n\n");
    for (int i = 0; i < 1000; i++) {
      script.append("put k").append(i).append(" \"value ").append(i).append("\"\n");
    }
    for (int i = 0; i < 1000; i++) {
      script.append("get k").append(i).append('\n');
    }
    Ctl.Result r = ctl.run(script.toString(), false);
    assertEquals(0, r.code(), () -> "exit " + r.code() + ": " + r.err());
    List<String> lines = r.out().lines().toList();
    assertEquals(2000, lines.size());
    for (int i = 0; i < 1000; i++) {
      assertTrue(lines.get(i).startsWith("OK (version "), lines.get(i));
      assertEquals("value " + i, lines.get(1000 + i));
    }
  }

  @Test
  void scriptModeStopsAtTheFirstFailingLineUnlessKeepGoing() {
    String script = "put s1 a\nget absent-key\nput s2 b\n";
    Ctl.Result stopped = ctl.run(script, false);
    assertEquals(ExitCode.NOT_FOUND, stopped.code(), stopped::toString);
    assertTrue(stopped.err().contains("stopped at line 2"), stopped::toString);
    assertEquals(ExitCode.NOT_FOUND, ctl.run("get s2", false).code(), "line 3 never ran");

    Ctl.Result kept = ctl.run(script, false, "--keep-going");
    assertEquals(ExitCode.NOT_FOUND, kept.code(), "the first failure's code: " + kept);
    assertEquals("b\n", ctl.run("get", "s2").out(), "line 3 ran");
    Ctl.Result badLine = ctl.run("put only-a-key\n", false);
    assertEquals(ExitCode.USAGE, badLine.code(), badLine::toString);
    // stdin is the script: append - would swallow the lines after it as its payload.
    Ctl.Result stdinPayload = ctl.run("append -\nput s3 c\n", false);
    assertEquals(ExitCode.USAGE, stdinPayload.code(), stdinPayload::toString);
    assertTrue(stdinPayload.err().contains("stdin is the script"), stdinPayload::toString);
    assertEquals(ExitCode.NOT_FOUND, ctl.run("get", "s3").code(), "nothing ran after the refused line");
  }

  @Test
  void scriptModeWritesGoThroughOneSession() {
    // The session is opened by the first write: one extra log entry, however many writes follow.
    long before = leaderCommit();
    Ctl.Result r = ctl.run("put w1 a\nput w2 b\nput w3 c\n", false);
    assertEquals(0, r.code(), r::toString);
    long[] index = new long[3];
    for (int i = 0; i < 3; i++) {
      index[i] = ctl.run("-o", "json", "get", "w" + (i + 1)).json().get("mod_index").getAsLong();
    }
    assertEquals(before + 2, index[0], "one session entry, then the first put");
    assertEquals(index[0] + 1, index[1], "no second session");
    assertEquals(index[1] + 1, index[2], "no third session");
  }

  private static long leaderCommit() {
    for (JsonElement m : ctl.run("-o", "json", "status").json().getAsJsonArray("members")) {
      if (m.getAsJsonObject().get("leader").getAsBoolean()) {
        return m.getAsJsonObject().get("commit").getAsLong();
      }
    }
    throw new AssertionError("no leader");
  }

  @Test
  void badUsageExitsTwoWithOneLine() {
    Ctl.Result unknown = ctl.run("frobnicate");
    assertEquals(ExitCode.USAGE, unknown.code());
    assertEquals(1, unknown.err().lines().count(), unknown::toString);
    Ctl.Result badTimeout = ctl.run("--timeout", "soon", "status");
    assertEquals(ExitCode.USAGE, badTimeout.code());
    assertTrue(badTimeout.err().contains("not a duration"), badTimeout::toString);
    Ctl.Result badEndpoint = ctl.run("--endpoints", "nohost", "status");
    assertEquals(ExitCode.USAGE, badEndpoint.code());
    assertTrue(badEndpoint.err().contains("nohost is not host:port"), badEndpoint::toString);
    Ctl.Result help = ctl.run("--help");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("Exit codes:") && help.out().contains("outcome unknown"), help::toString);
  }

  @Test
  void anUnreachableClusterExitsFourNamingTheEndpoints() throws Exception {
    int port = LocalCluster.freePorts(1)[0];
    Ctl.Result r = ctl.run("--endpoints", "127.0.0.1:" + port, "--timeout", "1s", "get", "x");
    assertEquals(ExitCode.UNAVAILABLE, r.code(), r::toString);
    assertTrue(r.err().startsWith("raftctl: cannot reach the cluster") && r.err().contains("127.0.0.1:" + port), r::toString);
    assertEquals(1, r.err().lines().count(), "one line, no stack trace: " + r);
    assertFalse(r.err().matches("(?s).*(Exception|io\\.netty|java\\.|\\(\\.\\.\\)).*"), "no exception text: " + r);
    Ctl.Result json = ctl.run("--endpoints", "127.0.0.1:" + port, "--timeout", "1s", "-o", "json", "get", "x");
    assertEquals("unavailable", json.json().getAsJsonObject("error").get("code").getAsString(), json::toString);
    assertFalse(json.out().matches("(?s).*(Exception|io\\.netty|java\\.|\\(\\.\\.\\)).*"), "no exception text: " + json);
    Ctl.Result debug = ctl.run("--endpoints", "127.0.0.1:" + port, "--timeout", "1s", "--debug", "get", "x");
    assertTrue(debug.err().contains("\tat io.raftd."), "--debug shows the stack trace: " + debug);
    Ctl.Result wire = ctl.run("--debug", "get", "absent");
    assertTrue(wire.err().contains("raftctl: wire -> ") && wire.err().contains("READ"), "--debug logs the wire: " + wire);
    assertTrue(wire.err().contains("raftctl: wire <- "), wire::toString);
    assertEquals("", wire.out(), "nothing but results on stdout");
  }
}
