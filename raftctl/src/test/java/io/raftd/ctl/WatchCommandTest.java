package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import io.raftd.daemon.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code raftctl watch} against a live cluster: the election after the leader stops appears, the stopped member's
 * watch ending is said once on stderr, and interrupting the command (Ctrl-C in the shell) ends it with exit 0;
 * with -o json, one JSON document a line.
 */
class WatchCommandTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  @Test
  void theElectionAfterTheLeaderStopsAppearsAndAnInterruptEndsTheWatch() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      int leader = c.awaitLeader();
      Ctl.Running watch = new Ctl(c.adminAddresses).start("watch");
      LocalCluster.await("every member watched", WAIT, () -> c.names.stream().allMatch(n ->
          watch.err().contains("raftctl: " + n + ": watching\n")));
      c.stop(leader);
      String stopped = c.names.get(leader);
      int next = c.awaitLeader();
      String winner = c.names.get(next);
      awaitOutput(watch, "the election and the new leader", () ->
          watch.out().contains("  " + winner + "  term ")
              && watch.out().contains("election won: " + winner + "(")
              && watch.out().contains("role changed: " + winner + "(") && watch.out().contains(" is leader at term"));
      LocalCluster.await("the stopped member's watch said ended", WAIT, () ->
          watch.err().contains("raftctl: " + stopped + ": watch ended: "));
      Ctl.Result r = watch.interrupt();
      assertEquals(0, r.code(), r::toString);
      assertEquals(1, count(r.err(), stopped + ": watch ended"), "one line for the outage, not one per retry: " + r.err());

      String other = c.names.stream().filter(n -> !n.equals(stopped) && !n.equals(winner)).findFirst().orElseThrow();
      Ctl.Running json = new Ctl(c.adminAddresses).start("-o", "json", "watch", "--node", winner);
      LocalCluster.await("the winner watched", WAIT, () -> json.err().contains(winner + ": watching"));
      // The watched leader hands over to the other member that ran throughout (both are needed for a quorum).
      Ctl.Result transfer = new Ctl(c.adminAddresses).run("leader", "transfer", other);
      assertEquals(0, transfer.code(), transfer::toString);
      LocalCluster.await("the hand-over in the json watch", WAIT, () -> json.out().contains("\"kind\":\"transfer_started\""));
      Ctl.Result j = json.interrupt();
      assertEquals(0, j.code(), j::toString);
      List<String> lines = j.out().lines().toList();
      assertTrue(!lines.isEmpty(), "no events: " + j);
      for (String line : lines) {
        JsonObject o = JsonParser.parseString(line).getAsJsonObject();
        assertEquals(winner, o.get("member").getAsString(), line);
        assertTrue(o.has("kind") && o.has("term") && o.has("time") && o.has("text"), line);
      }
    }
  }

  /** Waits for {@code condition}, failing with what the command printed. */
  private static void awaitOutput(Ctl.Running command, String what, LocalCluster.Condition condition) throws Exception {
    try {
      LocalCluster.await(what, WAIT, condition);
    } catch (AssertionError e) {
      throw new AssertionError(e.getMessage() + "; stdout: [" + command.out() + "], stderr: [" + command.err() + "]", e);
    }
  }

  private static int count(String text, String what) {
    int n = 0;
    for (int at = text.indexOf(what); at >= 0; at = text.indexOf(what, at + 1)) {
      n++;
    }
    return n;
  }
}
