package io.raftd.ctl;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

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
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
         PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      Raftctl.Io io = new Raftctl.Io(stdin, o, e, env, stdinTerminal, stdoutTerminal);
      int code = Main.run(new Raftctl(io), args);
      return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8), out.toByteArray());
    }
  }
}
