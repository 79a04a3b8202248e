package io.raftd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.moandjiezana.toml.Toml;
import io.raftd.config.RaftdConfig.Member;
import io.raftd.storage.WriteAheadLog.FsyncPolicy;
import io.raftd.transport.PortLimits;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files that load: every value read and typed, every default filled in, the shipped example in step. */
class ConfigLoaderTest {
  static final String MINIMAL = """
      name = "n1"
      data_dir = "/var/lib/raftd"
      """;

  static final String FULL = """
      name = "n2"
      data_dir = "/srv/raftd/n2"
      peer_address = "10.0.0.2:7101"
      admin_address = "[::1]:7201"
      metrics_address = "Node-2.example.com:9300"

      [cluster]
      token = "prod-eu-1"
      members = [
        { name = "n1", peer = "10.0.0.1:7101", admin = "10.0.0.1:7201" },
        { name = "n2", peer = "10.0.0.2:7101", admin = "[::1]:7201" },
        { name = "n3", peer = "n3.example.com:7101", admin = "n3.example.com:7201" },
      ]

      [raft]
      heartbeat_ms = 50
      election_timeout_ms = [500, 1500]
      max_entry_bytes = 2097152
      max_append_bytes = 4194304
      max_inflight = 64

      [transport]
      max_frame_bytes = 8388608
      frame_timeout_ms = 2500

      [peer_port]
      max_connections = 64
      max_connections_per_address = 8
      frame_buffer_bytes = 33554432

      [admin_port]
      max_connections = 2000
      max_connections_per_address = 1000
      frame_buffer_bytes = 8388608
      idle_timeout_ms = 60000

      [snapshot]
      entries = 20000
      keep_entries = 0
      retain = 3

      [wal]
      segment_bytes = 33554432
      fsync = "never"
      """;

  static final Path EXAMPLE = Path.of("src/dist/raftd.toml");

  @TempDir Path dir;

  @Test
  void aFullFileGivesEveryValueTyped() throws ConfigException {
    RaftdConfig c = ConfigLoader.parse(FULL, "full.toml");

    assertEquals("n2", c.name());
    assertEquals(Path.of("/srv/raftd/n2"), c.dataDir());
    assertEquals(new HostPort("10.0.0.2", 7101), c.peerAddress());
    assertEquals(new HostPort("::1", 7201), c.adminAddress());
    assertEquals(new HostPort("node-2.example.com", 9300), c.metricsAddress());
    assertEquals(Optional.of("prod-eu-1"), c.cluster().token());
    assertEquals(List.of(
        new Member("n1", HostPort.parse("10.0.0.1:7101"), HostPort.parse("10.0.0.1:7201")),
        new Member("n2", HostPort.parse("10.0.0.2:7101"), HostPort.parse("[::1]:7201")),
        new Member("n3", HostPort.parse("n3.example.com:7101"), HostPort.parse("n3.example.com:7201"))),
        c.cluster().members());
    assertEquals(new RaftdConfig.Raft(Duration.ofMillis(50), Duration.ofMillis(500), Duration.ofMillis(1500),
        2 << 20, 4 << 20, 64), c.raft());
    assertEquals(new RaftdConfig.Transport(8 << 20, Duration.ofMillis(2500)), c.transport());
    assertEquals(new PortLimits("peer_port", 64, 8, 32 << 20, Duration.ZERO), c.peerPort());
    assertEquals(new PortLimits("admin_port", 2000, 1000, 8 << 20, Duration.ofMinutes(1)), c.adminPort());
    assertEquals(new RaftdConfig.Snapshot(20_000, 64 << 20, 0, 3, 100), c.snapshot());
    assertEquals(new RaftdConfig.Wal(32 << 20, FsyncPolicy.NEVER), c.wal());
    assertEquals("full.toml", c.source());
  }

  @Test
  void aMinimalFileGivesEveryDefault() throws ConfigException {
    RaftdConfig c = ConfigLoader.parse(MINIMAL, "minimal.toml");

    assertEquals("n1", c.name());
    assertEquals(Path.of("/var/lib/raftd"), c.dataDir());
    assertEquals(new HostPort("127.0.0.1", 7100), c.peerAddress());
    assertEquals(new HostPort("127.0.0.1", 7200), c.adminAddress());
    assertEquals(new HostPort("127.0.0.1", 7300), c.metricsAddress());
    assertEquals("kv", c.stateMachine());
    assertEquals(new RaftdConfig.Cluster(Optional.empty(), List.of(), List.of(), List.of()), c.cluster());
    assertEquals(new RaftdConfig.Raft(Duration.ofMillis(100), Duration.ofMillis(1000), Duration.ofMillis(2000),
        1 << 20, 1 << 20, 256), c.raft());
    assertEquals(new RaftdConfig.Transport(16 << 20, Duration.ofSeconds(10)), c.transport());
    assertEquals(new PortLimits("peer_port", 128, 32, 64 << 20, Duration.ZERO), c.peerPort());
    assertEquals(new PortLimits("admin_port", 512, 128, 64 << 20, Duration.ofMinutes(5)), c.adminPort());
    assertEquals(new RaftdConfig.Snapshot(10_000, 64 << 20, 5_000, 2, 100), c.snapshot());
    assertEquals(new RaftdConfig.Wal(64 << 20, FsyncPolicy.ALWAYS), c.wal());
    assertEquals(new RaftdConfig.Kv(0), c.kv());
  }

  @Test
  void theExampleParsesAndShowsEveryDefault() throws IOException, ConfigException {
    RaftdConfig example = ConfigLoader.parse(Files.readString(EXAMPLE), EXAMPLE.toString());
    RaftdConfig defaults = ConfigLoader.parse(MINIMAL, "minimal.toml");

    assertEquals(defaults.peerAddress(), example.peerAddress());
    assertEquals(defaults.adminAddress(), example.adminAddress());
    assertEquals(defaults.metricsAddress(), example.metricsAddress());
    assertEquals(defaults.raft(), example.raft());
    assertEquals(defaults.transport(), example.transport());
    assertEquals(defaults.peerPort(), example.peerPort());
    assertEquals(defaults.adminPort(), example.adminPort());
    assertEquals(defaults.snapshot(), example.snapshot());
    assertEquals(defaults.wal(), example.wal());
    assertEquals(defaults.log(), example.log());
    assertEquals(RaftdConfig.Log.DEFAULT, defaults.log());
    // As the packages install it (/etc/raftd/raftd.toml): a one-node cluster, no token, no members.
    assertEquals(new RaftdConfig.Cluster(Optional.empty(), List.of(), List.of(), List.of()), example.cluster());
  }

  @Test
  void theExampleDocumentsEveryKey() throws IOException {
    String text = Files.readString(EXAMPLE);
    Map<String, Object> example = new Toml().read(text).toMap();

    List<String> topLevel = new java.util.ArrayList<>(ConfigReader.TOP_LEVEL_KEYS);
    topLevel.remove("peer_tls");  // optional, and shown commented out: it needs files the example cannot ship
    topLevel.remove("admin_auth");  // the same: it needs a tokens file
    topLevel.remove("admin_tls");  // the same: it needs a certificate
    assertTrue(text.contains("\n# [admin_tls]\n"), EXAMPLE + " does not show [admin_tls]");
    for (String key : ConfigReader.ADMIN_TLS_KEYS) {
      assertTrue(text.contains("\n# " + key + " = "), EXAMPLE + " does not show " + key + " in [admin_tls]");
    }
    assertTrue(text.contains("\n# file = "), EXAMPLE + " does not show audit.file");
    assertHasKeys(table(example, "audit"), ConfigReader.AUDIT_KEYS.stream().filter(k -> !k.equals("file")).toList(),
        "[audit]");
    assertTrue(text.contains("\n# [admin_auth]\n"), EXAMPLE + " does not show [admin_auth]");
    for (String key : ConfigReader.ADMIN_AUTH_KEYS) {
      assertTrue(text.contains("\n# " + key + " = "), EXAMPLE + " does not show " + key + " in [admin_auth]");
    }
    assertHasKeys(example, topLevel, "the top level");
    assertTrue(text.contains("\n# [peer_tls]\n"), EXAMPLE + " does not show [peer_tls]");
    for (String key : ConfigReader.TLS_KEYS) {
      assertTrue(text.contains("\n# " + key + " = "), EXAMPLE + " does not show " + key + " in [peer_tls]");
    }
    // A one-node cluster: token, members and join are shown commented out; uncommented, they parse.
    List<String> clusterKeys = new java.util.ArrayList<>(ConfigReader.CLUSTER_KEYS);
    clusterKeys.removeAll(List.of("token", "members", "join"));
    assertHasKeys(table(example, "cluster"), clusterKeys, "[cluster]");
    assertTrue(text.contains("\n# token = "), EXAMPLE + " does not show cluster.token");
    assertTrue(text.contains("\n# join = ["), EXAMPLE + " does not show cluster.join");
    assertHasKeys(table(example, "membership"), ConfigReader.MEMBERSHIP_KEYS, "[membership]");
    int start = text.indexOf("\n# members = [");
    assertTrue(start >= 0, EXAMPLE + " does not show cluster.members");
    String members = text.substring(start + 1, text.indexOf("\n# ]\n", start) + 4).replaceAll("(?m)^# ?", "");
    List<?> entries = (List<?>) new Toml().read(members).toMap().get("members");
    assertEquals(3, entries.size(), members);
    assertHasKeys((Map<?, ?>) entries.get(0), ConfigReader.MEMBER_KEYS, "cluster.members[0]");
    assertHasKeys(table(example, "raft"), ConfigReader.RAFT_KEYS, "[raft]");
    assertHasKeys(table(example, "transport"), ConfigReader.TRANSPORT_KEYS, "[transport]");
    assertHasKeys(table(example, "peer_port"), ConfigReader.PEER_PORT_KEYS, "[peer_port]");
    assertHasKeys(table(example, "admin_port"), ConfigReader.ADMIN_PORT_KEYS, "[admin_port]");
    assertHasKeys(table(example, "snapshot"), ConfigReader.SNAPSHOT_KEYS, "[snapshot]");
    assertHasKeys(table(example, "wal"), ConfigReader.WAL_KEYS, "[wal]");
    assertHasKeys(table(example, "kv"), ConfigReader.KV_KEYS, "[kv]");
    assertHasKeys(table(example, "log"), ConfigReader.LOG_KEYS, "[log]");
  }

  @Test
  void adminAuthIsOptionalAndItsLimitsHaveDefaults() throws ConfigException {
    assertEquals(Optional.empty(), ConfigLoader.parse(MINIMAL, "raftd.toml").adminAuth());
    RaftdConfig c = ConfigLoader.parse(MINIMAL + "[admin_auth]\ntokens_file = \"/etc/raftd/admin-tokens.toml\"\n",
        "raftd.toml");
    assertEquals(Optional.of(new RaftdConfig.AdminAuth(Path.of("/etc/raftd/admin-tokens.toml"), 10,
        Duration.ofSeconds(60))), c.adminAuth());
    ConfigException noFile = assertThrows(ConfigException.class,
        () -> ConfigLoader.parse(MINIMAL + "[admin_auth]\nmax_failures = 5\n", "raftd.toml"));
    assertEquals("raftd.toml:3: admin_auth.tokens_file is required: expected the path of the admin port's tokens file,"
        + " such as \"/etc/raftd/admin-tokens.toml\"", noFile.getMessage());
  }

  @Test
  void logLevelsByLoggerAndTheJsonFormat() throws ConfigException {
    RaftdConfig c = ConfigLoader.parse(MINIMAL + """
        [log]
        level = "warn"
        levels = { "io.raftd.transport" = "debug", "io.raftd.raft.Raft" = "off" }
        format = "json"
        """, "log.toml");
    assertEquals(new RaftdConfig.Log("warn", Map.of("io.raftd.transport", "debug", "io.raftd.raft.Raft", "off"), "json"),
        c.log());
  }

  @Test
  void aBadLogLevelNamesItsKey() {
    ConfigException e = assertThrows(ConfigException.class,
        () -> ConfigLoader.parse(MINIMAL + "[log]\nlevels = { \"io.raftd.transport\" = \"loud\" }\n", "log.toml"));
    assertTrue(e.getMessage().contains("log.levels.\"io.raftd.transport\" = \"loud\" is not valid"), e.getMessage());
    assertTrue(e.getMessage().contains("\"debug\""), e.getMessage());
  }

  @Test
  void membersMayAlsoBeArrayTables() throws ConfigException {
    RaftdConfig c = ConfigLoader.parse(MINIMAL + """
        [cluster]
        token = "t"

        [[cluster.members]]
        name = "n1"
        peer = "127.0.0.1:7100"
        admin = "127.0.0.1:7200"

        [[cluster.members]]
        name = "n2"
        peer = "127.0.0.1:7101"
        admin = "127.0.0.1:7201"
        """, "raftd.toml");

    assertEquals(List.of("n1", "n2"), c.cluster().members().stream().map(Member::name).toList());
  }

  @Test
  void aOneNodeClusterMayKeepAToken() throws ConfigException {
    RaftdConfig c = ConfigLoader.parse(MINIMAL + "[cluster]\ntoken = \"solo\"\n", "raftd.toml");

    assertEquals(Optional.of("solo"), c.cluster().token());
    assertEquals(List.of(), c.cluster().members());
  }

  @Test
  void loadNamesTheFileItRead() throws IOException, ConfigException {
    Path file = Files.writeString(dir.resolve("raftd.toml"), MINIMAL);

    assertEquals(file.toString(), ConfigLoader.load(file).source());

    Files.writeString(file, MINIMAL + "[raft]\nheartbeat_ms = 0\n");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(file));
    assertEquals(file + ":4: raft.heartbeat_ms = 0 is out of range: expected 10..10000", e.getMessage());
  }

  @Test
  void aMissingOrUndecodableFileIsOneLine() throws IOException {
    Path missing = dir.resolve("absent.toml");
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.load(missing));
    assertEquals(missing + ": does not exist: expected raftd's configuration file", e.getMessage());

    Path latin1 = Files.write(dir.resolve("latin1.toml"), new byte[] {'n', 'a', 'm', 'e', '=', '"', (byte) 0xE9, '"'});
    e = assertThrows(ConfigException.class, () -> ConfigLoader.load(latin1));
    assertEquals(latin1 + ": cannot be read: expected UTF-8 text", e.getMessage());
  }

  private static Map<?, ?> table(Map<?, ?> map, String key) {
    return (Map<?, ?>) map.get(key);
  }

  private static void assertHasKeys(Map<?, ?> table, List<String> keys, String where) {
    for (String key : keys) {
      assertTrue(table.containsKey(key), EXAMPLE + " does not show " + key + " in " + where);
    }
  }
}
