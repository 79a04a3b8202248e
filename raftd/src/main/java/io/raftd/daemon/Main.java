package io.raftd.daemon;

import io.raftd.config.ConfigException;
import io.raftd.config.ConfigLoader;
import io.raftd.config.RaftdConfig;
import io.raftd.host.Fatal;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code raftd}: starts a member from its config file, or checks a config file. */
@Command(name = "raftd", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    description = "Runs one member of a raftd cluster: a replicated log and key-value store.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:stopped cleanly (SIGTERM)",
        "1:could not start (data directory in use or damaged, bootstrap refused, ports taken)",
        "2:bad configuration or usage; for --check-config, anything that would stop a start",
        "3:this member was removed from its cluster (it stopped), or its data_dir is a removed member's (it did not"
            + " start); systemd's unit does not restart it (RestartPreventExitStatus=3)",
        "70:stopped by an internal failure (one ERROR line says which thread and why)"})
public final class Main implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(Main.class);
  /** The member was removed from its cluster: a supervisor must not restart it on the same data_dir. */
  public static final int REMOVED_EXIT_CODE = 3;

  @Option(names = "--config", paramLabel = "FILE", description = "the member's raftd.toml")
  Path config;

  @Option(names = "--check-config", paramLabel = "FILE", description = "check FILE, its data_dir (owner, mode, member, WAL, snapshots), its state machine and TLS files as a start would, short of binding ports; then exit")
  Path checkConfig;

  @Option(names = "--debug", description = "stack traces on errors")
  boolean debug;

  public static void main(String[] args) {
    CommandLine cli = new CommandLine(new Main());
    cli.setParameterExceptionHandler((e, a) -> {
      System.err.println("raftd: " + e.getMessage() + " (see raftd --help)");
      return 2;
    });
    System.exit(cli.execute(args));
  }

  @Override
  public Integer call() throws Exception {
    if (checkConfig != null) {
      try {
        RaftdConfig c = ConfigLoader.load(checkConfig);
        ConfigLoader.checkDataDir(c);
        ConfigLoader.checkExposure(c);
        StartupCheck.run(c);  // what the start checks before it binds a port, with the same messages
        System.out.println(checkConfig + ": ok");
        return 0;
      } catch (Daemon.RemovedException e) {
        System.err.println("raftd: " + e.getMessage());
        return REMOVED_EXIT_CODE;
      } catch (ConfigException | Daemon.StartupException e) {
        System.err.println("raftd: " + e.getMessage());
        return 2;
      }
    }
    if (config == null) {
      System.err.println("raftd: give --config FILE (or --check-config FILE); see raftd --help");
      return 2;
    }
    RaftdConfig c;
    try {
      c = ConfigLoader.load(config);
      ConfigLoader.checkDataDir(c);
      ConfigLoader.checkExposure(c);
    } catch (ConfigException e) {
      System.err.println("raftd: " + e.getMessage());
      return 2;
    }
    LogSettings.apply(c.log());
    LogSettings.member(c.name());
    Fatal fatal = (component, cause) -> {
      LOG.error("{} failed, stopping: {}", component, cause.toString(), debug ? cause : null);
      Runtime.getRuntime().halt(Fatal.EXIT_CODE);
    };
    return serve(c, fatal, SystemdNotify.fromEnvironment(LOG), new Signals());
  }

  /** When a running member is to stop: on a request, or because it was removed from its cluster. */
  interface StopRequest {
    /** Called once the member is up and before systemd hears so: from here on a request must not be lost. */
    void listen();

    /** The member was removed from its cluster: it stops as on a request, and exits with REMOVED_EXIT_CODE. */
    void removed();

    /** Returns once a stop was requested (false) or the member was removed (true). */
    boolean await() throws InterruptedException;
  }

  /**
   * SIGTERM and SIGINT stop the member cleanly (hand leadership over, drain the WAL) and exit 0. Only once it
   * is up: before that, they end the JVM as usual, which is what a start stuck waiting for its seeds needs.
   */
  private static final class Signals implements StopRequest {
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile boolean removed;

    @Override
    public void listen() {
      for (String signal : new String[] {"TERM", "INT"}) {
        sun.misc.Signal.handle(new sun.misc.Signal(signal), s -> stop.countDown());
      }
    }

    @Override
    public void removed() {
      removed = true;
      stop.countDown();
    }

    @Override
    public boolean await() throws InterruptedException {
      stop.await();
      return removed;
    }
  }

  /**
   * Starts a member and runs it until {@code stop}: systemd hears READY=1 only once the ports are bound and
   * the member answers, and STOPPING=1 before it stops. Returns the exit code.
   */
  int serve(RaftdConfig c, Fatal fatal, SystemdNotify systemd, StopRequest stop)
      throws IOException, InterruptedException {
    Daemon daemon;
    try {
      daemon = Daemon.start(c, fatal);
    } catch (Daemon.StartupException | IOException e) {
      if (debug) {
        e.printStackTrace();
      }
      System.err.println("raftd: " + e.getMessage());
      return e instanceof Daemon.RemovedException ? REMOVED_EXIT_CODE : 1;
    }
    stop.listen();
    daemon.removal().thenRun(stop::removed);
    systemd.ready();
    boolean removed = stop.await();
    LOG.info(removed ? "stopping: this member was removed from the cluster" : "stopping on a signal");
    systemd.stopping();
    daemon.close();
    return removed ? REMOVED_EXIT_CODE : 0;
  }

  /** The version from the jar's manifest. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"raftd " + StatusReporter.VERSION};
    }
  }
}
