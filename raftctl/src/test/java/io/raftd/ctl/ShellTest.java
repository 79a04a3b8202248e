package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.daemon.LocalCluster;
import io.raftd.docs.Runbook;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.impl.ExternalTerminal;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The interactive shell on a virtual terminal (JLine's, fed keystrokes through a pipe) against a live cluster:
 * commands print what they print one-shot; the prompt names the leader and follows a transfer; Tab completes a
 * command, an option, a member name and a key; Ctrl-C cancels a running watch and the next command runs;
 * history is written; Ctrl-D leaves with exit 0.
 */
class ShellTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  @TempDir
  Path dir;

  @Test
  void aSessionOfCommandsCompletionCancellationAndHistory() throws Exception {
    try (LocalCluster c = new LocalCluster(dir.resolve("cluster"), 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      String leader = c.names.get(c.awaitLeader());
      Path history = dir.resolve("state/raftctl/history");
      VirtualShell s = new VirtualShell(Map.of("RAFTCTL_ENDPOINTS", String.join(",", c.adminAddresses)), history, 160, 50);

      s.await("the prompt with the leader", "raftd " + leader + "* 3/3> ");
      s.type("put greeting hello\r");
      s.await("the put's answer", "OK (version 1");
      s.type("get greeting\r");
      s.await("the get's answer", "hello\r\n");
      s.type("get nothing-here\r");
      s.await("a failing command's one line, the shell staying", "raftctl: key not found: nothing-here");

      // Tab: a command, an option, a member name, a key by prefix.
      s.type("put alpha1 a\r");
      s.type("put alpha2 b\r");
      s.await("the two puts", "OK (version 1, index", 3);
      Ctl.Result oneShot = new Ctl(c.adminAddresses).run("scan", "alpha");
      assertEquals(0, oneShot.code(), oneShot::toString);
      s.mark();
      s.type("scan alpha\r");
      s.awaitPrompt("scan in the shell");
      assertEquals(oneShot.out().strip(), s.sinceMark().lines().skip(1).map(String::stripTrailing)
          .filter(l -> !l.isEmpty() && !l.contains("raftd ")).reduce((x, y) -> x + "\n" + y).orElse(""),
          "the shell prints what the one-shot command prints");
      s.mark();
      s.type("memb\t");
      s.awaitSinceMark("member completed", "member ");
      s.type("\u0015");  // Ctrl-U: the line is dropped
      s.mark();
      s.type("leader transfer \t");
      s.awaitSinceMark("member names offered", c.names.get(0), c.names.get(1), c.names.get(2));
      s.type("\u0015");
      s.mark();
      s.type("get alp\t");
      s.awaitSinceMark("keys by prefix", "alpha1", "alpha2");
      s.type("\u0015");
      s.mark();
      s.type("snapshot list --no\t");
      s.awaitSinceMark("an option completed", "--node");
      s.type("\u0015");

      // help lists the commands; connect switches cluster (here: to two of the same members, which answer).
      s.mark();
      s.type("help\r");
      s.awaitSinceMark("help's list of commands", "Commands:", "watch", "member", "log");
      s.awaitPrompt("help done");
      s.mark();
      s.type("connect " + c.adminAddresses.get(1) + "," + c.adminAddresses.get(2) + "\r");
      s.awaitSinceMark("connected", "connected to " + c.adminAddresses.get(1) + ", " + c.adminAddresses.get(2));
      s.mark();
      s.type("get greeting\r");
      s.awaitSinceMark("a command on the new connection", "hello");
      s.mark();
      s.type("connect nonsense\r");
      s.awaitSinceMark("a bad endpoint list said in one line", "raftctl: ");
      s.awaitPrompt("the shell stays");

      // Ctrl-C cancels a running watch; the next command runs.
      s.mark();
      s.type("watch\r");
      s.awaitSinceMark("the watch running", ": watching");
      s.type("\u0003");
      s.mark();
      s.type("get greeting\r");
      s.awaitSinceMark("the next command after Ctrl-C", "hello");

      // The prompt follows a transfer.
      String next = c.names.stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
      s.type("leader transfer " + next + "\r");
      s.await("the prompt with the new leader", "raftd " + next + "* 3/3> ");

      s.type("\u0004");  // Ctrl-D at an empty prompt
      assertEquals(0, s.exit.get(30, TimeUnit.SECONDS), "Ctrl-D leaves with exit 0");
      String written = Files.readString(history);
      assertTrue(written.contains("put greeting hello") && written.contains("leader transfer " + next),
          "history: " + written);
      s.close();
    }
  }

  /**
   * The README's shell walkthrough, its commands read from the README: the write and read, a watch that shows the
   * election when the leader stops (from "a second terminal": here, the test), Ctrl-C, the log and the members.
   */
  @Test
  void theReadmeWalkthrough() throws Exception {
    try (LocalCluster c = new LocalCluster(dir.resolve("cluster"), 3, LocalCluster.FAST_WAL)) {
      List<Runbook.Step> steps = Runbook.read("shell");
      assertEquals("bin/local-cluster start", steps.get(0).command());
      c.startAll();
      c.awaitLeader();
      Ctl.Result toN1 = new Ctl(c.adminAddresses).run("leader", "transfer", "n1");  // the README's leader
      assertEquals(0, toN1.code(), toN1::toString);
      Map<String, String> placeholders = new HashMap<>();
      for (int i = 0; i < 3; i++) {
        placeholders.put("127.0.0.1:720" + (i + 1), c.adminAddresses.get(i));
      }
      Map<String, String> env = new HashMap<>();
      VirtualShell s = null;
      for (Runbook.Step step : steps.subList(1, steps.size())) {
        String command = step.command();
        if (!step.inShell() && command.startsWith("export ")) {
          String[] assignment = step.words(placeholders)[1].split("=", 2);
          env.put(assignment[0], assignment[1]);
        } else if (!step.inShell() && command.equals("bin/raftctl")) {
          s = new VirtualShell(Map.copyOf(env), dir.resolve("history"), 200, 50);
          s.awaitSinceMark("the shell's greeting and the prompt", step.shown().get(0), "raftd n1* 3/3> ");
        } else if (!step.inShell() && command.startsWith("bin/local-cluster stop ")) {
          c.stop(c.names.indexOf(command.substring("bin/local-cluster stop ".length())));
          s.awaitSinceMark("the election in the watch", "election won: ");
          if (step.shown().contains("^C")) {
            s.mark();
            s.type("\u0003");
            s.awaitPrompt("the prompt after Ctrl-C");
            s.awaitSinceMark("the prompt with the new leader, 2 of 3 answering", "* 2/3> ");
          }
        } else if (step.inShell() && command.equals("exit")) {
          s.type("exit\r");
          assertEquals(0, s.exit.get(30, TimeUnit.SECONDS), "exit leaves with 0");
        } else if (step.inShell()) {
          s.mark();
          s.type(command + "\r");
          if (command.equals("watch")) {
            s.awaitSinceMark("every member watched", step.shown().toArray(String[]::new));
          } else {
            if (!step.shown().isEmpty()) {
              s.awaitSinceMark(command + "'s output", step.shown().get(0).split("\\s+")[0]);
            }
            s.awaitPrompt(command + " done");
          }
        } else {
          throw new AssertionError("the shell walkthrough has a command this test does not know: " + command);
        }
      }
      assertTrue(s != null && s.exit.isDone(), "the walkthrough ends by leaving the shell");
      s.close();
    }
  }

  @Test
  void topDrawsFullScreenOnTheShellsTerminalAndQReturnsToThePrompt() throws Exception {
    try (LocalCluster c = new LocalCluster(dir.resolve("cluster"), 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      String leader = c.names.get(c.awaitLeader());
      VirtualShell s = new VirtualShell(Map.of("RAFTCTL_ENDPOINTS", String.join(",", c.adminAddresses)),
          dir.resolve("history"), 100, 24);
      s.await("the prompt", "raftd " + leader + "* 3/3> ");
      s.mark();
      s.type("top --interval 200ms\r");
      s.awaitSinceMark("a frame with its columns and every member", "raftctl top", "NAME", "ROLE", "TERM", "COMMIT",
          "APPLIED", "LAG", "CONTACT", "W/S", "R/S", "FSYNC", leader + "*", "recent events:");
      s.type("p");
      s.awaitSinceMark("paused", "[paused: p resumes]");
      s.mark();
      s.type("q");
      s.awaitSinceMark("the prompt again after q", "raftd " + leader + "* 3/3> ");
      s.type("\u0004");
      assertEquals(0, s.exit.get(30, TimeUnit.SECONDS));
      s.close();
    }
  }

  /**
   * The shell on a virtual terminal of JLine's, keys typed into a pipe and the screen read back. Its line
   * discipline runs in Java: Ctrl-C typed raises INT in this JVM, as a real terminal's SIGINT would.
   */
  private static final class VirtualShell implements AutoCloseable {
    final CompletableFuture<Integer> exit;
    private final PipedOutputStream keys = new PipedOutputStream();
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final Terminal terminal;
    private int mark;

    VirtualShell(Map<String, String> env, Path history, int columns, int rows) throws Exception {
      PipedInputStream in = new PipedInputStream(keys, 1 << 16);
      terminal = new ExternalTerminal("raftctl-test", "xterm", in, bytes, StandardCharsets.UTF_8);
      terminal.setSize(new Size(columns, rows));
      PrintStream unused = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
      Raftctl root = new Raftctl(new Raftctl.Io(in, unused, unused, env, true, true));
      exit = CompletableFuture.supplyAsync(() -> {
        try {
          return new Shell(root, terminal, history).run();
        } catch (CtlException e) {
          throw new IllegalStateException(e);
        }
      });
    }

    void type(String text) throws Exception {
      keys.write(text.getBytes(StandardCharsets.UTF_8));
      keys.flush();
    }

    @Override
    public void close() throws Exception {
      terminal.close();
    }

    /** What was written, terminal control sequences (colors, cursor moves, modes) taken out. */
    String text() {
      return bytes.toString(StandardCharsets.UTF_8).replaceAll("\u001b\\[[0-9;?]*[A-Za-z]|\u001b[=>]", "");
    }

    void mark() {
      mark = text().length();
    }

    void await(String what, String expected) throws Exception {
      await(what, expected, 1);
    }

    void await(String what, String expected, int times) throws Exception {
      wait(what, () -> count(text(), expected) >= times);
    }

    /** What was written since the mark, lines ending in \n. */
    String sinceMark() {
      return text().substring(mark).replace("\r\n", "\n").replace('\r', '\n');
    }

    /** The command typed since the mark has finished: the screen ends with a fresh prompt. */
    void awaitPrompt(String what) throws Exception {
      wait(what, () -> {
        String since = text().substring(mark).stripTrailing();
        return since.endsWith(">") && since.contains("raftd ");  // a prompt printed after what was typed
      });
    }

    void awaitSinceMark(String what, String... expected) throws Exception {
      wait(what, () -> {
        String since = text().substring(mark);
        for (String e : expected) {
          if (!since.contains(e)) {
            return false;
          }
        }
        return true;
      });
    }

    private void wait(String what, LocalCluster.Condition condition) throws Exception {
      try {
        LocalCluster.await(what, WAIT, () -> {
          if (exit.isDone()) {
            throw new AssertionError("the shell ended: " + exit.get());
          }
          return condition.holds();
        });
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "; the screen: [" + text() + "]", e);
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
}
