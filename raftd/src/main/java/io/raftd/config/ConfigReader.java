package io.raftd.config;

import io.raftd.config.RaftdConfig.Cluster;
import io.raftd.config.RaftdConfig.Disk;
import io.raftd.config.RaftdConfig.Log;
import io.raftd.config.RaftdConfig.Member;
import io.raftd.config.RaftdConfig.Raft;
import io.raftd.config.RaftdConfig.Snapshot;
import io.raftd.config.RaftdConfig.Transport;
import io.raftd.config.RaftdConfig.Wal;
import io.raftd.storage.WriteAheadLog.FsyncPolicy;
import io.raftd.transport.PortLimits;
import io.raftd.walformat.WalFormat;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.TreeMap;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Turns the parsed file into a {@link RaftdConfig}: each table's keys, each value's type and range, and the
 * defaults. Rules between two keys are {@link ConfigRelations}'s. Every key,
 * its default and its range are written once, here, where it is read; {@code src/dist/raftd.toml} documents
 * them and a test keeps the two in step.
 */
final class ConfigReader {
  static final List<String> TOP_LEVEL_KEYS = List.of("name", "data_dir", "peer_address", "admin_address",
      "metrics_address", "state_machine", "cluster", "peer_tls", "raft", "transport", "peer_port", "admin_port",
      "admin_tls", "admin_auth", "audit", "insecure", "snapshot", "wal", "disk", "kv", "divergence", "membership",
      "log");
  static final List<String> CLUSTER_KEYS = List.of("token", "previous_tokens", "members", "join");
  static final List<String> MEMBERSHIP_KEYS = List.of("catch_up_entries", "catch_up_ms");
  static final List<String> TLS_KEYS = List.of("cert_file", "key_file", "ca_file");
  static final List<String> MEMBER_KEYS = List.of("name", "peer", "admin");
  static final List<String> RAFT_KEYS = List.of("heartbeat_ms", "election_timeout_ms", "max_entry_bytes",
      "max_append_bytes", "max_inflight");
  static final List<String> TRANSPORT_KEYS = List.of("max_frame_bytes", "frame_timeout_ms");
  static final List<String> PEER_PORT_KEYS = List.of("max_connections", "max_connections_per_address",
      "frame_buffer_bytes");
  /** The admin port has the peer port's limits and an idle timeout: clients come and go, members stay. */
  static final List<String> ADMIN_PORT_KEYS = List.of("max_connections", "max_connections_per_address",
      "frame_buffer_bytes", "idle_timeout_ms");
  static final List<String> ADMIN_AUTH_KEYS = List.of("tokens_file", "max_failures", "lockout_ms");
  static final List<String> ADMIN_TLS_KEYS = List.of("cert_file", "key_file", "client_ca_file");
  static final List<String> AUDIT_KEYS = List.of("file", "writes");
  static final List<String> SNAPSHOT_KEYS = List.of("entries", "bytes", "keep_entries", "retain", "log_percent");
  static final List<String> WAL_KEYS = List.of("segment_bytes", "fsync");
  static final List<String> DISK_KEYS = List.of("min_free_bytes", "slow_fsync_ms");
  static final List<String> KV_KEYS = List.of("quota_bytes");
  static final List<String> DIVERGENCE_KEYS = List.of("check_interval_ms");
  static final List<String> LOG_KEYS = List.of("level", "levels", "format");
  static final List<String> LOG_LEVELS = List.of("off", "error", "warn", "info", "debug", "trace");
  /** A logger's name: a package or class, such as io.raftd.transport. */
  private static final Pattern LOGGER_NAME = Pattern.compile("[A-Za-z_$][A-Za-z0-9_$]*(\\.[A-Za-z_$][A-Za-z0-9_$]*)*");

  private static final long KIB = 1024;
  private static final long MIB = 1024 * KIB;
  private static final long GIB = 1024 * MIB;

  private static final String MEMBER_NAME_RULE = MemberName.RULE;
  private static final String MEMBERS_FORM = "[{ name = ..., peer = ..., admin = ... }, ...]";
  private static final int MAX_TOKEN_LENGTH = 128;
  private static final long MAX_ELECTION_TIMEOUT_MS = 60_000;

  private ConfigReader() {}

  static RaftdConfig read(TomlTable root, String source) throws ConfigException {
    root.rejectUnknownKeys(TOP_LEVEL_KEYS);
    return new RaftdConfig(
        memberName(root, "name").orElseThrow(() -> root.missing("name", MEMBER_NAME_RULE)),
        dataDir(root),
        root.address("peer_address").orElse(new HostPort("127.0.0.1", 7100)),
        root.address("admin_address").orElse(new HostPort("127.0.0.1", 7200)),
        root.address("metrics_address").orElse(new HostPort("127.0.0.1", 7300)),
        stateMachine(root),
        cluster(root.table("cluster")),
        tls(root, "peer_tls"),
        raft(root.table("raft")),
        transport(root.table("transport")),
        peerPort(root.table("peer_port")),
        adminPort(root.table("admin_port")),
        adminTls(root),
        adminAuth(root),
        audit(root.table("audit")),
        root.bool("insecure", false),
        snapshot(root.table("snapshot")),
        wal(root.table("wal")),
        disk(root.table("disk")),
        kv(root.table("kv")),
        divergence(root.table("divergence")),
        membership(root.table("membership")),
        log(root.table("log")),
        source);
  }

  private static Path dataDir(TomlTable root) throws ConfigException {
    String expected = "the path of this member's data directory, such as \"/var/lib/raftd\"";
    String text = root.string("data_dir").orElseThrow(() -> root.missing("data_dir", expected));
    // NUL is the one character a POSIX path cannot hold; Path.of would throw on it.
    if (text.isEmpty() || text.indexOf('\0') >= 0) {
      throw root.invalid("data_dir", "is not a valid path: expected " + expected);
    }
    return Path.of(text);
  }

  private static String stateMachine(TomlTable root) throws ConfigException {
    String name = root.string("state_machine").orElse("kv");
    if (!MemberName.valid(name)) {
      throw root.invalid("state_machine", "is not a valid state machine name: expected a provider's name such as \"kv\"");
    }
    return name;
  }

  private static Optional<String> memberName(TomlTable table, String key) throws ConfigException {
    Optional<String> name = table.string(key);
    if (name.isPresent() && !MemberName.valid(name.get())) {
      throw table.invalid(key, "is not a valid member name: expected " + MEMBER_NAME_RULE);
    }
    return name;
  }

  private static Cluster cluster(TomlTable cluster) throws ConfigException {
    cluster.rejectUnknownKeys(CLUSTER_KEYS);
    Optional<String> token = cluster.string("token");
    if (token.isPresent()) {
      checkToken(cluster, "token", token.get());
    }
    List<String> previous = cluster.strings("previous_tokens").orElse(List.of());
    for (int i = 0; i < previous.size(); i++) {
      checkToken(cluster, "previous_tokens[" + i + "]", previous.get(i));
    }
    if (!previous.isEmpty() && token.isEmpty()) {
      throw cluster.invalid("previous_tokens", "is given without cluster.token: a rotation needs the new token too");
    }
    List<Member> members = new ArrayList<>();
    Optional<List<TomlTable>> entries = cluster.tables("members", MEMBERS_FORM);
    if (entries.isPresent() && entries.get().isEmpty()) {
      throw cluster.invalid("members", "is empty: expected this member and its peers, "
          + "or leave cluster.members out for a one-node cluster");
    }
    for (TomlTable entry : entries.orElse(List.of())) {
      members.add(member(entry));
    }
    List<HostPort> join = new ArrayList<>();
    List<String> seeds = cluster.strings("join").orElse(List.of());
    for (int i = 0; i < seeds.size(); i++) {
      try {
        join.add(HostPort.parse(seeds.get(i)));
      } catch (IllegalArgumentException e) {
        throw cluster.invalid("join[" + i + "]", "is not a valid address (" + e.getMessage()
            + "): expected the admin address (host:port) of a member of the cluster to join");
      }
    }
    if (cluster.strings("join").isPresent() && join.isEmpty()) {
      throw cluster.invalid("join", "is empty: expected admin addresses of members of the cluster to join, "
          + "or leave cluster.join out");
    }
    return new Cluster(token, previous, members, join);
  }

  private static RaftdConfig.Membership membership(TomlTable membership) throws ConfigException {
    membership.rejectUnknownKeys(MEMBERSHIP_KEYS);
    return new RaftdConfig.Membership(membership.integer("catch_up_entries", 1000, 0, 1_000_000_000),
        Duration.ofMillis(membership.integer("catch_up_ms", 2000, 10, 600_000)));
  }

  private static void checkToken(TomlTable cluster, String key, String token) throws ConfigException {
    if (!validToken(token)) {
      // The token is a secret: say what is wrong with it, never echo it into a log.
      throw cluster.error(key, "is not valid: expected 1.." + MAX_TOKEN_LENGTH
          + " printable ASCII characters (the value, " + token.length() + " characters, is not shown)");
    }
  }

  private static boolean validToken(String token) {
    return !token.isEmpty() && token.length() <= MAX_TOKEN_LENGTH
        && token.chars().allMatch(c -> c >= 0x20 && c < 0x7f);
  }

  private static Member member(TomlTable entry) throws ConfigException {
    entry.rejectUnknownKeys(MEMBER_KEYS);
    return new Member(
        memberName(entry, "name").orElseThrow(() -> entry.missing("name", MEMBER_NAME_RULE)),
        entry.address("peer").orElseThrow(() -> entry.missing("peer", "its Raft address, host:port")),
        entry.address("admin").orElseThrow(() -> entry.missing("admin", "its admin address, host:port")));
  }

  /** An optional TLS table: absent, or all three files. Whether they load is checked at start. */
  private static Optional<RaftdConfig.Tls> tls(TomlTable root, String key) throws ConfigException {
    if (!root.has(key)) {
      return Optional.empty();
    }
    TomlTable tls = root.table(key);
    tls.rejectUnknownKeys(TLS_KEYS);
    return Optional.of(new RaftdConfig.Tls(path(tls, "cert_file", "this member's certificate (PEM)"),
        path(tls, "key_file", "this member's private key (PEM, PKCS#8)"),
        path(tls, "ca_file", "the CA bundle members' certificates are signed by (PEM)")));
  }

  private static Path path(TomlTable table, String key, String expected) throws ConfigException {
    String text = table.string(key).orElseThrow(() -> table.missing(key, "the path of " + expected));
    if (text.isEmpty() || text.indexOf('\0') >= 0) {
      throw table.invalid(key, "is not a valid path: expected the path of " + expected);
    }
    return Path.of(text);
  }

  private static Raft raft(TomlTable raft) throws ConfigException {
    raft.rejectUnknownKeys(RAFT_KEYS);
    long heartbeat = raft.integer("heartbeat_ms", 100, 10, 10_000);
    long[] election = raft.integerPair("election_timeout_ms", "[min, max], two integers (milliseconds)")
        .orElse(new long[] {1000, 2000});
    long min = election[0];
    long max = election[1];
    // Timeouts are drawn from [min, max]: a range of one value makes split votes repeat.
    if (max <= min) {
      throw raft.invalid("election_timeout_ms", "is out of range: expected max > min");
    }
    if (max > MAX_ELECTION_TIMEOUT_MS) {
      throw raft.invalid("election_timeout_ms", "is out of range: expected max <= " + MAX_ELECTION_TIMEOUT_MS);
    }
    return new Raft(
        Duration.ofMillis(heartbeat),
        Duration.ofMillis(min),
        Duration.ofMillis(max),
        raft.bytes("max_entry_bytes", MIB, KIB, 64 * MIB),
        raft.bytes("max_append_bytes", MIB, 4 * KIB, 64 * MIB),
        (int) raft.integer("max_inflight", 256, 1, 10_000));
  }

  private static Transport transport(TomlTable transport) throws ConfigException {
    transport.rejectUnknownKeys(TRANSPORT_KEYS);
    return new Transport(transport.bytes("max_frame_bytes", 16 * MIB, 128 * KIB, 256 * MIB),
        Duration.ofMillis(transport.integer("frame_timeout_ms", 10_000, 100, 600_000)));
  }

  /**
   * Peers are few (a member's peers dial one Raft connection each, plus snapshot streams and probes), so
   * the peer port's defaults are small; members on one host (a test cluster) share an address.
   */
  private static PortLimits peerPort(TomlTable port) throws ConfigException {
    port.rejectUnknownKeys(PEER_PORT_KEYS);
    return portLimits(port, "peer_port", 128, 32, Duration.ZERO);
  }

  /**
   * Clients may be many, behind one NAT address too; an idle client connection is closed after five
   * minutes (a client library session keeps alive every third of its session timeout, 20 s by default).
   */
  private static PortLimits adminPort(TomlTable port) throws ConfigException {
    port.rejectUnknownKeys(ADMIN_PORT_KEYS);
    Duration idle = Duration.ofMillis(port.integer("idle_timeout_ms", 300_000, 1_000, 86_400_000));
    return portLimits(port, "admin_port", 512, 128, idle);
  }

  /** An optional table: absent, the admin port answers whoever connects. Its tokens file is checked at start. */
  private static Optional<RaftdConfig.AdminAuth> adminAuth(TomlTable root) throws ConfigException {
    if (!root.has("admin_auth")) {
      return Optional.empty();
    }
    TomlTable auth = root.table("admin_auth");
    auth.rejectUnknownKeys(ADMIN_AUTH_KEYS);
    return Optional.of(new RaftdConfig.AdminAuth(
        path(auth, "tokens_file", "the admin port's tokens file, such as \"/etc/raftd/admin-tokens.toml\""),
        (int) auth.integer("max_failures", 10, 1, 1_000_000),
        Duration.ofMillis(auth.integer("lockout_ms", 60_000, 1_000, 86_400_000))));
  }

  /** An optional table: absent, the admin port speaks plaintext. Its files are loaded at start. */
  private static Optional<RaftdConfig.AdminTls> adminTls(TomlTable root) throws ConfigException {
    if (!root.has("admin_tls")) {
      return Optional.empty();
    }
    TomlTable tls = root.table("admin_tls");
    tls.rejectUnknownKeys(ADMIN_TLS_KEYS);
    Optional<Path> clientCa = tls.has("client_ca_file")
        ? Optional.of(path(tls, "client_ca_file", "the CA bundle clients' certificates are signed by (PEM)"))
        : Optional.empty();
    return Optional.of(new RaftdConfig.AdminTls(path(tls, "cert_file", "the admin port's certificate (PEM)"),
        path(tls, "key_file", "its private key (PEM, PKCS#8)"), clientCa));
  }

  private static RaftdConfig.Audit audit(TomlTable audit) throws ConfigException {
    audit.rejectUnknownKeys(AUDIT_KEYS);
    Optional<Path> file = audit.has("file")
        ? Optional.of(path(audit, "file", "the audit log, such as \"/var/log/raftd/audit.log\""))
        : Optional.empty();
    return new RaftdConfig.Audit(file, audit.bool("writes", false));
  }

  /** The keys both ports have; their ranges are the same, only the defaults differ. */
  private static PortLimits portLimits(TomlTable port, String name, int maxConnections, int perAddress,
      Duration idleTimeout) throws ConfigException {
    return new PortLimits(name,
        (int) port.integer("max_connections", maxConnections, 1, 1_000_000),
        (int) port.integer("max_connections_per_address", perAddress, 1, 1_000_000),
        port.bytes("frame_buffer_bytes", 64 * MIB, 64 * KIB, 64 * GIB),
        idleTimeout);
  }

  private static Snapshot snapshot(TomlTable snapshot) throws ConfigException {
    snapshot.rejectUnknownKeys(SNAPSHOT_KEYS);
    return new Snapshot(
        snapshot.atLeast("entries", 10_000, 1),
        snapshot.bytes("bytes", 64 * MIB, MIB, 1024 * GIB),
        snapshot.atLeast("keep_entries", 5_000, 0),
        (int) snapshot.integer("retain", 2, 1, Integer.MAX_VALUE),
        (int) snapshot.integer("log_percent", 100, 0, 10_000));
  }

  private static Wal wal(TomlTable wal) throws ConfigException {
    wal.rejectUnknownKeys(WAL_KEYS);
    long segmentBytes = wal.bytes("segment_bytes", 64 * MIB, MIB, GIB);
    // The WAL writes whole sectors; a segment that ends mid-sector would leave a frame that cannot fit.
    if (segmentBytes % WalFormat.SECTOR != 0) {
      throw wal.invalid("segment_bytes", "is not valid: expected a multiple of " + WalFormat.SECTOR);
    }
    String fsync = wal.choice("fsync", "always", List.of("always", "never"));
    return new Wal(segmentBytes, FsyncPolicy.valueOf(fsync.toUpperCase(Locale.ROOT)));
  }

  private static Disk disk(TomlTable disk) throws ConfigException {
    disk.rejectUnknownKeys(DISK_KEYS);
    long minFree = disk.atLeast("min_free_bytes", 256 * MIB, 0);
    return new Disk(minFree, Duration.ofMillis(disk.integer("slow_fsync_ms", 1_000, 1, 600_000)));
  }

  /** 0: the default, sized from the heap when the daemon starts (StateQuota); else at least 1 MiB. */
  private static RaftdConfig.Kv kv(TomlTable kv) throws ConfigException {
    kv.rejectUnknownKeys(KV_KEYS);
    long quota = kv.atLeast("quota_bytes", 0, 0);
    if (quota != 0 && quota < MIB) {
      throw kv.invalid("quota_bytes", "is too small: expected 0 (sized from the heap) or at least " + MIB);
    }
    return new RaftdConfig.Kv(quota);
  }

  /** 0 turns the check off; the least is 100 ms (a test's), though each check digests the whole state. */
  private static Duration divergence(TomlTable divergence) throws ConfigException {
    divergence.rejectUnknownKeys(DIVERGENCE_KEYS);
    long ms = divergence.integer("check_interval_ms", 600_000, 0, 86_400_000);
    if (ms != 0 && ms < 100) {
      throw divergence.invalid("check_interval_ms", "is too short: expected 0 (no check) or 100..86400000");
    }
    return Duration.ofMillis(ms);
  }

  private static Log log(TomlTable log) throws ConfigException {
    log.rejectUnknownKeys(LOG_KEYS);
    String level = log.choice("level", "info", LOG_LEVELS);
    TomlTable levels = log.table("levels");
    Map<String, String> byLogger = new TreeMap<>();
    for (String key : levels.keys()) {
      // toml4j keeps a quoted key's quotes, and a logger name has dots, so it must be quoted.
      String logger = key.length() > 1 && key.startsWith("\"") && key.endsWith("\"") ? key.substring(1, key.length() - 1)
          : key;
      if (!LOGGER_NAME.matcher(logger).matches()) {
        throw levels.invalid(key, "is not a logger name: expected a package or class, quoted, such as"
            + " \"io.raftd.transport\" = \"debug\"");
      }
      byLogger.put(logger, levels.choice(key, "info", LOG_LEVELS));
    }
    String format = log.choice("format", "text", List.of("text", "json"));
    return new Log(level, byLogger, format);
  }
}
