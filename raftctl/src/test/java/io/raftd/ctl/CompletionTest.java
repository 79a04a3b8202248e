package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.raftd.daemon.LocalCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code raftctl completion bash|zsh}: the scripts are valid, and the shells complete commands, subcommands, options
 * and the names of a live cluster's members with them, the way they do on Tab: bash through the function the script
 * registers (COMP_WORDS and COMP_CWORD set, COMPREPLY read), zsh typed into an interactive zsh on a pseudo-terminal.
 * The scripts run {@code raftctl} from PATH: the real bin/raftctl, on this test's classpath.
 */
class CompletionTest {
  @TempDir
  Path dir;

  /** Completes each line (its words; the last is the one being completed) and prints one line of candidates each. */
  private static final String BASH_DRIVER = """
      source "$1"
      shift
      function=$(complete -p raftctl | sed 's/.*-F \\([^ ]*\\).*/\\1/')
      for line in "$@"; do
        read -r -a COMP_WORDS <<< "$line"
        case "$line" in *' ') COMP_WORDS+=("") ;; esac
        COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
        COMP_LINE="$line"
        COMP_POINT=${#line}
        COMPREPLY=()
        "$function" 2>/dev/null  # compopt says it is not called by completion itself
        echo "${COMPREPLY[*]}"
      done
      """;

  @Test
  void bashCompletesCommandsSubcommandsOptionsAndTheMembersOfTheClusterItIsPointedAt() throws Exception {
    try (LocalCluster c = new LocalCluster(dir.resolve("cluster"), 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      c.awaitLeader();
      Path script = script("bash");
      Ctl.Result syntax = shell(List.of(), List.of("bash", "-n", script.toString()));
      assertEquals(0, syntax.code(), "bash -n: " + syntax);

      // The last line names an address where no member is with --endpoints, which the script passes on: nothing.
      List<String> lines = List.of("raftctl me", "raftctl member r", "raftctl bench --cl", "raftctl -o ",
          "raftctl member remove ", "raftctl status --node ", "raftctl member remove --dry-run n",
          "raftctl leader transfer ", "raftctl --endpoints 127.0.0.1:1 leader transfer ");
      List<String> command = new java.util.ArrayList<>(List.of("bash", "-c", BASH_DRIVER, "bash", script.toString()));
      command.addAll(lines);
      Ctl.Result r = shell(c.adminAddresses, command);
      assertEquals(0, r.code(), r::toString);
      assertEquals(List.of("member", "remove", "--clients", "table json", "n1 n2 n3", "n1 n2 n3", "n1 n2 n3", "n1 n2 n3",
          ""), r.out().lines().toList(), r::toString);
    }
  }

  @Test
  void zshCompletesThroughItsEmulationOfBashCompletion() throws Exception {
    Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/zsh")) || Files.isExecutable(Path.of("/bin/zsh")),
        "zsh is not installed (.ci/run installs it)");
    try (LocalCluster c = new LocalCluster(dir.resolve("cluster"), 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      c.awaitLeader();
      Path script = script("zsh");
      // Each line is typed with Tab, then the line is printed after a marker: what completion made of it. zsh reads
      // the keys in order, so each Tab's completion is done before the keys after it are read.
      String driver = """
          zmodload zsh/zpty
          zpty z 'zsh -f -i'
          zpty -w z 'PS1="> "; autoload -U compinit && compinit -u; source %s'
          zpty -n -w z $'raftctl memb\\t\\C-aprint -r "GO""T" \\n'
          zpty -n -w z $'raftctl member remove --dr\\t\\C-aprint -r "GO""T" \\n'
          zpty -n -w z $'raftctl leader transfer \\t\\t\\C-aprint -r "GO""T" \\n'
          zpty -n -w z $'print "FIN""ISHED"\\n'
          zpty -r z out '*FINISHED*'
          print -r -- "$out"
          zpty -d z
          """.formatted(script);
      Ctl.Result r = shell(c.adminAddresses, List.of("timeout", "60", "zsh", "-f", "-c", driver));
      String screen = r.out().replaceAll("\u001b\\[[0-9;?]*[a-zA-Z]", "").replace("\r", "");
      List<String> got = screen.lines().filter(l -> l.startsWith("GOT ")).toList();
      assertEquals(List.of("GOT raftctl member", "GOT raftctl member remove --dry-run", "GOT raftctl leader transfer n"),
          got, screen);
      assertTrue(screen.contains("n1  n2  n3"), "the second Tab lists the members: " + screen);
    }
  }

  @Test
  void theScriptIsAlsoAJsonDocumentAndAnUnknownShellIsRefused() {
    Ctl ctl = new Ctl(Map.of());
    JsonObject o = ctl.run("-o", "json", "completion", "zsh").json();
    assertEquals("zsh", o.get("shell").getAsString());
    assertTrue(o.get("script").getAsString().contains("bashcompinit"), o::toString);
    Ctl.Result fish = ctl.run("completion", "fish");
    assertEquals(ExitCode.USAGE, fish.code(), fish::toString);
    assertEquals(1, fish.err().lines().count(), fish::toString);
    assertTrue(fish.err().contains("expected one of [bash, zsh]"), fish::toString);
  }

  /** raftctl's completion script for {@code shell}, in a file. */
  private Path script(String shell) throws Exception {
    Ctl.Result generated = new Ctl(Map.of()).run("completion", shell);
    assertEquals(0, generated.code(), generated::toString);
    Path script = dir.resolve("raftctl." + shell);
    Files.write(script, generated.stdout());
    return script;
  }

  /**
   * Runs {@code command} with a directory on PATH holding {@code raftctl}, which runs bin/raftctl on this test's
   * classes, RAFTCTL_ENDPOINTS set to {@code endpoints}, and HOME (where zsh keeps its completion cache) in the
   * test's directory.
   */
  private Ctl.Result shell(List<String> endpoints, List<String> command) throws Exception {
    Path lib = dir.resolve("lib");
    Path bin = dir.resolve("bin");
    if (!Files.exists(bin)) {
      Files.createDirectories(lib);
      Launcher.pathingJar(lib.resolve("classpath.jar"));
      Files.createDirectories(bin);
      Path raftctl = bin.resolve("raftctl");
      Files.writeString(raftctl, "#!/bin/sh\nexec '" + Launcher.SCRIPT + "' \"$@\"\n");
      raftctl.toFile().setExecutable(true);
    }
    return Launcher.run(lib, endpoints, Map.of("PATH", bin + ":" + System.getenv("PATH"), "HOME", dir.toString(),
        "ZDOTDIR", dir.toString()), command);
  }
}
