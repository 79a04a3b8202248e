package io.raftd.config;

import io.raftd.config.RaftdConfig.Member;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The rules between two keys, checked once every value has been read. A broken rule is reported at the key
 * the file sets (of the two involved), since that is the one the operator changed.
 */
final class ConfigRelations {
  /** Room in a frame beyond the entries it carries, for the message and frame headers. */
  static final long FRAME_HEADROOM = 64 * 1024;
  /** Heartbeats that fit in the shortest election timeout. */
  static final int ELECTION_TIMEOUT_HEARTBEATS = 5;

  private final ConfigSource source;

  private ConfigRelations(ConfigSource source) {
    this.source = source;
  }

  static void check(RaftdConfig config, ConfigSource source) throws ConfigException {
    ConfigRelations relations = new ConfigRelations(source);
    relations.electionTimeout(config);
    relations.sizes(config);
    relations.portLimits(config.peerPort(), config);
    relations.portLimits(config.adminPort(), config);
    relations.addresses(config);
    relations.members(config);
  }

  /** Several heartbeats must fit in the shortest timeout, or followers start elections under a live leader. */
  private void electionTimeout(RaftdConfig c) throws ConfigException {
    long heartbeat = c.raft().heartbeat().toMillis();
    long min = c.raft().electionTimeoutMin().toMillis();
    require(min >= ELECTION_TIMEOUT_HEARTBEATS * heartbeat,
        "raft.election_timeout_ms", List.of(min, c.raft().electionTimeoutMax().toMillis()),
        "raft.heartbeat_ms", heartbeat,
        "min >= " + ELECTION_TIMEOUT_HEARTBEATS + " * raft.heartbeat_ms = " + ELECTION_TIMEOUT_HEARTBEATS * heartbeat
            + ", so that a follower hears several heartbeats before it may start an election");
  }

  private void sizes(RaftdConfig c) throws ConfigException {
    long frame = c.transport().maxFrameBytes();
    require(c.raft().maxEntryBytes() + FRAME_HEADROOM <= frame,
        "raft.max_entry_bytes", c.raft().maxEntryBytes(), "transport.max_frame_bytes", frame,
        "raft.max_entry_bytes + " + FRAME_HEADROOM + " <= transport.max_frame_bytes, "
            + "so that a frame holds the largest entry and its headers");
    require(c.raft().maxAppendBytes() + FRAME_HEADROOM <= frame,
        "raft.max_append_bytes", c.raft().maxAppendBytes(), "transport.max_frame_bytes", frame,
        "raft.max_append_bytes + " + FRAME_HEADROOM + " <= transport.max_frame_bytes, "
            + "so that a frame holds a full AppendEntries batch and its headers");
    require(c.raft().maxEntryBytes() <= c.wal().segmentBytes() / 2,
        "raft.max_entry_bytes", c.raft().maxEntryBytes(), "wal.segment_bytes", c.wal().segmentBytes(),
        "raft.max_entry_bytes <= wal.segment_bytes / 2, so that one entry never fills a WAL segment");
  }

  /**
   * One address may not have more than the whole port; and the frame buffer must hold at least one frame of
   * the largest size, or a legitimate large frame could never be received.
   */
  private void portLimits(io.raftd.transport.PortLimits port, RaftdConfig c) throws ConfigException {
    String at = port.name() + ".";
    require(port.maxConnectionsPerAddress() <= port.maxConnections(),
        at + "max_connections_per_address", port.maxConnectionsPerAddress(), at + "max_connections",
        port.maxConnections(), at + "max_connections_per_address <= " + at + "max_connections");
    require(port.frameBufferBytes() >= c.transport().maxFrameBytes(),
        at + "frame_buffer_bytes", port.frameBufferBytes(), "transport.max_frame_bytes", c.transport().maxFrameBytes(),
        at + "frame_buffer_bytes >= transport.max_frame_bytes, so that the largest frame can be received");
  }

  /** Each listener needs its own address, or the daemon fails to bind one of them at start. */
  private void addresses(RaftdConfig c) throws ConfigException {
    String expected = "peer_address, admin_address and metrics_address to differ";
    require(!c.adminAddress().equals(c.peerAddress()),
        "admin_address", c.adminAddress(), "peer_address", c.peerAddress(), expected);
    require(!c.metricsAddress().equals(c.peerAddress()),
        "metrics_address", c.metricsAddress(), "peer_address", c.peerAddress(), expected);
    require(!c.metricsAddress().equals(c.adminAddress()),
        "metrics_address", c.metricsAddress(), "admin_address", c.adminAddress(), expected);
  }

  private void members(RaftdConfig c) throws ConfigException {
    List<Member> members = c.cluster().members();
    if (!c.cluster().join().isEmpty()) {
      if (!members.isEmpty()) {
        throw source.error("cluster.join", "is given with cluster.members: expected one of them (members forms a new"
            + " cluster, join adds this member to a running one)");
      }
      if (c.cluster().token().isEmpty()) {
        throw source.error("cluster.token", "is required when cluster.join is given: expected the running cluster's"
            + " token, which this member proves it holds to be added");
      }
    }
    if (members.isEmpty()) {
      return; // a one-node cluster, or one joining: nothing to agree with
    }
    if (c.cluster().token().isEmpty()) {
      throw source.error("cluster.token", "is required when cluster.members is given: expected 1..128 "
          + "printable ASCII characters, the same on every member");
    }
    Map<String, String> names = new HashMap<>();
    Map<HostPort, String> addresses = new HashMap<>(); // peer and admin alike: no two listeners may share one
    int self = -1;
    for (int i = 0; i < members.size(); i++) {
      Member m = members.get(i);
      String at = "cluster.members[" + i + "].";
      unique(names, m.name(), at + "name", "unique member names");
      unique(addresses, m.peer(), at + "peer", "every member address to be unique");
      unique(addresses, m.admin(), at + "admin", "every member address to be unique");
      if (m.name().equals(c.name())) {
        self = i;
      }
    }
    if (self < 0) {
      throw source.error("cluster.members", "does not include this member: expected an entry with name = \""
          + c.name() + "\", as this file's name");
    }
    // Peers reach this member at the addresses in the list: they must be the ones it listens on.
    Member me = members.get(self);
    String at = "cluster.members[" + self + "].";
    require(me.peer().equals(c.peerAddress()), at + "peer", me.peer(), "peer_address", c.peerAddress(),
        "this member's entry to use its own peer_address");
    require(me.admin().equals(c.adminAddress()), at + "admin", me.admin(), "admin_address", c.adminAddress(),
        "this member's entry to use its own admin_address");
  }

  private <T> void unique(Map<T, String> seen, T value, String key, String expected) throws ConfigException {
    String first = seen.putIfAbsent(value, key);
    if (first != null) {
      throw source.error(key, value, "is already used by " + first + ": expected " + expected);
    }
  }

  /** Fails unless the rule, which involves two keys, holds. */
  private void require(boolean holds, String key, Object value, String otherKey, Object otherValue, String rule)
      throws ConfigException {
    if (holds) {
      return;
    }
    // Blame the key the file sets (the first if it sets both): that is the one the operator changed.
    throw !source.assigns(key) && source.assigns(otherKey)
        ? conflict(otherKey, otherValue, key, value, rule)
        : conflict(key, value, otherKey, otherValue, rule);
  }

  /** {@code <key> = <value> conflicts with <other> = <value>: expected <rule>}. */
  private ConfigException conflict(String key, Object value, String otherKey, Object otherValue, String rule) {
    return source.error(key, value, "conflicts with " + otherKey + " = " + ConfigSource.render(otherValue)
        + (source.assigns(otherKey) ? "" : " (the default)") + ": expected " + rule);
  }
}
