package io.raftd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/local-cluster, bin/raftd and bin/raftctl, run from a copy of the checkout's bin/ (no lib/: nothing here
 * builds or starts a JVM of raftd): a taken port, a stale pid file, a missing tool, a symlink into PATH.
 */
class LauncherScriptsTest {
  private static final Path BIN = Path.of("..", "bin");

  @TempDir Path tmp;

  /** What one run of a script returned and printed. */
  record Run(int exit, String out, String err) {}

  private Path checkout() throws IOException {
    Path co = tmp.resolve("checkout");
    Files.createDirectories(co.resolve("bin"));
    for (String script : List.of("local-cluster", "raftd", "raftctl")) {
      Files.copy(BIN.resolve(script), co.resolve("bin").resolve(script));
    }
    return co.toRealPath();
  }

  private static Run run(Map<String, String> env, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().remove("RAFTD_LIB");
    pb.environment().putAll(env);
    Process p = pb.start();
    p.getOutputStream().close();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish within 60 s");
    }
    return new Run(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8),
        new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8));
  }

  @Test
  void startRefusesAPortTakenByAnotherProcessBeforeStartingAnything() throws Exception {
    Path co = checkout();
    try (ServerSocket taken = new ServerSocket(LocalCluster.freePorts(1)[0], 1, InetAddress.getLoopbackAddress())) {
      int base = taken.getLocalPort() - 1;  // n1's peer port, the first one checked
      Run r = run(Map.of("RAFTD_LOCAL_PORT_BASE", Integer.toString(base)), co.resolve("bin/local-cluster").toString(),
          "start");
      assertEquals(1, r.exit(), r.err());
      assertTrue(r.err().startsWith("local-cluster: n1's peer port 127.0.0.1:" + taken.getLocalPort() + " is taken by pid "
          + ProcessHandle.current().pid() + " ("), r.err());
      assertTrue(r.err().contains("RAFTD_LOCAL_PORT_BASE"), r.err());
      assertEquals(1, r.err().lines().count(), r.err());
      assertFalse(Files.exists(co.resolve("local-cluster/n1.pid")), "it started a member anyway");
    }
  }

  @Test
  void aStalePidFileIsNeverSignalled() throws Exception {
    Path co = checkout();
    Process sleep = new ProcessBuilder("sleep", "600").start();
    try {
      Files.createDirectories(co.resolve("local-cluster"));
      Files.writeString(co.resolve("local-cluster/n1.pid"), sleep.pid() + "\n");
      Run r = run(Map.of(), co.resolve("bin/local-cluster").toString(), "stop");
      assertEquals(0, r.exit(), r.err());
      assertTrue(r.err().contains("n1: " + co.resolve("local-cluster/n1.pid") + " names pid " + sleep.pid()
          + ", which is not n1"), r.err());
      assertTrue(sleep.isAlive(), "local-cluster signalled a process that is not raftd");
      assertFalse(Files.exists(co.resolve("local-cluster/n1.pid")));
    } finally {
      sleep.destroyForcibly();
    }
  }

  @Test
  void stopWithNamesStopsOnlyThoseAndRefusesAnUnknownName() throws Exception {
    Path co = checkout();
    Files.createDirectories(co.resolve("local-cluster"));
    Files.writeString(co.resolve("local-cluster/n1.pid"), "1\n");  // init: alive, and not raftd
    Files.writeString(co.resolve("local-cluster/n2.pid"), "1\n");
    Run unknown = run(Map.of(), co.resolve("bin/local-cluster").toString(), "stop", "n4");
    assertEquals(2, unknown.exit(), unknown.err());
    assertEquals("local-cluster: no member n4 (members: n1 n2 n3)", unknown.err().strip());
    Run r = run(Map.of(), co.resolve("bin/local-cluster").toString(), "stop", "n2");
    assertEquals(0, r.exit(), r.err());
    assertTrue(r.out().contains("stopped n2"), r.out());
    assertFalse(Files.exists(co.resolve("local-cluster/n2.pid")), "n2's stale pid file stays");
    assertTrue(Files.exists(co.resolve("local-cluster/n1.pid")), "n1 was not named, and was touched");
  }

  @Test
  void aMissingJavaOrMavenSaysWhatToInstall() throws Exception {
    Path co = checkout();
    Path path = Files.createDirectories(tmp.resolve("path"));
    for (String tool : List.of("bash", "readlink", "dirname", "mkdir", "awk", "tr", "cat", "ls", "cut", "rm")) {
      Files.createSymbolicLink(path.resolve(tool), which(tool));
    }
    String base = Integer.toString(LocalCluster.freePorts(1)[0] - 1000);
    Run noJava = run(Map.of("PATH", path.toString(), "RAFTD_LOCAL_PORT_BASE", base),
        co.resolve("bin/local-cluster").toString(), "start");
    assertEquals(2, noJava.exit(), noJava.err());
    assertEquals("local-cluster: java not found on PATH: install a JDK 17 and Maven, e.g. apt-get install"
        + " openjdk-17-jdk-headless maven", noJava.err().strip());

    Files.createSymbolicLink(path.resolve("java"), which("java"));
    Run noMaven = run(Map.of("PATH", path.toString(), "RAFTD_LOCAL_PORT_BASE", base),
        co.resolve("bin/local-cluster").toString(), "start");
    assertEquals(2, noMaven.exit(), noMaven.err());
    assertTrue(noMaven.err().strip().startsWith("local-cluster: mvn not found on PATH: install"), noMaven.err());
  }

  @Test
  void theLaunchersFindTheirCheckoutThroughASymlink() throws Exception {
    Path co = checkout();
    Path onPath = Files.createDirectories(tmp.resolve("usr/local/bin"));
    for (String script : List.of("raftd", "raftctl")) {
      Path link = Files.createSymbolicLink(onPath.resolve(script), co.resolve("bin").resolve(script));
      Run r = run(Map.of(), link.toString(), "--version");
      assertEquals(2, r.exit(), r.err());
      assertEquals(script + ": no " + co.resolve("lib") + ": build first with: mvn -B package -DskipTests",
          r.err().strip());
    }
    Path link = Files.createSymbolicLink(onPath.resolve("local-cluster"), co.resolve("bin/local-cluster"));
    Files.createDirectories(co.resolve("local-cluster"));
    Files.writeString(co.resolve("local-cluster/n2.pid"), "1\n");  // init: alive, and not raftd
    Run r = run(Map.of(), link.toString(), "status");
    assertEquals(0, r.exit(), r.err());
    assertEquals("n1: stopped\nn2: stopped\nn3: stopped\n", r.out());
    assertTrue(r.err().contains(co.resolve("local-cluster/n2.pid") + " names pid 1"), r.err());
  }

  private static Path which(String tool) {
    for (String dir : System.getenv("PATH").split(":")) {
      Path p = Path.of(dir, tool);
      if (Files.isExecutable(p)) {
        return p;
      }
    }
    throw new AssertionError(tool + " is not on PATH");
  }
}
