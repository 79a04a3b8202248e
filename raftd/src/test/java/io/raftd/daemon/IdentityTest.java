package io.raftd.daemon;

import static io.raftd.daemon.KvRequests.put;
import static io.raftd.daemon.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.client.RaftdClient;
import io.raftd.proto.Member;
import io.raftd.proto.NodeStatus;
import io.raftd.transport.Counters;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
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
   * Cluster "foreign" (its own token, the same member names) loses its n3; our n3 then listens where the
   * foreign members still send n3's traffic. Our n3 refuses every such handshake and counts it; our
   * cluster keeps committing with all three members.
   */
  @Test
  void aMemberOfAnotherClusterCannotTalkToThisOne() throws Exception {
    try (LocalCluster foreign = new LocalCluster(root.resolve("foreign"), 3, LocalCluster.FAST_WAL, "foreign-token",
        LocalCluster.freePorts(6))) {
      foreign.startAll();
      foreign.awaitLeader();
      foreign.stop(2);
      int taken = foreign.peerPorts.get(2);

      int[] ports = LocalCluster.freePortsExcept(6, new int[] {taken});
      ports[4] = taken;  // our n3's peer port
      try (LocalCluster ours = new LocalCluster(root.resolve("ours"), 3, LocalCluster.FAST_WAL, "our-token", ports)) {
        ours.startAll();
        ours.awaitLeader();
        Counters counters = ours.daemons.get(2).transport().counters();
        await("our n3 to refuse the foreign cluster's handshakes", Duration.ofSeconds(30),
            () -> counters.connectionsClosedForBadInput() >= 2);

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
          NodeStatus s = client.status(ours.adminAddresses.get(2));
          List<Long> ourIds = ours.daemons.stream().map(Daemon::memberId).sorted().toList();
          assertEquals(ourIds, s.getVotersList().stream().map(Member::getId).sorted().toList(), s.toString());
          assertEquals(ours.daemons.get(0).cluster().getClusterId(), s.getClusterId());
        }
        assertTrue(counters.framesRejected() >= counters.connectionsClosedForBadInput(), counters.toString());
        assertTrue(ours.fatal.isEmpty(), ours.fatal.toString());
      }
      assertTrue(foreign.fatal.isEmpty(), foreign.fatal.toString());
    }
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
