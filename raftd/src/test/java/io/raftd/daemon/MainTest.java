package io.raftd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import picocli.CommandLine;

/** The raftd command line: exit codes, one line per configuration error, and a data_dir left as it was. */
class MainTest {
  @TempDir Path dir;

  /** What one run of the command line returned and printed. */
  record Run(int exit, String out, String err) {}

  /** Runs raftd's command line in this JVM (Main.main would exit it), capturing stdout and stderr. */
  static Run run(String... args) {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    try {
      System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
      System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
      int exit = new CommandLine(new Main()).execute(args);
      System.out.flush();
      System.err.flush();
      return new Run(exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
  }

  private String config(Path dataDir, String extra) {
    return """
        name = "n1"
        data_dir = "%s"
        peer_address = "127.0.0.1:7100"
        admin_address = "127.0.0.1:7200"
        metrics_address = "127.0.0.1:7300"
        %s
        [cluster]
        token = "t"
        members = [
          { name = "n1", peer = "127.0.0.1:7100", admin = "127.0.0.1:7200" },
          { name = "n2", peer = "127.0.0.1:7101", admin = "127.0.0.1:7201" },
          { name = "n3", peer = "127.0.0.1:7102", admin = "127.0.0.1:7202" },
        ]
        """.formatted(dataDir, extra);
  }

  private Path write(String name, String text) throws IOException {
    return Files.writeString(dir.resolve(name), text);
  }

  /** The data_dir's entries (recursively), or null if it does not exist. */
  private static List<String> listing(Path dataDir) throws IOException {
    if (!Files.exists(dataDir)) {
      return null;
    }
    try (Stream<Path> all = Files.walk(dataDir)) {
      return all.map(p -> dataDir.relativize(p) + (Files.isDirectory(p) ? "/" : " " + p.toFile().length())).sorted()
          .toList();
    }
  }

  @Test
  void aGoodFileChecksOkAndCreatesNothing() throws Exception {
    Path data = dir.resolve("data");
    Path file = write("good.toml", config(data, ""));
    Run r = run("--check-config", file.toString());
    assertEquals(0, r.exit(), r.err());
    assertEquals(file + ": ok" + System.lineSeparator(), r.out());
    assertEquals("", r.err());
    assertFalse(Files.exists(data), "--check-config created the data_dir");
  }

  @Test
  void checkConfigLoadsThePeerTlsFilesAndNamesTheOneThatDoesNotLoad() throws Exception {
    Path data = dir.resolve("data");
    Path missing = dir.resolve("absent.crt");
    Path file = write("tls.toml", config(data, "") + "[peer_tls]\ncert_file = \"%s\"\nkey_file = \"%s\"\nca_file = \"%s\"\n"
        .formatted(missing, dir.resolve("absent.key"), dir.resolve("absent-ca.crt")));
    Run r = run("--check-config", file.toString());
    assertEquals(2, r.exit(), r.err());
    assertEquals("", r.out());
    assertEquals("raftd: peer_tls: cannot read " + missing + ": no such file or directory", r.err().strip());
    assertEquals(1, r.err().split("\\R").length, "not one line: " + r.err());
  }

  @Test
  void aPortOpenToTheNetworkChecksOkWithInsecure() throws Exception {
    Path file = write("open.toml", config(dir.resolve("data"), "insecure = true").replace("127.0.0.1:7200", "0.0.0.0:7200"));
    Run r = run("--check-config", file.toString());
    assertEquals(0, r.exit(), r.err());
  }

  static Stream<Arguments> badConfigs() {
    return Stream.of(
        Arguments.of("unknown key", "peer_adress = \"127.0.0.1:7100\"\n", "", "peer_adress"),
        Arguments.of("wrong type", "[raft]\nheartbeat_ms = \"100\"\n", "", "raft.heartbeat_ms"),
        Arguments.of("out of range", "[raft]\nmax_inflight = 0\n", "", "raft.max_inflight"),
        Arguments.of("impossible relation", "[raft]\nheartbeat_ms = 500\nelection_timeout_ms = [1000, 2000]\n", "",
            "raft.election_timeout_ms"),
        Arguments.of("duplicate member name", "", "n3\", peer = \"127.0.0.1:7102\"|n2\", peer = \"127.0.0.1:7102\"",
            "cluster.members[2].name"),
        Arguments.of("foreign data_dir", "", "foreign", "data_dir"),
        Arguments.of("admin port open to the network", "", "127.0.0.1:7200|0.0.0.0:7200", "admin_address"),
        Arguments.of("peer port open to the network", "", "127.0.0.1:7100|0.0.0.0:7100", "peer_address"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("badConfigs")
  void aBadConfigIsExit2WithOneLineNamingTheKeyAndLeavesTheDataDirAlone(String what, String extra, String edit,
      String key) throws Exception {
    Path data = dir.resolve("data");
    String text = config(data, extra);
    if (edit.equals("foreign")) {
      Files.createDirectories(data.resolve("photos"));
      Files.writeString(data.resolve("notes.txt"), "not raftd's");
    } else if (!edit.isEmpty()) {
      String[] replace = edit.split("\\|");
      assertTrue(text.contains(replace[0]));
      text = text.replace(replace[0], replace[1]);
    }
    Path file = write("bad.toml", text);
    List<String> before = listing(data);
    for (String option : new String[] {"--check-config", "--config"}) {
      Run r = run(option, file.toString());
      assertEquals(2, r.exit(), option + ": " + r.err());
      assertEquals("", r.out(), option);
      String[] lines = r.err().split("\\R", -1);
      assertEquals(2, lines.length, option + ": not one line on stderr: " + r.err());
      assertEquals("", lines[1]);
      assertTrue(lines[0].startsWith("raftd: " + file), lines[0]);
      assertTrue(lines[0].contains(key), option + ": the message does not name " + key + ": " + lines[0]);
      assertEquals(before, listing(data), option + ": the data_dir changed");
    }
  }

  @Test
  void helpListsTheExitCodes() {
    Run r = run("--help");
    assertEquals(0, r.exit());
    assertTrue(r.out().contains("Exit codes:"), r.out());
    for (String code : new String[] {"0", "1", "2", "70"}) {
      assertTrue(r.out().lines().anyMatch(l -> l.strip().startsWith(code + " ")), "exit code " + code + " missing:\n" + r.out());
    }
    assertTrue(r.out().contains("--check-config"), r.out());
  }

  @Test
  void versionPrintsOne() {
    Run r = run("--version");
    assertEquals(0, r.exit());
    assertTrue(r.out().strip().matches("raftd \\S+"), r.out());
  }

  @Test
  void noConfigIsAUsageError() {
    Run r = run();
    assertEquals(2, r.exit());
    assertEquals(1, r.err().lines().count(), r.err());
    assertTrue(r.err().contains("--config"), r.err());
  }
}
