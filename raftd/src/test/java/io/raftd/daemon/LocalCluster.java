package io.raftd.daemon;

import io.raftd.config.ConfigLoader;
import io.raftd.config.RaftdConfig;
import io.raftd.server.Fatal;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/** A cluster of daemons in this JVM on loopback, for tests: each with its own data dir and free ports. */
final class LocalCluster implements AutoCloseable {
  final List<String> names = new ArrayList<>();
  final List<String> tomls = new ArrayList<>();
  final List<Daemon> daemons = new ArrayList<>();
  final List<String> adminAddresses = new ArrayList<>();
  final List<Throwable> fatal = new CopyOnWriteArrayList<>();
  final Fatal recordFatal = (component, cause) -> fatal.add(new IllegalStateException(component + " failed", cause));

  LocalCluster(Path root, int size, String extraToml) throws IOException {
    int[] ports = freePorts(2 * size);
    StringBuilder members = new StringBuilder();
    for (int i = 0; i < size; i++) {
      names.add("n" + (i + 1));
      adminAddresses.add("127.0.0.1:" + ports[2 * i + 1]);
      members.append(String.format("  { name = \"n%d\", peer = \"127.0.0.1:%d\", admin = \"127.0.0.1:%d\" },%n",
          i + 1, ports[2 * i], ports[2 * i + 1]));
    }
    for (int i = 0; i < size; i++) {
      tomls.add(String.format("""
          name = "n%d"
          data_dir = "%s"
          peer_address = "127.0.0.1:%d"
          admin_address = "127.0.0.1:%d"
          metrics_address = "127.0.0.1:%d"
          %s
          [cluster]
          token = "test"
          members = [
          %s]
          """, i + 1, root.resolve("n" + (i + 1)), ports[2 * i], ports[2 * i + 1], freePorts(1)[0], extraToml, members));
      daemons.add(null);
    }
  }

  RaftdConfig config(int i) throws Exception {
    return ConfigLoader.parse(tomls.get(i), "n" + (i + 1) + ".toml");
  }

  /** Starts every member at once (the seeds must find each other to bootstrap). */
  void startAll() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(daemons.size());
    try {
      List<Future<Daemon>> started = new ArrayList<>();
      for (int i = 0; i < daemons.size(); i++) {
        RaftdConfig c = config(i);
        started.add(pool.submit(() -> Daemon.start(c, recordFatal)));
      }
      for (int i = 0; i < daemons.size(); i++) {
        daemons.set(i, started.get(i).get());
      }
    } finally {
      pool.shutdownNow();
    }
  }

  void stop(int i) throws Exception {
    daemons.get(i).close();
    daemons.set(i, null);
  }

  void start(int i) throws Exception {
    daemons.set(i, Daemon.start(config(i), recordFatal));
  }

  static int[] freePorts(int n) throws IOException {
    int[] ports = new int[n];
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int i = 0; i < n; i++) {
        ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress());
        held.add(s);
        ports[i] = s.getLocalPort();
      }
    } finally {
      for (ServerSocket s : held) {
        s.close();
      }
    }
    return ports;
  }

  @Override
  public void close() throws Exception {
    for (int i = 0; i < daemons.size(); i++) {
      if (daemons.get(i) != null) {
        stop(i);
      }
    }
  }
}
