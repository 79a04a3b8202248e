package io.raftd.ctl;

import io.raftd.client.RaftdException;
import java.io.PrintStream;
import picocli.CommandLine;

/** {@code raftctl}'s entry point: runs one invocation and exits with its code. */
public final class Main {
  private Main() {}

  public static void main(String[] args) {
    // raftctl's own logging config (stderr only) before anything touches a logger; see raftctl-logback.xml.
    System.setProperty("logback.configurationFile",
        System.getProperty("logback.configurationFile", "raftctl-logback.xml"));
    Raftctl.Io io = new Raftctl.Io(System.in, System.out, System.err, System.getenv(),
        terminal("raftctl.stdin.tty"), terminal("raftctl.stdout.tty"));
    System.exit(run(new Raftctl(io), args));
  }

  /** The launcher says which of stdin and stdout are terminals ({@code [ -t 0 ]}); Java cannot tell reliably. */
  private static boolean terminal(String property) {
    String v = System.getProperty(property);
    return v != null ? Boolean.parseBoolean(v) : System.console() != null;
  }

  /** Runs {@code args} against {@code raftctl} and returns the exit code; closes its connection. */
  static int run(Raftctl raftctl, String... args) {
    try {
      return commandLine(raftctl).execute(args);
    } finally {
      try {
        raftctl.closeConnection();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** A command line with raftctl's error handling: one line on stderr, the exit code, a trace only with --debug. */
  static CommandLine commandLine(Raftctl raftctl) {
    CommandLine cli = new CommandLine(raftctl);
    PrintStream err = raftctl.io.err();
    cli.setOut(new java.io.PrintWriter(raftctl.io.out(), true));
    cli.setErr(new java.io.PrintWriter(err, true));
    cli.setParameterExceptionHandler((e, args) -> {
      String command = e.getCommandLine().getCommandSpec().qualifiedName();
      err.println("raftctl: " + e.getMessage() + " (see " + command + " --help)");
      return ExitCode.USAGE;
    });
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> report(raftctl, e));
    return cli;
  }

  /** Says what went wrong in one line and returns the exit code for it. */
  static int report(Raftctl raftctl, Exception e) {
    PrintStream err = raftctl.io.err();
    if (raftctl.debug()) {
      e.printStackTrace(err);
    }
    if (e instanceof CtlException c) {
      err.println("raftctl: " + c.getMessage());
      return c.exitCode;
    }
    if (e instanceof RaftdException r) {
      int code = ExitCode.of(r);
      String message = code == ExitCode.UNAVAILABLE ? Diagnosis.unavailable(raftctl, r) : r.getMessage();
      err.println("raftctl: " + message);
      return code;
    }
    if (e instanceof InterruptedException) {
      err.println("raftctl: interrupted");
      return ExitCode.FAILURE;
    }
    err.println("raftctl: internal error: " + e + (raftctl.debug() ? "" : " (--debug shows the stack trace)"));
    return ExitCode.FAILURE;
  }
}
