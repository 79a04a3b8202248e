package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.daemon.LocalCluster;
import java.io.ByteArrayOutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
      PipedOutputStream keys = new PipedOutputStream();
      PipedInputStream in = new PipedInputStream(keys, 1 << 16);
      ByteArrayOutputStream screen = new ByteArrayOutputStream();
      // JLine's line discipline in Java: Ctrl-C on its input raises INT in this JVM, as a terminal's SIGINT would.
      Terminal terminal = new ExternalTerminal("raftctl-test", "xterm", in, screen, StandardCharsets.UTF_8);
      terminal.setSize(new Size(160, 50));
      Path history = dir.resolve("state/raftctl/history");
      PrintStream unused = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
      Raftctl root = new Raftctl(new Raftctl.Io(in, unused, unused,
          Map.of("RAFTCTL_ENDPOINTS", String.join(",", c.adminAddresses)), true, true));
      CompletableFuture<Integer> shell = CompletableFuture.supplyAsync(() -> {
        try {
          return new Shell(root, terminal, history).run();
        } catch (CtlException e) {
          throw new IllegalStateException(e);
        }
      });
      Screen s = new Screen(screen, shell);

      s.await("the prompt with the leader", "raftd " + leader + "* 3/3> ");
      type(keys, "put greeting hello\r");
      s.await("the put's answer", "OK (version 1");
      type(keys, "get greeting\r");
      s.await("the get's answer", "hello\r\n");
      type(keys, "get nothing-here\r");
      s.await("a failing command's one line, the shell staying", "raftctl: key not found: nothing-here");

      // Tab: a command, an option, a member name, a key by prefix.
      type(keys, "put alpha1 a\r");
      type(keys, "put alpha2 b\r");
      s.await("the two puts", "OK (version 1, index", 3);
      s.mark();
      type(keys, "memb\t");
      s.awaitSinceMark("member completed", "member ");
      type(keys, "\u0015");  // Ctrl-U: the line is dropped
      s.mark();
      type(keys, "leader transfer \t");
      s.awaitSinceMark("member names offered", c.names.get(0), c.names.get(1), c.names.get(2));
      type(keys, "\u0015");
      s.mark();
      type(keys, "get alp\t");
      s.awaitSinceMark("keys by prefix", "alpha1", "alpha2");
      type(keys, "\u0015");
      s.mark();
      type(keys, "snapshot list --no\t");
      s.awaitSinceMark("an option completed", "--node");
      type(keys, "\u0015");

      // Ctrl-C cancels a running watch; the next command runs.
      s.mark();
      type(keys, "watch\r");
      s.awaitSinceMark("the watch running", ": watching");
      type(keys, "\u0003");
      s.mark();
      type(keys, "get greeting\r");
      s.awaitSinceMark("the next command after Ctrl-C", "hello");

      // The prompt follows a transfer.
      String next = c.names.stream().filter(n -> !n.equals(leader)).findFirst().orElseThrow();
      type(keys, "leader transfer " + next + "\r");
      s.await("the prompt with the new leader", "raftd " + next + "* 3/3> ");

      type(keys, "\u0004");  // Ctrl-D at an empty prompt
      assertEquals(0, shell.get(30, TimeUnit.SECONDS), "Ctrl-D leaves with exit 0");
      String written = Files.readString(history);
      assertTrue(written.contains("put greeting hello") && written.contains("leader transfer " + next),
          "history: " + written);
      terminal.close();
    }
  }

  @Test
  void topDrawsFullScreenOnTheShellsTerminalAndQReturnsToThePrompt() throws Exception {
    try (LocalCluster c = new LocalCluster(dir.resolve("cluster"), 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      String leader = c.names.get(c.awaitLeader());
      PipedOutputStream keys = new PipedOutputStream();
      PipedInputStream in = new PipedInputStream(keys, 1 << 16);
      ByteArrayOutputStream screen = new ByteArrayOutputStream();
      Terminal terminal = new ExternalTerminal("raftctl-test", "xterm", in, screen, StandardCharsets.UTF_8);
      terminal.setSize(new Size(100, 24));
      PrintStream unused = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
      Raftctl root = new Raftctl(new Raftctl.Io(in, unused, unused,
          Map.of("RAFTCTL_ENDPOINTS", String.join(",", c.adminAddresses)), true, true));
      CompletableFuture<Integer> shell = CompletableFuture.supplyAsync(() -> {
        try {
          return new Shell(root, terminal, dir.resolve("history")).run();
        } catch (CtlException e) {
          throw new IllegalStateException(e);
        }
      });
      Screen s = new Screen(screen, shell);
      s.await("the prompt", "raftd " + leader + "* 3/3> ");
      s.mark();
      type(keys, "top --interval 200ms\r");
      s.awaitSinceMark("a frame with its columns and every member", "raftctl top", "NAME", "ROLE", "TERM", "COMMIT",
          "APPLIED", "LAG", "CONTACT", "W/S", "R/S", "FSYNC", leader + "*", "recent events:");
      type(keys, "p");
      s.awaitSinceMark("paused", "[paused: p resumes]");
      s.mark();
      type(keys, "q");
      s.awaitSinceMark("the prompt again after q", "raftd " + leader + "* 3/3> ");
      type(keys, "\u0004");
      assertEquals(0, shell.get(30, TimeUnit.SECONDS));
      terminal.close();
    }
  }

  private static void type(PipedOutputStream keys, String text) throws Exception {
    keys.write(text.getBytes(StandardCharsets.UTF_8));
    keys.flush();
  }

  /** The virtual terminal's output, waited on. */
  private static final class Screen {
    private final ByteArrayOutputStream bytes;
    private final CompletableFuture<Integer> shell;
    private int mark;

    Screen(ByteArrayOutputStream bytes, CompletableFuture<Integer> shell) {
      this.bytes = bytes;
      this.shell = shell;
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
          if (shell.isDone()) {
            throw new AssertionError("the shell ended: " + shell.get());
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
