package io.raftd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.config.ConfigLoader;
import io.raftd.config.RaftdConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One truth at start-up: what stops a start is what {@code --check-config} reports, in the same words; and a
 * start that fails leaves the data directory byte for byte as it found it.
 */
class StartupCheckTest {
  @TempDir Path dir;

  private final int[] ports = LocalCluster.freePorts(3);

  StartupCheckTest() throws IOException {}

  /** A one-node member's config (no members listed: it forms its own cluster at once). */
  private Path config(String name, Path dataDir, String extra) throws IOException {
    return Files.writeString(dir.resolve(name + "-" + System.nanoTime() + ".toml"), """
        name = "%s"
        data_dir = "%s"
        peer_address = "127.0.0.1:%d"
        admin_address = "127.0.0.1:%d"
        metrics_address = "127.0.0.1:%d"
        %s
        %s""".formatted(name, dataDir, ports[0], ports[1], ports[2], extra, LocalCluster.FAST_WAL));
  }

  /** A member's data directory after one clean start and stop. */
  private Path formed(String name) throws Exception {
    Path data = dir.resolve("data");
    Path file = config(name, data, "");
    Daemon.start(ConfigLoader.load(file), (component, cause) -> { }).close();
    assertTrue(Files.isRegularFile(data.resolve("identity")));
    return data;
  }

  /** Every path under {@code data} with a digest of each file's bytes; null if it does not exist. */
  static Map<String, String> contents(Path data) throws Exception {
    if (!Files.exists(data)) {
      return null;
    }
    Map<String, String> out = new TreeMap<>();
    try (Stream<Path> all = Files.walk(data)) {
      for (Path p : all.toList()) {
        out.put(data.relativize(p).toString(), Files.isDirectory(p) ? "dir"
            : HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p))));
      }
    }
    return out;
  }

  /** --check-config and --config both refuse, in one identical line naming {@code names}; the data_dir is untouched. */
  private void bothRefuse(Path file, Path data, String... names) throws Exception {
    Map<String, String> before = contents(data);
    MainTest.Run check = MainTest.run("--check-config", file.toString());
    assertEquals(2, check.exit(), "--check-config passed what the start refuses: " + check.out());
    MainTest.Run start = MainTest.run("--config", file.toString());
    assertEquals(1, start.exit(), start.err());
    assertEquals(1, start.err().lines().count(), "not one line: " + start.err());
    assertEquals(start.err(), check.err(), "--check-config and the start say different things");
    for (String n : names) {
      assertTrue(start.err().contains(n), "does not name " + n + ": " + start.err());
    }
    assertEquals(before, contents(data), "the failed start changed the data_dir");
  }

  @Test
  void anUnknownStateMachine() throws Exception {
    Path data = dir.resolve("data");
    bothRefuse(config("n1", data, "state_machine = \"nope\""), data, "state_machine", "nope", "available: kv");
    assertFalse(Files.exists(data));
  }

  @Test
  void anAdminTokensFileOthersCanRead() throws Exception {
    Path data = dir.resolve("data");
    String auth = AdminTokensFile.adminAuth(dir, 10);
    Path tokens = dir.resolve("admin-tokens.toml");
    Files.setPosixFilePermissions(tokens, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r--r--"));
    bothRefuse(config("n1", data, auth), data, tokens + " is mode rw-r--r--", "chmod 600 " + tokens);
  }

  @Test
  void theDataDirOfAnotherMember() throws Exception {
    Path data = formed("n1");
    bothRefuse(config("n2", data, ""), data, data.toString(), "belongs to member n1", "its own data_dir");
  }

  @Test
  void aDamagedWal() throws Exception {
    Path data = formed("n1");
    Path segment;
    try (Stream<Path> s = Files.list(data.resolve("wal"))) {
      segment = s.filter(p -> p.toString().endsWith(".wal")).findFirst().orElseThrow();
    }
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.WRITE)) {
      ch.truncate(ch.size() - 4096);  // shorter than preallocated: damage, never a crash's torn tail
    }
    bothRefuse(config("n1", data, ""), data, "is damaged", segment.getFileName().toString(), "raftctl wal verify");
  }

  @Test
  void aDataDirOfAnotherUser() throws Exception {
    Path data = formed("n1");
    boolean root = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid") == 0;
    if (root) {
      Files.setAttribute(data, "unix:uid", 12345);  // root writes anywhere: ownership is what tells
      bothRefuse(config("n1", data, ""), data, "data_dir " + data, "owned by uid 12345", "raftd runs as uid 0", "chown");
    } else {
      Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("r-x------"));
      try {
        bothRefuse(config("n1", data, ""), data, "data_dir " + data, "permission denied", "chmod");
      } finally {
        Files.setPosixFilePermissions(data, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
      }
    }
  }

  @Test
  void aFirstStartThatFailsLeavesNoDataDir() throws Exception {
    Path data = dir.resolve("data");
    Path file = config("n1", data, "");
    try (ServerSocket taken = new ServerSocket(ports[1], 1, InetAddress.getLoopbackAddress())) {
      MainTest.Run start = MainTest.run("--config", file.toString());
      assertEquals(1, start.exit(), start.err());
      assertEquals("raftd: admin_address 127.0.0.1:" + ports[1] + ": cannot listen there (Address already in use): stop"
          + " what listens there (ss -ltnp 'sport = :" + ports[1] + "') or choose another port", start.err().strip());
    }
    assertFalse(Files.exists(data), "the failed first start left " + contents(data));
    MainTest.Run check = MainTest.run("--check-config", file.toString());
    assertEquals(0, check.exit(), "a failed first start left what a corrected config is refused by: " + check.err());
  }

  @Test
  void aRestartThatFailsLeavesTheDataDirAsItWas() throws Exception {
    Path data = formed("n1");
    Map<String, String> before = contents(data);
    try (ServerSocket taken = new ServerSocket(ports[1], 1, InetAddress.getLoopbackAddress())) {
      assertEquals(1, MainTest.run("--config", config("n1", data, "").toString()).exit());
    }
    assertEquals(before, contents(data));
  }

  /**
   * A first start killed while it waited for its seeds (Ctrl-C, kill -9: no clean-up runs) leaves the lock
   * and a WAL begun for a member id never kept, but no identity: the next first start uses the directory.
   */
  @Test
  void aFirstStartKilledBeforeItFinishedLeavesADirectoryTheNextOneUses() throws Exception {
    Path data = dir.resolve("data");
    Files.createDirectories(data.resolve("snap"));
    Files.createDirectories(data.resolve("wal"));
    Files.writeString(data.resolve("LOCK"), "12345\n");
    Files.write(data.resolve("wal/0000000000000001-0000000000000001.wal"), new byte[4096]);  // half-made
    Path file = config("n1", data, "");
    MainTest.Run check = MainTest.run("--check-config", file.toString());
    assertEquals(0, check.exit(), check.err());
    Daemon.start(ConfigLoader.load(file), (component, cause) -> { }).close();
    assertTrue(Files.isRegularFile(data.resolve("identity")));
    Daemon.start(ConfigLoader.load(file), (component, cause) -> { }).close();  // and it is a member now
  }

  /**
   * n1 learns its seeds' ids over the peer port and forms the cluster with them (its start gets to the
   * admin port only after that), then cannot bind its admin port: its data directory is as it was (none).
   * The seeds stay up until n1's start has ended: a seed that formed the cluster and stopped at once could
   * leave n1 waiting for an answer from it (this test once waited out its 120 s that way in CI).
   */
  @Test
  void aFirstStartThatFailsAfterTheBootstrapProbesLeavesNoDataDir() throws Exception {
    LocalCluster c = new LocalCluster(dir.resolve("cluster"), 3, LocalCluster.FAST_WAL);
    Path n1 = Files.writeString(dir.resolve("n1.toml"), c.tomls.get(0));
    ExecutorService members = Executors.newFixedThreadPool(3);
    List<Future<Daemon>> seeds = new ArrayList<>();
    try (ServerSocket taken = new ServerSocket(Integer.parseInt(c.adminAddresses.get(0).split(":")[1]), 1,
        InetAddress.getLoopbackAddress())) {
      for (int i = 1; i <= 2; i++) {
        RaftdConfig seed = c.config(i);
        seeds.add(members.submit(() -> Daemon.start(seed, c.recordFatal)));  // returns once n1 has answered
      }
      Future<MainTest.Run> first = members.submit(() -> MainTest.run("--config", n1.toString()));
      // n1 waits for its seeds for minutes before it gives up: if one of them cannot start, say so now.
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
      while (!first.isDone() && System.nanoTime() < deadline) {
        for (Future<Daemon> f : seeds) {
          if (f.isDone()) {
            f.get();  // a seed that failed to start fails the test with its reason
          }
        }
        try {
          first.get(100, TimeUnit.MILLISECONDS);
        } catch (TimeoutException notYet) {
          // keep watching the seeds
        }
      }
      assertTrue(first.isDone(), "n1's first start neither formed the cluster nor failed within 120 s");
      MainTest.Run start = first.get();
      assertEquals(1, start.exit(), start.err());
      assertTrue(start.err().contains("admin_address"), "did not fail after bootstrap: " + start.err());
    } finally {
      members.shutdownNow();  // a seed still waiting for n1's answer is interrupted and gives up
      assertTrue(members.awaitTermination(30, TimeUnit.SECONDS));
      for (Future<Daemon> f : seeds) {
        if (f.isDone() && !f.isCancelled()) {
          try {
            f.get().close();
          } catch (ExecutionException failedToStart) {
            // reported above, or the test failed before it looked
          }
        }
      }
    }
    assertFalse(Files.exists(c.dataDirs.get(0)), "the failed first start left " + contents(c.dataDirs.get(0)));
  }
}
