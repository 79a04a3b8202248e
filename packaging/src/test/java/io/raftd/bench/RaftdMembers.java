package io.raftd.bench;

import io.raftd.it.ProcessCluster;
import io.raftd.proto.NodeStatus;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Three raftd members as real processes from lib/ ({@link ProcessCluster}), configured as the cluster benchmark
 * runs them: fsync "always", 64 MiB WAL segments, the given JVM options and extra config.
 */
final class RaftdMembers implements BenchCluster {
  private final ProcessCluster cluster;
  private final int leader;

  RaftdMembers(List<String> jvmOptions, String extraToml) throws IOException, InterruptedException {
    cluster = new ProcessCluster("raftd", 3, extraToml, "segment_bytes = 67108864\nfsync = \"always\"", jvmOptions);
    try {
      cluster.startAll();
      leader = cluster.awaitLeader(Duration.ofSeconds(60));
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      cluster.close();
      throw e;
    }
  }

  @Override
  public List<Long> pids() {
    return List.of(cluster.pid(0), cluster.pid(1), cluster.pid(2));
  }

  @Override
  public List<String> clientEndpoints() {
    List<String> endpoints = new ArrayList<>(cluster.adminAddresses);
    endpoints.add(0, endpoints.remove(leader));
    return endpoints;
  }

  @Override
  public WalCounters leaderWal() throws InterruptedException {
    NodeStatus s = leaderStatus();
    return new WalCounters(s.getWalFsyncs(), s.getWalFsyncedEntries());
  }

  @Override
  public String leadership() throws InterruptedException {
    NodeStatus s = cluster.status(leader);
    return s == null ? "no answer from " + cluster.names.get(leader) : cluster.names.get(leader) + " " + s.getRole()
        + " in term " + s.getTerm();
  }

  /** The state the run built on the leader against its quota: whether the heap was large enough. */
  String stateSize() throws InterruptedException {
    NodeStatus s = leaderStatus();
    return String.format("state %,d bytes of a %,d-byte quota", s.getStateBytes(), s.getStateQuotaBytes());
  }

  private NodeStatus leaderStatus() throws InterruptedException {
    NodeStatus s = cluster.status(leader);
    if (s == null) {
      throw new IllegalStateException("the leader " + cluster.names.get(leader) + " does not answer a status request");
    }
    return s;
  }

  @Override
  public String describe() {
    return String.format("raftd members in %s, pids %s, leader %s", cluster.root, pids(), cluster.names.get(leader));
  }

  @Override
  public String tails() {
    return cluster.tails(40);
  }

  /** Kills the members (SIGKILL, by pid) and deletes their data: every run starts a fresh cluster. */
  @Override
  public void close() {
    cluster.close();
    BenchFiles.deleteTree(cluster.root);
  }
}
