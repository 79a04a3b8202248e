package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** --help pages and usage errors; none of it needs a cluster. */
class HelpTest {
  private final Ctl ctl = new Ctl(Map.of("RAFTCTL_ENDPOINTS", "127.0.0.1:1"));

  private static final List<List<String>> COMMANDS = List.of(List.of(), List.of("status"), List.of("append"),
      List.of("put"), List.of("get"), List.of("delete"), List.of("cas"), List.of("scan"), List.of("snapshot", "create"),
      List.of("snapshot", "list"), List.of("leader", "transfer"), List.of("member", "list"), List.of("member", "add"),
      List.of("member", "promote"), List.of("member", "remove"), List.of("member", "change"), List.of("bench"),
      List.of("completion"), List.of("watch"), List.of("top"), List.of("shell"), List.of("version"), List.of("log", "list"),
      List.of("log", "show"), List.of("wal", "verify"), List.of("wal", "repair"));

  private String help(List<String> command) {
    String[] args = new java.util.ArrayList<String>(command) {{ add("--help"); }}.toArray(String[]::new);
    Ctl.Result r = ctl.run(args);
    assertEquals(0, r.code(), r::toString);
    return r.out();
  }

  @Test
  void aSubcommandsHelpShowsItsOwnOptionsAndPointsToTheGlobalOnes() {
    String get = help(List.of("get"));
    assertTrue(get.contains("--stale") && get.contains("--out=F") && get.contains("--encoding"), get);
    for (String global : List.of("--endpoints", "--timeout", "--no-color", "--debug ", "--output")) {
      assertFalse(get.lines().anyMatch(l -> l.strip().startsWith(global) || l.contains("[" + global)),
          global + " is on raftctl --help, not here:\n" + get);
    }
    assertTrue(get.contains("see raftctl --help"), get);
    assertTrue(help(List.of("cas")).contains("--expect-version=N"), "options in a group are its own");
    String root = help(List.of());
    assertTrue(root.contains("--endpoints=HOST:PORT,...") && root.contains("--timeout=DURATION"), root);
  }

  @Test
  void helpLinesFitEightyColumnsAndBreakOnlyAtBlanks() {
    for (List<String> command : COMMANDS) {
      String page = help(command);
      for (String line : page.lines().toList()) {
        assertTrue(line.length() <= HelpLayout.WIDTH, command + ": longer than 80 columns: " + line);
        assertFalse(line.matches(".*(HOST:|~/\\.|\\[--|=)$"), command + ": broken inside a token: " + line);
      }
    }
    String root = help(List.of());
    assertTrue(root.contains("[--endpoints=HOST:PORT,...]"), root);
    assertTrue(root.contains("~/.config/raftctl/config.toml"), root);
  }

  @Test
  void aMistypedCommandOrOptionGetsASuggestion() {
    Ctl.Result command = ctl.run("stauts");
    assertEquals(ExitCode.USAGE, command.code(), command::toString);
    assertEquals(1, command.err().lines().count(), command::toString);
    assertTrue(command.err().contains("did you mean status?"), command::toString);
    assertTrue(ctl.run("snapshot", "lsit").err().contains("did you mean list?"));
    assertTrue(ctl.run("get", "k", "--stal").err().contains("did you mean --stale?"));
    assertFalse(ctl.run("frobnicate").err().contains("did you mean"), "nothing is close to it");
  }

  @Test
  void aUsageErrorWithJsonOutputIsAJsonDocumentToo() {
    Ctl.Result r = ctl.run("get", "-o", "json");
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertEquals("usage", r.json().getAsJsonObject("error").get("code").getAsString());
    assertEquals(2, r.json().getAsJsonObject("error").get("exit_code").getAsInt());
    assertTrue(r.json().getAsJsonObject("error").get("message").getAsString().contains("KEY"), r::toString);
    assertEquals(1, r.err().lines().count(), r::toString);
  }
}
