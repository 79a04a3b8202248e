package io.raftd.config;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The keys raftd.toml may hold, table by table, as {@link ConfigReader} reads them (its lists, not copies): for
 * what documents the file, so that a check can tell when a key goes undocumented. raftd.toml(5) is checked
 * against this. A new table in ConfigReader belongs here too.
 */
public final class ConfigKeys {
  private ConfigKeys() {}

  /**
   * Each table's dotted name to its keys, in the order of the commented example (src/dist/raftd.toml): "" is the
   * top level (which names the tables too), "cluster.members" each entry of that array. {@code log.levels} is not
   * here: its keys are logger names, not raftd's.
   */
  public static Map<String, List<String>> byTable() {
    Map<String, List<String>> tables = new LinkedHashMap<>();
    tables.put("", ConfigReader.TOP_LEVEL_KEYS);
    tables.put("cluster", ConfigReader.CLUSTER_KEYS);
    tables.put("cluster.members", ConfigReader.MEMBER_KEYS);
    tables.put("peer_tls", ConfigReader.TLS_KEYS);
    tables.put("raft", ConfigReader.RAFT_KEYS);
    tables.put("transport", ConfigReader.TRANSPORT_KEYS);
    tables.put("peer_port", ConfigReader.PEER_PORT_KEYS);
    tables.put("admin_port", ConfigReader.ADMIN_PORT_KEYS);
    tables.put("admin_tls", ConfigReader.ADMIN_TLS_KEYS);
    tables.put("admin_auth", ConfigReader.ADMIN_AUTH_KEYS);
    tables.put("audit", ConfigReader.AUDIT_KEYS);
    tables.put("snapshot", ConfigReader.SNAPSHOT_KEYS);
    tables.put("wal", ConfigReader.WAL_KEYS);
    tables.put("disk", ConfigReader.DISK_KEYS);
    tables.put("kv", ConfigReader.KV_KEYS);
    tables.put("membership", ConfigReader.MEMBERSHIP_KEYS);
    tables.put("divergence", ConfigReader.DIVERGENCE_KEYS);
    tables.put("log", ConfigReader.LOG_KEYS);
    return Collections.unmodifiableMap(tables);
  }
}
