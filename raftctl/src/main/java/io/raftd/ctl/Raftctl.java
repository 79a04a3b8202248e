package io.raftd.ctl;

import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import org.jline.terminal.Terminal;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/**
 * The {@code raftctl} command: global options, the subcommands, and (no command given, stdin not a terminal)
 * script mode. One instance per invocation; in script mode one per line, sharing the invocation's
 * {@link Connection}.
 */
@Command(name = "raftctl", mixinStandardHelpOptions = true, scope = ScopeType.INHERIT, versionProvider = Raftctl.Version.class,
    description = {"The raftd operator's tool.",
        "With no command and stdin not a terminal, runs one command per line of stdin (script mode), "
            + "sharing one connection and one session; it stops at the first failing line unless --keep-going."},
    exitCodeListHeading = "%nExit codes:%n", exitCodeList = {
        "0:success",
        "1:failure (the request was refused or failed)",
        "2:usage (bad arguments or options)",
        "3:not found (key, member, snapshot or log entry)",
        "4:unavailable (no leader, no quorum, no member reachable)",
        "5:authentication or permission",
        "6:outcome unknown (the write may or may not have applied)"})
final class Raftctl implements Callable<Integer> {
  enum Format { table, json }

  /**
   * raftctl's commands, in the order help lists them: added to the command line by {@link Main}, all of them or
   * (a one-shot command) only the one asked for, since picocli builds the model of every command it is given.
   */
  static final List<Class<?>> COMMANDS = List.of(StatusCommand.class, AppendCommand.class, KvCommands.Put.class,
      KvCommands.Get.class, KvCommands.Delete.class, KvCommands.Cas.class, KvCommands.Scan.class,
      SnapshotCommand.class, LeaderCommand.class, MemberCommand.class, LogCommands.class, WatchCommand.class,
      TopCommand.class, BenchCommand.class, WalCommand.class, RecoverCommand.class, ShellCommand.class,
      VersionCommand.class, CompletionCommand.class, CompletionCommand.MemberNamesCommand.class,
      CommandLine.HelpCommand.class);
  /** The commands that need the whole tree: they list, complete or run the others. */
  static final Set<Class<?>> NEED_ALL = Set.of(ShellCommand.class, CompletionCommand.class,
      CommandLine.HelpCommand.class);

  @Option(names = "--endpoints", paramLabel = "HOST:PORT,...", scope = ScopeType.INHERIT,
      description = "members' admin addresses (default: $RAFTCTL_ENDPOINTS, then endpoints in "
          + "~/.config/raftctl/config.toml, then " + Endpoints.DEFAULT + ")")
  String endpoints;

  @Option(names = "--token", paramLabel = "TOKEN", scope = ScopeType.INHERIT,
      description = "the token members with [admin_auth] require (visible to other local users in ps: prefer "
          + "--token-file or $RAFTCTL_TOKEN; default: $RAFTCTL_TOKEN, then token or token_file in "
          + "~/.config/raftctl/config.toml)")
  String token;

  @Option(names = "--token-file", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "a file whose first line is the token")
  Path tokenFile;

  @Option(names = "--cacert", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "speak TLS to members with [admin_tls], checking their certificates against this CA bundle "
          + "(PEM; default: cacert in ~/.config/raftctl/config.toml; none: plaintext)")
  Path cacert;

  @Option(names = "--cert", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "a client certificate (PEM), for members that require one (admin_tls.client_ca_file); with --key")
  Path cert;

  @Option(names = "--key", paramLabel = "FILE", scope = ScopeType.INHERIT,
      description = "the client certificate's private key (PEM, PKCS#8)")
  Path key;

  @Option(names = {"-o", "--output"}, paramLabel = "table|json", scope = ScopeType.INHERIT,
      description = "table (default) or json: one JSON document per command, stable field names")
  Format format;

  @Option(names = "--timeout", paramLabel = "DURATION", scope = ScopeType.INHERIT, converter = Durations.class,
      description = "give up after this long, e.g. 500ms, 10s, 1m (default: 10s, longer than an election)")
  Duration timeout;

  @Option(names = "--debug", scope = ScopeType.INHERIT, description = "stack traces and wire logs on stderr")
  boolean debug;

  @Option(names = "--no-color", scope = ScopeType.INHERIT, description = "no colors in tables")
  boolean noColor;

  @Option(names = "--keep-going", description = "script mode: run every line, even after one fails")
  boolean keepGoing;

  final Io io;
  /** In script mode, the invocation a line belongs to; null for the invocation itself. */
  private final Raftctl script;
  private Connection connection;
  private boolean scripting;
  /** Why the command line cannot run as given (an argument that is not UTF-8), or null. */
  private CtlException refusal;
  private Output output;
  /** The shell's terminal, while this invocation runs the shell: full-screen commands (top) draw on it. */
  private Terminal terminal;

  /** What the process gives raftctl; tests pass their own. */
  record Io(InputStream in, PrintStream out, PrintStream err, Map<String, String> env, boolean stdinTerminal,
            boolean stdoutTerminal) {}

  Raftctl(Io io) {
    this(io, null);
  }

  Raftctl(Io io, Raftctl script) {
    this.io = io;
    this.script = script;
  }

  /** No command: the interactive shell on a terminal, script mode otherwise. */
  @Override
  public Integer call() throws Exception {
    checkArguments();
    if (script != null) {
      throw new CtlException(ExitCode.USAGE, "a script line needs a command (see raftctl --help)");
    }
    if (io.stdinTerminal()) {
      return Shell.onSystemTerminal(this);
    }
    return new ScriptMode(this).run();
  }

  /** Refuses this command line, before anything is sent, for the reason given (null: nothing to refuse). */
  void refuse(CtlException why) {
    refusal = why;
  }

  /** Throws the refusal, if there is one: every command calls this before it acts. */
  void checkArguments() throws CtlException {
    if (refusal != null) {
      throw refusal;
    }
  }

  /** The command's output, made once the options are parsed: it remembers whether a JSON document went out. */
  Output output() {
    if (output == null) {
      Format f = format != null ? format : script != null && script.format != null ? script.format : Format.table;
      output = new Output(io.out(), f == Format.json);
    }
    return output;
  }

  boolean color() {
    boolean off = noColor || (script != null && script.noColor) || io.env().containsKey("NO_COLOR");
    return !off && io.stdoutTerminal() && !output().json;
  }

  /** The shell's terminal, for a command run in the shell; null otherwise. */
  Terminal shellTerminal() {
    return script != null ? script.terminal : null;
  }

  /** This invocation runs the shell on {@code terminal}. */
  void startShell(Terminal terminal) {
    startScript();
    this.terminal = terminal;
  }

  /** Whether this is a line of a script: stdin is then the script, not input for the command. */
  boolean inScript() {
    return script != null;
  }

  boolean debug() {
    return debug || (script != null && script.debug);
  }

  Duration timeout() {
    return timeout != null ? timeout : Duration.ofSeconds(10);
  }

  /** The connection: this invocation's, made on first use, or in script mode the invocation's shared one. */
  Connection connection() throws CtlException {
    if (script != null) {
      if (endpoints != null || timeout != null || token != null || tokenFile != null || cacert != null
          || cert != null || key != null) {
        throw new CtlException(ExitCode.USAGE, "--endpoints, --timeout, --token, --token-file, --cacert, --cert and"
            + " --key apply to the whole script: give them on raftctl's command line");
      }
      return script.connection();
    }
    if (connection == null) {
      connection = new Connection(Endpoints.resolve(endpoints, io.env()),
          Credentials.resolve(token, tokenFile, new Credentials.TlsFiles(cacert, cert, key), io.env()),
          timeout(), scripting, debug ? io.err() : null);
    }
    return connection;
  }

  /** From now on this invocation runs a script: its connection carries a session for the writes. */
  void startScript() {
    scripting = true;
  }

  void closeConnection() throws InterruptedException {
    if (connection != null) {
      connection.close();
      connection = null;
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"raftctl " + VersionCommand.CLIENT_VERSION};
    }
  }
}
