package io.raftd.ctl;

import com.google.gson.JsonObject;
import io.raftd.client.RaftdException;
import io.raftd.proto.ErrorCode;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;

/** {@code raftctl}'s entry point: runs one invocation and exits with its code. */
public final class Main {
  private Main() {}

  public static void main(String[] argv) {
    // raftctl's own logging config (stderr only) before anything touches a logger; see raftctl-logback.xml.
    System.setProperty("logback.configurationFile",
        System.getProperty("logback.configurationFile", "raftctl-logback.xml"));
    // UTF-8 whatever the locale: under LANG=C, JDK 17's System.out would print every non-ASCII character as '?'.
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    Raftctl.Io io = new Raftctl.Io(System.in, out, err, System.getenv(),
        terminal("raftctl.stdin.tty"), terminal("raftctl.stdout.tty"));
    LauncherArgs args = LauncherArgs.of(argv);
    Raftctl raftctl = new Raftctl(io);
    raftctl.refuse(args.refusal());
    int code = run(raftctl, args.args());
    out.flush();
    System.exit(code);
  }

  /** The launcher says which of stdin and stdout are terminals ({@code [ -t 0 ]}); Java cannot tell reliably. */
  private static boolean terminal(String property) {
    String v = System.getProperty(property);
    return v != null ? Boolean.parseBoolean(v) : System.console() != null;
  }

  /** Runs {@code args} against {@code raftctl} and returns the exit code; closes its connection. */
  static int run(Raftctl raftctl, String... args) {
    try {
      return commandLine(raftctl, CommandWord.of(args)).execute(args);
    } finally {
      try {
        raftctl.closeConnection();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /**
   * raftctl's command tree as its users see it (commands, options, help texts), for documents made from it: the
   * man pages are generated from this at build time. Its invocation has no input, output or environment, and is
   * never meant to run.
   */
  public static CommandLine commandTree() {
    PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
    return commandLine(new Raftctl(new Raftctl.Io(InputStream.nullInputStream(), nowhere, nowhere, Map.of(), false,
        false)));
  }

  /** A command line with every command, and raftctl's error handling (below). */
  static CommandLine commandLine(Raftctl raftctl) {
    return commandLine(raftctl, null);
  }

  /**
   * A command line with raftctl's error handling: one line on stderr, the exit code, a trace only with --debug.
   *
   * @param only the one command it needs (a one-shot command: the others' models are not built), or null for all
   */
  static CommandLine commandLine(Raftctl raftctl, Class<?> only) {
    CommandLine cli = new CommandLine(raftctl);
    for (Class<?> command : only == null || Raftctl.NEED_ALL.contains(only) ? Raftctl.COMMANDS : List.of(only)) {
      cli.addSubcommand(command);
    }
    HelpLayout.apply(cli);
    cli.setOut(new java.io.PrintWriter(raftctl.io.out(), true));
    cli.setErr(new java.io.PrintWriter(raftctl.io.err(), true));
    cli.setParameterExceptionHandler((e, args) -> {
      String command = e.getCommandLine().getCommandSpec().qualifiedName();
      // -o json may come after the word picocli stopped at, so it is looked for in the whole line.
      boolean json = raftctl.output().json || jsonRequested(args);
      return fail(raftctl, json, ExitCode.USAGE, e.getMessage() + Suggestions.of(e) + " (see " + command + " --help)");
    });
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> report(raftctl, e));
    return cli;
  }

  private static boolean jsonRequested(String[] args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("-ojson") || a.equals("--output=json") || a.equals("-o=json")
          || ((a.equals("-o") || a.equals("--output")) && i + 1 < args.length && args[i + 1].equals("json"))) {
        return true;
      }
    }
    return false;
  }

  /** Says what went wrong in one line and returns the exit code for it. */
  static int report(Raftctl raftctl, Exception e) {
    if (raftctl.debug()) {
      e.printStackTrace(raftctl.io.err());
    }
    boolean json = raftctl.output().json;
    if (e instanceof CtlException c) {
      return fail(raftctl, json, c.exitCode, c.getMessage());
    }
    if (e instanceof RaftdException r) {
      int code = ExitCode.of(r);
      String message = code == ExitCode.UNAVAILABLE ? Diagnosis.unavailable(raftctl, r)
          : code == ExitCode.AUTH ? refusal(r) : r.getMessage();
      return fail(raftctl, json, code, Reasons.plain(message));
    }
    if (e instanceof InterruptedException) {
      return fail(raftctl, json, ExitCode.FAILURE, "interrupted");
    }
    String what = e.getMessage() != null ? ": " + Reasons.plain(e) : "";
    return fail(raftctl, json, ExitCode.FAILURE, "internal error" + what
        + (raftctl.debug() ? "" : " (--debug shows the stack trace)"));
  }

  /** Which of the two refusals it is, then the member's line, which says what the request needs. */
  private static String refusal(RaftdException e) {
    return (e.code() == ErrorCode.PERMISSION_DENIED ? "permission denied: " : "not authenticated: ")
        + e.getMessage();
  }

  /**
   * Reports a failure: one line on stderr, and with -o json also a document on stdout, so a program that reads
   * stdout gets JSON whatever happens: {"error": {"code": "not_found", "message": "...", "exit_code": 3}}.
   * Not after the command's own document (one document per command): that one already says what failed.
   */
  static int fail(Raftctl raftctl, boolean json, int exitCode, String message) {
    raftctl.io.err().println("raftctl: " + message);
    if (json && !raftctl.output().wroteJson()) {
      JsonObject error = new JsonObject();
      error.addProperty("code", ExitCode.name(exitCode));
      error.addProperty("message", message);
      error.addProperty("exit_code", exitCode);
      JsonObject document = new JsonObject();
      document.add("error", error);
      new Output(raftctl.io.out(), true).json(document);
    }
    return exitCode;
  }
}
