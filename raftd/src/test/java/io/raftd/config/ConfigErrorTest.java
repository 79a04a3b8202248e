package io.raftd.config;

import static io.raftd.config.ConfigLoaderTest.MINIMAL;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/**
 * Every class of mistake is one line, {@code raftd.toml[:<line>]: <key> ...}, naming the exact key and what
 * was expected. MINIMAL is two lines, so what a test appends starts on line 3.
 */
class ConfigErrorTest {
  /** A valid three-member [cluster] for this member, n1 at the default addresses: lines 3 to 9. */
  static final String CLUSTER = """
      [cluster]
      token = "t"
      members = [
        { name = "n1", peer = "127.0.0.1:7100", admin = "127.0.0.1:7200" },
        { name = "n2", peer = "127.0.0.1:7101", admin = "127.0.0.1:7201" },
        { name = "n3", peer = "127.0.0.1:7102", admin = "127.0.0.1:7202" },
      ]
      """;

  // ---- Syntax -------------------------------------------------------------------------------------------

  @Test
  void aSyntaxErrorIsToml4jsMessageAtItsLine() {
    assertEquals("raftd.toml:4: not valid TOML: Key is not followed by an equals sign on line 4: heartbeat_ms 100",
        message(MINIMAL + "[raft]\nheartbeat_ms 100\n"));
    assertEquals("raftd.toml:3: not valid TOML: Invalid key on line 3: raft.heartbeat_ms",
        message(MINIMAL + "raft.heartbeat_ms = 100\n"));
    assertTrue(message(MINIMAL + "name = \"n2\"\n").startsWith("raftd.toml:3: not valid TOML: Duplicate key"));
  }

  @Test
  void aKeyWithNoValueIsNotSilentlyDefaulted() {
    assertError(MINIMAL + "[raft]\nheartbeat_ms =   # to do\nmax_inflight = 5\n",
        4, "raft.heartbeat_ms", "has no value: not valid TOML");
  }

  @Test
  void anIntegerBeyond64BitsIsASyntaxError() {
    assertTrue(message(MINIMAL + "[raft]\nmax_inflight = 99999999999999999999\n")
        .startsWith("raftd.toml: not valid TOML: an integer does not fit in 64 bits"));
  }

  // ---- Unknown keys -------------------------------------------------------------------------------------

  @Test
  void anUnknownKeyListsTheKnownOnesOfItsTable() {
    assertError(MINIMAL + "peer_adress = \"127.0.0.1:7100\"\n", 3, "peer_adress",
        "is not a known key: expected one of name, data_dir, peer_address, admin_address, metrics_address, "
            + "state_machine, cluster, peer_tls, raft, transport, peer_port, admin_port, admin_tls, admin_auth, audit, insecure,"
            + " snapshot, wal, disk, kv, divergence, membership, log at the"
            + " top level");
    assertError(MINIMAL + "[raft]\nheartbeat_ms = 100\nheartbeat = 100\n", 5, "raft.heartbeat",
        "is not a known key: expected one of heartbeat_ms, election_timeout_ms, max_entry_bytes, "
            + "max_append_bytes, max_inflight in [raft]");
    assertError(MINIMAL + "[raft.extra]\nx = 1\n", 3, "raft.extra", "is not a known key");
    assertError(MINIMAL + "[wall]\nfsync = \"never\"\n", 3, "wall", "is not a known key");
  }

  @Test
  void anUnknownKeyInAMemberNamesTheMember() {
    assertError(MINIMAL + CLUSTER.replace("admin = \"127.0.0.1:7202\"", "admin = \"127.0.0.1:7202\", zone = 1"),
        8, "cluster.members[2].zone", "is not a known key: expected one of name, peer, admin in cluster.members[2]");
  }

  // ---- Types --------------------------------------------------------------------------------------------

  @Test
  void aStringWhereANumberBelongs() {
    assertError(MINIMAL + "[raft]\nheartbeat_ms = \"100\"\n", 4, "raft.heartbeat_ms",
        "= \"100\" has the wrong type: expected an integer 10..10000");
    assertError(MINIMAL + "[raft]\nheartbeat_ms = 100.0\n", 4, "raft.heartbeat_ms",
        "= 100.0 has the wrong type: expected an integer");
    assertError(MINIMAL + "[transport]\nmax_frame_bytes = \"16M\"\n", 4, "transport.max_frame_bytes",
        "has the wrong type: expected an integer 131072..268435456 (128 KiB .. 256 MiB)");
  }

  @Test
  void aNumberWhereAStringBelongs() {
    assertError("name = 1\ndata_dir = \"/d\"\n", 1, "name", "= 1 has the wrong type: expected a string");
    assertError(MINIMAL + "[wal]\nfsync = true\n", 4, "wal.fsync", "= true has the wrong type: expected a string");
    assertError(MINIMAL + "peer_address = 7100\n", 3, "peer_address", "= 7100 has the wrong type: expected a string");
  }

  @Test
  void anArrayOfTheWrongLengthOrKind() {
    assertError(MINIMAL + "[raft]\nelection_timeout_ms = [1000]\n", 4, "raft.election_timeout_ms",
        "= [1000] has the wrong length: expected [min, max], two integers (milliseconds)");
    assertError(MINIMAL + "[raft]\nelection_timeout_ms = [1000, 2000, 3000]\n", 4, "raft.election_timeout_ms",
        "has the wrong length");
    assertError(MINIMAL + "[raft]\nelection_timeout_ms = 1000\n", 4, "raft.election_timeout_ms",
        "= 1000 has the wrong type: expected [min, max]");
    assertError(MINIMAL + "[raft]\nelection_timeout_ms = [\"1s\", \"2s\"]\n", 4, "raft.election_timeout_ms",
        "= [\"1s\", \"2s\"] has the wrong type");
  }

  @Test
  void aValueWhereATableBelongsAndTheReverse() {
    assertError(MINIMAL + "raft = 5\n", 3, "raft", "= 5 has the wrong type: expected a table [raft]");
    assertError(MINIMAL + "[cluster]\ntoken = \"t\"\nmembers = \"n1\"\n", 5, "cluster.members",
        "has the wrong type: expected [{ name = ..., peer = ..., admin = ... }, ...]");
    assertError(MINIMAL + "[cluster]\ntoken = \"t\"\nmembers = [\"n1\"]\n", 5, "cluster.members[0]",
        "= \"n1\" has the wrong type: expected a table");
    assertError(MINIMAL + "[cluster.token]\nx = 1\n", 3, "cluster.token", "= {...} has the wrong type");
  }

  // ---- Required and out of range ------------------------------------------------------------------------

  @Test
  void requiredKeys() {
    assertError("data_dir = \"/d\"\n", 0, "name", "is required: expected 1 to 63 lower-case letters");
    assertError("name = \"n1\"\n", 0, "data_dir", "is required: expected the path");
    assertError(MINIMAL + CLUSTER.replace(", admin = \"127.0.0.1:7201\"", ""), 7, "cluster.members[1].admin",
        "is required");
  }

  @Test
  void outOfRange() {
    assertError(MINIMAL + "[raft]\nheartbeat_ms = 0\n", 4, "raft.heartbeat_ms",
        "= 0 is out of range: expected 10..10000");
    assertError(MINIMAL + "[raft]\nmax_entry_bytes = 512\n", 4, "raft.max_entry_bytes",
        "= 512 is out of range: expected 1024..67108864 (1 KiB .. 64 MiB)");
    assertError(MINIMAL + "[raft]\nmax_append_bytes = 2048\n", 4, "raft.max_append_bytes",
        "is out of range: expected 4096..67108864 (4 KiB .. 64 MiB)");
    assertError(MINIMAL + "[raft]\nmax_inflight = 10001\n", 4, "raft.max_inflight",
        "is out of range: expected 1..10000");
    assertError(MINIMAL + "[transport]\nmax_frame_bytes = 268435457\n", 4, "transport.max_frame_bytes",
        "is out of range");
    assertError(MINIMAL + "[transport]\nframe_timeout_ms = 99\n", 4, "transport.frame_timeout_ms",
        "is out of range: expected 100..600000");
    assertError(MINIMAL + "[snapshot]\nentries = 0\n", 4, "snapshot.entries", "is out of range: expected at least 1");
    assertError(MINIMAL + "[snapshot]\nkeep_entries = -1\n", 4, "snapshot.keep_entries",
        "is out of range: expected at least 0");
    assertError(MINIMAL + "[snapshot]\nretain = 0\n", 4, "snapshot.retain", "is out of range");
    assertError(MINIMAL + "[wal]\nsegment_bytes = 1073742336\n", 4, "wal.segment_bytes",
        "is out of range: expected 1048576..1073741824 (1 MiB .. 1 GiB)");
    assertError(MINIMAL + "[wal]\nsegment_bytes = 1048577\n", 4, "wal.segment_bytes",
        "= 1048577 is not valid: expected a multiple of 512");
    assertError(MINIMAL + "[wal]\nfsync = \"sometimes\"\n", 4, "wal.fsync",
        "= \"sometimes\" is not valid: expected one of \"always\", \"never\"");
    assertError(MINIMAL + "[kv]\nquota_bytes = 1048575\n", 4, "kv.quota_bytes",
        "= 1048575 is too small: expected 0 (sized from the heap) or at least 1048576");
    assertError(MINIMAL + "[kv]\nquota_bytes = -1\n", 4, "kv.quota_bytes", "is out of range: expected at least 0");
  }

  @Test
  void electionTimeoutRange() {
    assertError(MINIMAL + "[raft]\nheartbeat_ms = 200\nelection_timeout_ms = [900, 2000]\n", 5,
        "raft.election_timeout_ms", "= [900, 2000] conflicts with raft.heartbeat_ms = 200: "
            + "expected min >= 5 * raft.heartbeat_ms = 1000");
    // Only the heartbeat is set, so it is the one blamed.
    assertError(MINIMAL + "[raft]\nheartbeat_ms = 300\n", 4, "raft.heartbeat_ms",
        "= 300 conflicts with raft.election_timeout_ms = [1000, 2000] (the default): expected min >= 5 * ");
    assertError(MINIMAL + "[raft]\nelection_timeout_ms = [1000, 1000]\n", 4, "raft.election_timeout_ms",
        "is out of range: expected max > min");
    assertError(MINIMAL + "[raft]\nelection_timeout_ms = [1000, 60001]\n", 4, "raft.election_timeout_ms",
        "is out of range: expected max <= 60000");
  }

  @Test
  void badNamesTokensAndPaths() {
    assertError("name = \"N1\"\ndata_dir = \"/d\"\n", 1, "name", "= \"N1\" is not a valid member name");
    assertError("name = \"-n1\"\ndata_dir = \"/d\"\n", 1, "name", "is not a valid member name");
    assertError("name = \"" + "n".repeat(64) + "\"\ndata_dir = \"/d\"\n", 1, "name", "is not a valid member name");
    assertError(MINIMAL + CLUSTER.replace("name = \"n2\"", "name = \"n_2\""), 7, "cluster.members[1].name",
        "= \"n_2\" is not a valid member name");
    assertError("name = \"n1\"\ndata_dir = \"\"\n", 2, "data_dir", "= \"\" is not a valid path");

    String tooLong = "x".repeat(129);
    String message = message(MINIMAL + CLUSTER.replace("token = \"t\"", "token = \"" + tooLong + "\""));
    assertTrue(message.startsWith("raftd.toml:4: cluster.token is not valid: expected 1..128 printable ASCII"),
        message);
    assertFalse(message.contains(tooLong), "the token must not be echoed: " + message);
    assertError(MINIMAL + CLUSTER.replace("token = \"t\"", "token = \"\""), 4, "cluster.token", "is not valid");
    assertError(MINIMAL + CLUSTER.replace("token = \"t\"", "token = \"a\\u0007b\""), 4, "cluster.token",
        "is not valid");

    String badPrevious = message(MINIMAL + CLUSTER.replace("token = \"t\"",
        "token = \"t\"\nprevious_tokens = [\"ok\", \"" + tooLong + "\"]"));
    assertTrue(badPrevious.contains("cluster.previous_tokens[1] is not valid: expected 1..128 printable ASCII"),
        badPrevious);
    assertFalse(badPrevious.contains(tooLong), "the token must not be echoed: " + badPrevious);
    assertError(MINIMAL + CLUSTER.replace("token = \"t\"", "token = \"t\"\nprevious_tokens = \"old\""), 5,
        "cluster.previous_tokens", "has the wrong type: expected an array of strings");
    assertError(MINIMAL + "[cluster]\nprevious_tokens = [\"old\"]\n", 4, "cluster.previous_tokens",
        "is given without cluster.token");
  }

  @Test
  void peerTlsNeedsAllThreeFiles() throws ConfigException {
    RaftdConfig c = ConfigLoader.parse(MINIMAL + "[peer_tls]\ncert_file = \"/t/n1.crt\"\nkey_file = \"/t/n1.key\"\n"
        + "ca_file = \"/t/ca.crt\"\n", "raftd.toml");
    assertEquals(Optional.of(new RaftdConfig.Tls(Path.of("/t/n1.crt"), Path.of("/t/n1.key"), Path.of("/t/ca.crt"))),
        c.peerTls());
    assertEquals(Optional.empty(), ConfigLoader.parse(MINIMAL, "raftd.toml").peerTls());

    assertError(MINIMAL + "[peer_tls]\ncert_file = \"/t/n1.crt\"\nkey_file = \"/t/n1.key\"\n", 3, "peer_tls.ca_file",
        "is required");
    assertError(MINIMAL + "[peer_tls]\ncertificate = \"/t/n1.crt\"\n", 4, "peer_tls.certificate", "is not a known key");
    assertError(MINIMAL + "[peer_tls]\ncert_file = \"\"\nkey_file = \"k\"\nca_file = \"c\"\n", 4,
        "peer_tls.cert_file", "is not a valid path");
  }

  // ---- Addresses ----------------------------------------------------------------------------------------

  @Test
  void badAddressForms() {
    assertError(MINIMAL + "peer_address = \"127.0.0.1\"\n", 3, "peer_address",
        "= \"127.0.0.1\" is not a valid address (no port): expected host:port");
    assertError(MINIMAL + "peer_address = \"127.0.0.1:0\"\n", 3, "peer_address",
        "is not a valid address (port 0 is out of range 1..65535)");
    assertError(MINIMAL + "admin_address = \"localhost:70000\"\n", 3, "admin_address",
        "is not a valid address (port 70000 is out of range 1..65535)");
    assertError(MINIMAL + "metrics_address = \"::1:7300\"\n", 3, "metrics_address",
        "(an IPv6 address must be in brackets, as in [::1]:7100)");
    assertError(MINIMAL + CLUSTER.replace("peer = \"127.0.0.1:7102\"", "peer = \"127.0.0.1:\""), 8,
        "cluster.members[2].peer", "= \"127.0.0.1:\" is not a valid address (no port)");
  }

  // ---- Relations ----------------------------------------------------------------------------------------

  @Test
  void anEntryMustFitInAFrame() {
    assertError(MINIMAL + "[raft]\nmax_entry_bytes = 16777216\n", 4, "raft.max_entry_bytes",
        "= 16777216 conflicts with transport.max_frame_bytes = 16777216 (the default): "
            + "expected raft.max_entry_bytes + 65536 <= transport.max_frame_bytes");
    // Only the frame size is set, so it is the one blamed.
    assertError(MINIMAL + "[transport]\nmax_frame_bytes = 1048576\n", 4, "transport.max_frame_bytes",
        "= 1048576 conflicts with raft.max_entry_bytes = 1048576 (the default): "
            + "expected raft.max_entry_bytes + 65536 <= transport.max_frame_bytes");
  }

  @Test
  void aBatchMustFitInAFrame() {
    assertError(MINIMAL + "[raft]\nmax_append_bytes = 16777216\n", 4, "raft.max_append_bytes",
        "conflicts with transport.max_frame_bytes = 16777216 (the default): "
            + "expected raft.max_append_bytes + 65536 <= transport.max_frame_bytes");
  }

  @Test
  void anEntryMustFitInHalfASegment() {
    assertError(MINIMAL + "[raft]\nmax_entry_bytes = 4194304\n[transport]\nmax_frame_bytes = 8388608\n"
        + "[wal]\nsegment_bytes = 4194304\n", 4, "raft.max_entry_bytes",
        "= 4194304 conflicts with wal.segment_bytes = 4194304: expected raft.max_entry_bytes <= wal.segment_bytes / 2");
    assertError(MINIMAL + "[wal]\nsegment_bytes = 1048576\n", 4, "wal.segment_bytes",
        "conflicts with raft.max_entry_bytes = 1048576 (the default)");
  }

  @Test
  void onePortsLimitsFitTogetherAndHoldTheLargestFrame() {
    assertError(MINIMAL + "[admin_port]\nmax_connections = 100\n", 4, "admin_port.max_connections",
        "= 100 conflicts with admin_port.max_connections_per_address = 128 (the default): "
            + "expected admin_port.max_connections_per_address <= admin_port.max_connections");
    assertError(MINIMAL + "[peer_port]\nframe_buffer_bytes = 1048576\n", 4, "peer_port.frame_buffer_bytes",
        "= 1048576 conflicts with transport.max_frame_bytes = 16777216 (the default): "
            + "expected peer_port.frame_buffer_bytes >= transport.max_frame_bytes");
    assertError(MINIMAL + "[admin_port]\nidle_timeout_ms = 10\n", 4, "admin_port.idle_timeout_ms",
        "is out of range: expected 1000..86400000");
    assertError(MINIMAL + "[peer_port]\nidle_timeout_ms = 10000\n", 4, "peer_port.idle_timeout_ms",
        "is not a known key");
  }

  @Test
  void theThreeListenersNeedThreeAddresses() {
    assertError(MINIMAL + "admin_address = \"127.0.0.1:7100\"\n", 3, "admin_address",
        "= \"127.0.0.1:7100\" conflicts with peer_address = \"127.0.0.1:7100\" (the default): "
            + "expected peer_address, admin_address and metrics_address to differ");
    assertError(MINIMAL + "peer_address = \"127.0.0.1:7300\"\n", 3, "peer_address",
        "conflicts with metrics_address = \"127.0.0.1:7300\" (the default)");
    assertError(MINIMAL + "admin_address = \"LocalHost:7000\"\nmetrics_address = \"localhost:7000\"\n", 4,
        "metrics_address", "conflicts with admin_address = \"localhost:7000\": expected");
  }

  // ---- Members ------------------------------------------------------------------------------------------

  @Test
  void membersNeedAToken() {
    assertError(MINIMAL + CLUSTER.replace("token = \"t\"\n", ""), 3, "cluster.token",
        "is required when cluster.members is given");
  }

  @Test
  void memberNamesAndAddressesAreUnique() {
    assertError(MINIMAL + CLUSTER.replace("name = \"n3\"", "name = \"n2\""), 8, "cluster.members[2].name",
        "= \"n2\" is already used by cluster.members[1].name: expected unique member names");
    assertError(MINIMAL + CLUSTER.replace("127.0.0.1:7102", "127.0.0.1:7101"), 8, "cluster.members[2].peer",
        "= \"127.0.0.1:7101\" is already used by cluster.members[1].peer: expected every member address to be unique");
    assertError(MINIMAL + CLUSTER.replace("127.0.0.1:7202", "127.0.0.1:7200"), 8, "cluster.members[2].admin",
        "is already used by cluster.members[0].admin");
    assertError(MINIMAL + CLUSTER.replace("127.0.0.1:7202", "127.0.0.1:7101"), 8, "cluster.members[2].admin",
        "is already used by cluster.members[1].peer");
  }

  @Test
  void thisMemberMustBeAMemberWithItsOwnAddresses() {
    assertError("name = \"n4\"\ndata_dir = \"/d\"\n" + CLUSTER, 5, "cluster.members",
        "does not include this member: expected an entry with name = \"n4\"");
    assertError(MINIMAL + CLUSTER.replace("127.0.0.1:7100\"", "127.0.0.1:7109\""), 6, "cluster.members[0].peer",
        "= \"127.0.0.1:7109\" conflicts with peer_address = \"127.0.0.1:7100\" (the default): "
            + "expected this member's entry to use its own peer_address");
    assertError(MINIMAL + "admin_address = \"127.0.0.1:7209\"\n" + CLUSTER, 7, "cluster.members[0].admin",
        "conflicts with admin_address = \"127.0.0.1:7209\": expected this member's entry to use its own admin_address");
    assertError(MINIMAL + "[cluster]\ntoken = \"t\"\nmembers = []\n", 5, "cluster.members",
        "= [] is empty: expected this member and its peers, or leave cluster.members out");
  }

  @Test
  void linesAreFoundInArrayTablesToo() {
    assertError(MINIMAL + """
        [cluster]
        token = "t"
        [[cluster.members]]
        name = "n1"
        peer = "127.0.0.1:7100"
        admin = "127.0.0.1:7200"
        [[cluster.members]]
        name = "n2"
        peer = "127.0.0.1:7100"
        admin = "127.0.0.1:7201"
        """, 11, "cluster.members[1].peer", "is already used by cluster.members[0].peer");
  }

  // ---- Helpers ------------------------------------------------------------------------------------------

  /** Asserts {@code raftd.toml:<line>: <key> ...<fragment>...}; line 0 for none. */
  static void assertError(String text, int line, String key, String fragment) {
    String message = message(text);
    String start = "raftd.toml" + (line > 0 ? ":" + line : "") + ": " + key + " ";
    assertTrue(message.startsWith(start), "expected a message starting " + start + ", got: " + message);
    assertTrue(message.contains(fragment), "expected " + fragment + " in: " + message);
  }

  static String message(String text) {
    ConfigException e = assertThrows(ConfigException.class, () -> ConfigLoader.parse(text, "raftd.toml"));
    assertFalse(e.getMessage().contains("\n") || e.getMessage().contains("\r"), "not one line: " + e.getMessage());
    return e.getMessage();
  }
}
