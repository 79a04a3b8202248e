package io.raftd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.client.RaftdClient;
import io.raftd.proto.KvCommand;
import io.raftd.proto.KvPut;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Three real members at an open-file limit of 320 (ulimit -n); 2,000 connections flood the leader's admin
 * port, far more than it has descriptors. Its admin_port.max_connections, checked at start against that
 * limit, refuses the flood at accept, so the WAL still opens its segments: the leader stays alive and
 * leader, and the cluster keeps committing during the flood. Before the limits, the flood took every
 * descriptor, the WAL writer could not open its next segment and the leader exited (the assertions that
 * the leader process is alive and acknowledged writes fail there).
 */
class OpenFileLimitIT {
  private static final int OPEN_FILE_LIMIT = 320;
  private static final int FLOOD = 2000;
  private static final int MIN_WRITES = 200;
  private static final Duration WAIT = Duration.ofSeconds(60);

  private static ProcessCluster cluster;

  @RegisterExtension
  static final TailsOnFailure TAILS = new TailsOnFailure(() -> cluster);

  @BeforeAll
  static void startCluster() throws Exception {
    // Segments of 1 MiB (the cluster's default here): the writes below roll over several, each a file to open.
    cluster = new ProcessCluster("open-file-limit", 3, """
        [peer_port]
        max_connections = 16
        max_connections_per_address = 16
        [admin_port]
        max_connections = 64
        max_connections_per_address = 64
        """);
    cluster.openFileLimit(OPEN_FILE_LIMIT);
    cluster.startAll();
    cluster.awaitLeader(WAIT);
  }

  private static byte[] put(String key, byte[] value) {
    return KvCommand.newBuilder().setPut(KvPut.newBuilder().setKey(ByteString.copyFromUtf8(key))
        .setValue(ByteString.copyFrom(value))).build().toByteArray();
  }

  @AfterAll
  static void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void theLeaderSurvivesAConnectionFloodAtItsOpenFileLimitAndKeepsCommitting() throws Exception {
    int leader = cluster.awaitLeader(WAIT);
    String[] admin = cluster.adminAddresses.get(leader).split(":");
    InetSocketAddress target = new InetSocketAddress(admin[0], Integer.parseInt(admin[1]));
    List<Socket> flood = new ArrayList<>();
    try (RaftdClient client = RaftdClient.create(cluster.adminAddresses, Duration.ofSeconds(20))) {
      // The writer's connection is made before the flood: the flood then holds every place the port has,
      // and a client connecting during it would be refused like the flood (the limit's price).
      client.write(put("before", new byte[1]));
      for (int i = 0; i < FLOOD; i++) {
        Socket s = new Socket();
        s.bind(new InetSocketAddress("127.0.0." + (2 + i / 500), 0));  // not the writer's address
        s.connect(target, 5_000);
        flood.add(s);
      }
      // Writes with values of 8 KiB: a few hundred of them roll the 1 MiB WAL segments over, each a new file.
      long start = System.nanoTime();
      byte[] value = new byte[8192];
      for (int i = 0; i < MIN_WRITES; i++) {
        client.write(put("k" + i, value));
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      System.out.printf("OpenFileLimitIT: %d writes in %.2f s (%.0f/s) with %d connections open at the leader%n",
          MIN_WRITES, seconds, MIN_WRITES / seconds, FLOOD);
      assertTrue(cluster.isAlive(leader), "the leader exited during the flood");
    } finally {
      for (Socket s : flood) {
        try {
          s.close();
        } catch (IOException ignored) {
          // the test's own socket
        }
      }
    }
    // Asked once the flood is gone: a status request needs a connection of its own to each member's port.
    assertEquals(leader, cluster.awaitLeader(WAIT), "leadership moved during the flood");
    String log = String.join("\n", cluster.log(leader));
    assertTrue(log.contains("admin_port.max_connections = 64"), "the leader did not log refusing the flood");
    assertTrue(log.contains("open-file limit " + OPEN_FILE_LIMIT), "the members did not run at the low limit");
  }
}
