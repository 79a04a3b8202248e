package io.raftd.ctl;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.LineReaderImpl;
import org.jline.terminal.Size;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * The interactive shell ({@code raftctl} with no command on a terminal, or {@code raftctl shell}): every command in
 * its one-shot syntax and output, over one connection and one session for the whole shell, so each answers in
 * milliseconds. The prompt shows the cluster's leader and the members answering, refreshed in the background;
 * Tab completes commands, options, member names and keys; history persists across shells. Ctrl-C cancels the
 * running command (a watch, a waiting member add, a bench) and returns to the prompt; Ctrl-D or {@code exit}
 * leaves. A failing command prints its one line and the shell stays.
 */
final class Shell {
  /** The shell's own commands, beside raftctl's. */
  static final List<String> OWN_COMMANDS = List.of("connect", "exit", "quit");

  private final Raftctl invocation;
  private final Terminal terminal;
  private final Path history;

  Shell(Raftctl invocation, Terminal terminal, Path history) {
    this.invocation = invocation;
    this.terminal = terminal;
    this.history = history;
  }

  /** The shell on the process's terminal. */
  static int onSystemTerminal(Raftctl invocation) throws IOException, CtlException {
    try (Terminal terminal = TerminalBuilder.builder().system(true).build()) {
      if (terminal.getWidth() <= 0) {
        // A terminal that gives no size (a pty nobody sized, as under `script`): the prompt would be cut to
        // nothing. The usual 80 columns until it says otherwise.
        terminal.setSize(new Size(80, 24));
      }
      return new Shell(invocation, terminal, historyFile(invocation.io.env())).run();
    }
  }

  /** {@code $XDG_STATE_HOME/raftctl/history}, {@code ~/.local/state/raftctl/history} by default (XDG). */
  static Path historyFile(Map<String, String> env) {
    String state = env.get("XDG_STATE_HOME");
    Path base = state != null && !state.isBlank() ? Path.of(state)
        : Path.of(env.getOrDefault("HOME", System.getProperty("user.home")), ".local", "state");
    return base.resolve("raftctl").resolve("history");
  }

  int run() throws CtlException {
    invocation.startShell(terminal);  // one connection and one session for every command
    PrintStream out = new PrintStream(terminal.output(), true, StandardCharsets.UTF_8);
    Raftctl.Io io = new Raftctl.Io(terminal.input(), out, out, invocation.io.env(), true, true);
    LineReaderImpl[] reader = new LineReaderImpl[1];
    ShellView[] shown = new ShellView[1];
    Connection c = invocation.connection();
    try (ShellView view = new ShellView(c.endpoints, c.credentials, () -> redrawPrompt(reader[0], shown[0]))) {
      shown[0] = view;
      // The builder makes a LineReaderImpl: its prompt can change while a line is read (the leader moved).
      reader[0] = (LineReaderImpl) LineReaderBuilder.builder().appName("raftctl").terminal(terminal)
          .completer(new ShellCompleter(Main.commandLine(new Raftctl(io, invocation)).getCommandSpec(), view))
          .variable(LineReader.HISTORY_FILE, history)
          .build();
      view.start();
      out.println("raftctl shell: commands as on the command line; Tab completes, Ctrl-C cancels a command, "
          + "Ctrl-D leaves. `help` lists the commands.");
      while (true) {
        String line;
        try {
          line = reader[0].readLine(view.prompt());
        } catch (UserInterruptException e) {
          continue;  // Ctrl-C at the prompt: the line is dropped
        } catch (EndOfFileException e) {
          break;  // Ctrl-D
        }
        List<String> words;
        try {
          words = ScriptMode.split(line);
        } catch (IllegalArgumentException e) {
          out.println("raftctl: " + e.getMessage());
          continue;
        }
        if (words.isEmpty()) {
          continue;
        }
        String first = words.get(0);
        if (first.equals("exit") || first.equals("quit")) {
          break;
        }
        if (first.equals("connect")) {
          connect(words, view, out);
          continue;
        }
        runCancellably(io, words);
      }
      saveHistory(reader[0]);
      return ExitCode.OK;
    } finally {
      try {
        invocation.closeConnection();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** {@code connect HOST:PORT,...}: the commands and the prompt go to that cluster from now on. */
  private void connect(List<String> words, ShellView view, PrintStream out) {
    if (words.size() != 2) {
      out.println("raftctl: usage: connect HOST:PORT[,HOST:PORT...]");
      return;
    }
    List<String> endpoints;
    try {
      endpoints = Endpoints.parse(words.get(1), "connect");
    } catch (CtlException e) {
      out.println("raftctl: " + e.getMessage());
      return;
    }
    try {
      invocation.closeConnection();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    invocation.endpoints = String.join(",", endpoints);
    view.connect(endpoints);
    out.println("connected to " + String.join(", ", endpoints));
  }

  /**
   * Runs one command on a thread of its own, so that Ctrl-C (the terminal's INT signal while a command runs)
   * can interrupt it: every command that waits gives up on interruption and returns to the prompt.
   */
  private void runCancellably(Raftctl.Io io, List<String> words) {
    AtomicInteger code = new AtomicInteger();
    Thread command = new Thread(() -> code.set(Main.commandLine(new Raftctl(io, invocation))
        .execute(words.toArray(String[]::new))), "raftctl-" + words.get(0));
    Terminal.SignalHandler previous = terminal.handle(Terminal.Signal.INT, signal -> command.interrupt());
    try {
      command.start();
      while (true) {
        try {
          command.join();
          break;
        } catch (InterruptedException e) {
          command.interrupt();  // the shell itself was interrupted: the command goes first
        }
      }
    } finally {
      terminal.handle(Terminal.Signal.INT, previous);
      io.out().flush();
    }
  }

  private static void redrawPrompt(LineReaderImpl reader, ShellView view) {
    if (reader != null && view != null && reader.isReading()) {
      reader.setPrompt(view.prompt());
      reader.callWidget(LineReader.REDRAW_LINE);
      reader.callWidget(LineReader.REDISPLAY);
    }
  }

  private static void saveHistory(LineReader reader) {
    try {
      reader.getHistory().save();
    } catch (IOException e) {
      reader.getTerminal().writer().println("raftctl: history not saved: " + e.getMessage());
    }
  }
}
