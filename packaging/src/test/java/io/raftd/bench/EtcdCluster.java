package io.raftd.bench;

import io.raftd.daemon.LocalCluster;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Three etcd members as processes on loopback, each as Debian's etcd-server package runs it but for its flags: its
 * own data dir under {@code root}, client and peer ports from 2300-2399 and 2400-2499 (below the ephemeral range and
 * apart from raftd's, which ProcessCluster takes from 20000 up), the defaults otherwise (among them a WAL fsync per
 * raft Ready, like raftd's fsync "always"). Stopped by pid: SIGTERM, then SIGKILL after a grace period, also from a
 * shutdown hook (Ctrl-C) and when the start fails.
 */
final class EtcdCluster implements BenchCluster {
  /** Every etcd process started in this JVM and not yet stopped: the shutdown hook stops them. */
  private static final Set<Process> LIVE = ConcurrentHashMap.newKeySet();
  private static final Duration GRACE = Duration.ofSeconds(5);
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  static {
    Runtime.getRuntime().addShutdownHook(new Thread(() -> LIVE.forEach(EtcdCluster::stop), "stop-etcd-members"));
  }

  private final Path root;
  private final List<String> names = new ArrayList<>();
  private final List<String> clientEndpoints = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();
  private final List<Process> processes = new ArrayList<>();
  private final int leader;

  /** Starts the members of a new cluster in {@code root} (a fresh directory) and waits until they are healthy and agree on a leader. */
  EtcdCluster(Path etcd, Path root) throws IOException, InterruptedException {
    this.root = root;
    Files.createDirectories(root);
    int[] clientPorts = LocalCluster.freePortsIn(2300, 2400, 3);
    int[] peerPorts = LocalCluster.freePortsIn(2400, 2500, 3);
    StringBuilder initialCluster = new StringBuilder();
    for (int i = 0; i < 3; i++) {
      names.add("e" + (i + 1));
      clientEndpoints.add("127.0.0.1:" + clientPorts[i]);
      initialCluster.append(i == 0 ? "" : ",").append("e").append(i + 1).append("=http://127.0.0.1:").append(peerPorts[i]);
    }
    // A token of its own: members of an earlier run that were somehow left behind cannot join this cluster.
    String token = root.getFileName() + "-" + ProcessHandle.current().pid();
    try {
      for (int i = 0; i < 3; i++) {
        logs.add(root.resolve(names.get(i) + ".log"));
        String client = "http://" + clientEndpoints.get(i);
        String peer = "http://127.0.0.1:" + peerPorts[i];
        Process p = new ProcessBuilder(etcd.toString(), "--name", names.get(i),
            "--data-dir", root.resolve(names.get(i) + ".etcd").toString(),
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", initialCluster.toString(), "--initial-cluster-state", "new",
            "--initial-cluster-token", token)
            .redirectErrorStream(true).redirectOutput(logs.get(i).toFile()).start();
        LIVE.add(p);
        processes.add(p);
      }
      for (int i = 0; i < 3; i++) {
        int member = i;
        await(Duration.ofSeconds(60), names.get(i) + " to report itself healthy", () -> healthy(member));
      }
      int[] found = {-1};
      await(Duration.ofSeconds(30), "one member to report itself the leader", () -> (found[0] = findLeader()) >= 0);
      leader = found[0];
    } catch (IOException | InterruptedException | RuntimeException | Error e) {
      close();
      throw e;
    }
  }

  private boolean healthy(int i) throws IOException, InterruptedException {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://" + clientEndpoints.get(i) + "/health"))
        .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
    return r.statusCode() == 200 && r.body().replace(" ", "").contains("\"health\":\"true\"");
  }

  private int findLeader() throws IOException, InterruptedException {
    int found = -1;
    for (int i = 0; i < 3; i++) {
      if (EtcdMetrics.fetch(clientEndpoints.get(i)).leader()) {
        if (found >= 0) {
          return -1;  // two say so: an election is under way
        }
        found = i;
      }
    }
    return found;
  }

  /** Polls {@code check} until it holds; fails at the deadline, or at once if a member exited. */
  private void await(Duration timeout, String what, LocalCluster.Condition check) throws InterruptedException {
    try {
      LocalCluster.await(what, timeout, () -> {
        for (int i = 0; i < processes.size(); i++) {
          if (!processes.get(i).isAlive()) {
            // An Error, not an exception: the poll takes exceptions for "not yet" (a member not listening yet).
            throw new AssertionError(names.get(i) + " exited with " + processes.get(i).exitValue()
                + " while waiting for " + what);
          }
        }
        return check.holds();
      });
    } catch (AssertionError e) {
      throw new IllegalStateException(e.getMessage() + "\n" + tails(), e);
    }
  }

  @Override
  public List<Long> pids() {
    return processes.stream().map(Process::pid).toList();
  }

  @Override
  public List<String> clientEndpoints() {
    List<String> endpoints = new ArrayList<>(clientEndpoints);
    endpoints.add(0, endpoints.remove(leader));
    return endpoints;
  }

  @Override
  public WalCounters leaderWal() throws IOException, InterruptedException {
    EtcdMetrics m = EtcdMetrics.fetch(clientEndpoints.get(leader));
    return new WalCounters(m.walFsyncs(), m.proposalsCommitted());
  }

  @Override
  public String leadership() throws IOException, InterruptedException {
    return names.get(leader) + (EtcdMetrics.fetch(clientEndpoints.get(leader)).leader() ? " leader" : " not leader");
  }

  @Override
  public String describe() {
    return String.format("etcd members in %s, pids %s, leader %s", root, pids(), names.get(leader));
  }

  @Override
  public String tails() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < logs.size(); i++) {
      b.append("---- ").append(names.get(i)).append(" (").append(logs.get(i)).append("), last 40 lines:\n");
      try {
        List<String> all = Files.exists(logs.get(i)) ? Files.readAllLines(logs.get(i), StandardCharsets.UTF_8) : List.of();
        all.subList(Math.max(0, all.size() - 40), all.size()).forEach(l -> b.append("  ").append(l).append('\n'));
      } catch (IOException | UncheckedIOException e) {
        b.append("  (unreadable: ").append(e).append(")\n");
      }
    }
    return b.toString();
  }

  /** Stops every member and deletes the data dirs: every run starts a fresh cluster. */
  @Override
  public void close() {
    processes.forEach(EtcdCluster::stop);
    BenchFiles.deleteTree(root);
  }

  /** SIGTERM to the member's pid, SIGKILL if it has not exited within the grace period. */
  private static void stop(Process p) {
    p.destroy();
    try {
      if (!p.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor(GRACE.toMillis(), TimeUnit.MILLISECONDS);
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    LIVE.remove(p);
  }
}
