package io.raftd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import io.raftd.daemon.LocalCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * raftd bound off loopback, for real: each run is a raftd process in a network namespace of its own
 * ({@code unshare --net}) whose loopback also holds 10.77.0.1, so the address is not loopback and yet nothing
 * outside the namespace can reach it. Without TLS and authentication the start is refused, exit 2, with its
 * one line; with {@code insecure = true} it starts, and its log warns, naming each open port. Needs root
 * (for the namespace): skipped elsewhere, except in CI, where it must run.
 */
class InsecureBindingIT {
  private static final String ADDRESS = "10.77.0.1";

  @TempDir Path dir;

  @BeforeAll
  static void needsRoot() throws Exception {
    boolean root = new String(new ProcessBuilder("id", "-u").start().getInputStream().readAllBytes(),
        StandardCharsets.UTF_8).strip().equals("0");
    if (!"true".equals(System.getenv("CI"))) {
      assumeTrue(root, "needs root for a network namespace");
    }
    assertTrue(root, "CI runs this as root: the test must run there");
  }

  private Path config(boolean insecure) throws IOException {
    return Files.writeString(dir.resolve("raftd.toml"), """
        name = "n1"
        data_dir = "%s"
        peer_address = "%s:7100"
        admin_address = "%s:7200"
        metrics_address = "127.0.0.1:7300"
        insecure = %s
        [wal]
        fsync = "never"
        """.formatted(dir.resolve("data"), ADDRESS, ADDRESS, insecure));
  }

  /** raftd in a new network namespace with 10.77.0.1 on its loopback; stdout and stderr to {@code log}. */
  private Process start(Path config, Path log) throws IOException {
    Path lib = Paths.get(System.getProperty("raftd.lib", "../lib")).toAbsolutePath().normalize();
    List<String> command = new ArrayList<>(List.of("unshare", "--net", "sh", "-c",
        "ip link set lo up && ip addr add " + ADDRESS + "/32 dev lo && exec \"$@\"", "raftd-in-netns",
        Paths.get(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx128m", "-cp", lib + "/*",
        "io.raftd.daemon.Main", "--config", config.toString()));
    return new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
  }

  @Test
  void offLoopbackWithoutProtectionTheStartIsRefused() throws Exception {
    Path log = dir.resolve("refused.log");
    Process p = start(config(false), log);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "raftd did not exit");
    assertEquals(2, p.exitValue(), Files.readString(log));
    assertEquals("raftd: " + dir.resolve("raftd.toml") + ": peer_address = \"" + ADDRESS + ":7100\" is not loopback"
        + " and the peer port has no TLS ([peer_tls]): whoever can see its traffic reads every write; protect it"
        + " (README: Security), bind it to 127.0.0.1, or set insecure = true to run it open anyway",
        Files.readString(log).strip());
    assertFalse(Files.exists(dir.resolve("data")), "a refused start wrote its data_dir");
  }

  @Test
  void withInsecureItStartsAndWarnsNamingEachOpenPort() throws Exception {
    Path log = dir.resolve("insecure.log");
    Process p = start(config(true), log);
    try {
      LocalCluster.await("raftd up in its namespace", Duration.ofSeconds(60),
          () -> Files.readString(log).contains(" is up: "));
      String text = Files.readString(log);
      assertTrue(text.contains(" is up: peers on " + ADDRESS + ":7100, clients on " + ADDRESS + ":7200"), text);
      assertTrue(text.lines().anyMatch(l -> l.contains("WARN") && l.contains("insecure = true: peer_address = \""
          + ADDRESS + ":7100\" is not loopback")), text);
      assertTrue(text.lines().anyMatch(l -> l.contains("WARN") && l.contains("insecure = true: admin_address = \""
          + ADDRESS + ":7200\" is not loopback and the admin port has neither TLS")), text);
    } finally {
      p.destroy();  // SIGTERM to unshare, which exec'd the JVM: raftd stops cleanly
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "raftd did not stop on SIGTERM");
    }
  }
}
