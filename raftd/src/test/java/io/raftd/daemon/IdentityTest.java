package io.raftd.daemon;

import static io.raftd.daemon.KvRequests.put;
import static io.raftd.daemon.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.client.RaftdClient;
import io.raftd.proto.Member;
import io.raftd.proto.NodeStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A member is who its data directory says: a wiped member and a member of another cluster are kept out. */
class IdentityTest {
  @TempDir Path root;

  @Test
  void aMemberWhoseDataDirWasWipedIsRefusedAndReleasesWhatItTook() throws Exception {
    try (LocalCluster c = new LocalCluster(root, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      c.awaitLeader();
      try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(20))) {
        client.write(put("a", "1"));
      }
      c.stop(2);
      deleteRecursively(c.dataDirs.get(2));

      for (int attempt = 1; attempt <= 2; attempt++) {  // the second attempt must be refused the same way
        Daemon.StartupException e = assertThrows(Daemon.StartupException.class, () -> c.start(2), "attempt " + attempt);
        assertTrue(e.getMessage().contains("n3"), e.getMessage());
        assertTrue(e.getMessage().contains("data directory was wiped"), e.getMessage());
        assertTrue(e.getMessage().contains("remove it and add a new one"), e.getMessage());
        assertPortFree(c.peerPorts.get(2));
      }

      try (RaftdClient client = RaftdClient.create(c.adminAddresses.subList(0, 2), Duration.ofSeconds(20))) {
        long index = client.write(put("a", "2")).getIndex();
        assertTrue(index > 0);
        NodeStatus s = client.status(null);
        assertEquals(3, s.getVotersCount(), "the refused member changed the configuration: " + s);
      }
      assertTrue(c.fatal.isEmpty(), c.fatal.toString());
    }
  }

  /**
   * Cluster "foreign" has the same member names but its own token and ports. Its n1 is then told that its
   * peers live at our members' addresses (as if their names had come to resolve there): every handshake it
   * makes with us is refused and counted, and our cluster keeps committing with its three members.
   */
  @Test
  void aMemberOfAnotherClusterCannotTalkToThisOne() throws Exception {
    try (LocalCluster ours = new LocalCluster(root.resolve("ours"), 3, LocalCluster.FAST_WAL, "our-token")) {
      ours.startAll();  // before the foreign cluster picks its free ports
      LocalCluster foreign = new LocalCluster(root.resolve("foreign"), 3, LocalCluster.FAST_WAL, "foreign-token");
      try (foreign) {
        foreign.startAll();
        ours.awaitLeader();
        foreign.awaitLeader();
        long refusedBefore = refused(ours);

        Daemon stray = foreign.daemons.get(0);
        stray.transport().setPeers(Map.of(
            foreign.daemons.get(1).memberId(), new InetSocketAddress("127.0.0.1", ours.peerPorts.get(1)),
            foreign.daemons.get(2).memberId(), new InetSocketAddress("127.0.0.1", ours.peerPorts.get(2))));
        await("our members to refuse the foreign member's handshakes", Duration.ofSeconds(30),
            () -> refused(ours) >= refusedBefore + 2);

        try (RaftdClient client = RaftdClient.create(ours.adminAddresses, Duration.ofSeconds(20))) {
          long last = 0;
          for (int i = 0; i < 20; i++) {
            last = client.write(put("k" + i, "v" + i)).getIndex();
          }
          long committed = last;
          for (int i = 0; i < 3; i++) {
            Daemon d = ours.daemons.get(i);
            await("our " + ours.names.get(i) + " to apply index " + committed, Duration.ofSeconds(30),
                () -> d.applier().appliedIndex() >= committed);
          }
          List<Long> ourIds = ours.daemons.stream().map(Daemon::memberId).sorted().toList();
          long ourCluster = ours.daemons.get(0).cluster().getClusterId();
          for (String endpoint : ours.adminAddresses) {
            NodeStatus s = client.status(endpoint);
            assertEquals(ourIds, s.getVotersList().stream().map(Member::getId).sorted().toList(), s.toString());
            assertEquals(ourCluster, s.getClusterId());
          }
        }
        assertTrue(ours.fatal.isEmpty(), ours.fatal.toString());
        assertTrue(foreign.fatal.isEmpty(), foreign.fatal.toString());
      }
    }
  }

  /** Peer connections our members closed for bad input: here, handshakes naming another cluster. */
  private static long refused(LocalCluster c) {
    return c.daemons.stream().mapToLong(d -> d.transport().counters().connectionsClosedForBadInput()).sum();
  }

  private static void assertPortFree(int port) {
    try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      assertTrue(s.isBound());
    } catch (IOException e) {
      throw new AssertionError("the refused member still holds its peer port " + port + ": " + e.getMessage(), e);
    }
  }

  static void deleteRecursively(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
