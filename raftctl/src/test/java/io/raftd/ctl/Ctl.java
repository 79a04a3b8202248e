package io.raftd.ctl;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/** Runs raftctl in this JVM as a shell would, capturing stdout, stderr and the exit code. */
final class Ctl {
  private final Map<String, String> env = new HashMap<>();
  private boolean stdoutTerminal;

  /** raftctl with RAFTCTL_ENDPOINTS set to these admin addresses and no user config file. */
  Ctl(List<String> endpoints) {
    env.put("RAFTCTL_ENDPOINTS", String.join(",", endpoints));
  }

  Ctl(Map<String, String> env) {
    this.env.putAll(env);
  }

  /** Writes raftctl's config file under {@code home} (as $HOME), where raftctl looks for it. */
  static void userConfig(Path home, String text) throws IOException {
    Path f = home.resolve(".config/raftctl/config.toml");
    Files.createDirectories(f.getParent());
    Files.writeString(f, text);
  }

  /** From now on stdout is a terminal, as the launcher would say (progress redrawn in place, colors). */
  Ctl stdoutTerminal() {
    stdoutTerminal = true;
    return this;
  }

  /** @param stdout stdout's bytes as written (out is them decoded as UTF-8) */
  record Result(int code, String out, String err, byte[] stdout) {
    JsonObject json() {
      return JsonParser.parseString(out).getAsJsonObject();
    }

    @Override
    public String toString() {
      return "exit " + code + ", stdout: [" + out + "], stderr: [" + err + "]";
    }
  }

  /** A one-shot command, stdin a terminal. */
  Result run(String... args) {
    return run("", true, args);
  }

  /** With {@code stdin} as standard input, which is a terminal or not. */
  Result run(String stdin, boolean stdinTerminal, String... args) {
    return run(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)), stdinTerminal, args);
  }

  /** With these bytes as standard input, not a terminal. */
  Result run(byte[] stdin, String... args) {
    return run(new ByteArrayInputStream(stdin), false, args);
  }

  /** With {@code stdin} as standard input, fed as the test goes (script mode). */
  Result run(InputStream stdin, boolean stdinTerminal, String... args) {
    return run(stdin, stdinTerminal, new ByteArrayOutputStream(), new ByteArrayOutputStream(), args);
  }

  private Result run(InputStream stdin, boolean stdinTerminal, ByteArrayOutputStream out, ByteArrayOutputStream err,
      String... args) {
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
         PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      Raftctl.Io io = new Raftctl.Io(stdin, o, e, env, stdinTerminal, stdoutTerminal);
      int code = Main.run(new Raftctl(io), args);
      return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), out.toByteArray());
    }
  }

  /**
   * Starts a command that runs until interrupted ({@code watch}) on a thread of its own, its output readable as
   * it goes; {@link Running#interrupt} is what Ctrl-C does to a command in the shell.
   */
  Running start(String... args) {
    return new Running(args);
  }

  final class Running {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final CompletableFuture<Result> result = new CompletableFuture<>();
    private final Thread thread;

    private Running(String[] args) {
      thread = new Thread(() -> result.complete(run(new ByteArrayInputStream(new byte[0]), true, out, err, args)),
          "raftctl-" + args[0]);
      thread.start();
    }

    /** stdout so far (ByteArrayOutputStream is synchronized: safe while the command writes). */
    String out() {
      return out.toString(StandardCharsets.UTF_8);
    }

    String err() {
      return err.toString(StandardCharsets.UTF_8);
    }

    boolean done() {
      return result.isDone();
    }

    /** Interrupts the command and waits for it to return. */
    Result interrupt() throws Exception {
      thread.interrupt();
      return result.get(30, TimeUnit.SECONDS);
    }
  }
}
