package io.raftd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.proto.NodeStatus;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An endpoint listed first that accepts connections and never answers (what a member stopped by SIGSTOP
 * looks like: the kernel still completes the TCP handshake): the client gets its answers from the others
 * well within its timeout, instead of spending the whole timeout on that one. The real-process version,
 * with a real SIGSTOP, is packaging's HungFirstEndpointIT.
 */
class HungEndpointClientTest {
  @TempDir Path root;

  @Test
  void aHungFirstEndpointCostsAReadAndAStatusNothingWhileTheOthersAnswer() throws Exception {
    try (LocalCluster c = new LocalCluster(root, 3, LocalCluster.FAST_WAL);
        ServerSocket hung = new ServerSocket(LocalCluster.freePorts(1)[0], 50, InetAddress.getLoopbackAddress())) {
      c.startAll();
      c.awaitLeader();
      List<String> endpoints = new ArrayList<>();
      endpoints.add("127.0.0.1:" + hung.getLocalPort());  // accepted by the kernel, never read: it hangs
      endpoints.addAll(c.adminAddresses);
      try (RaftdClient client = RaftdClient.create(endpoints, Duration.ofSeconds(10))) {
        KvClient kv = new KvClient(client);
        long start = System.nanoTime();
        kv.put(com.google.protobuf.ByteString.copyFromUtf8("k"), com.google.protobuf.ByteString.copyFromUtf8("v"));
        String value = kv.get(com.google.protobuf.ByteString.copyFromUtf8("k"), false).getKvs(0).getValue().toStringUtf8();
        NodeStatus status = client.status(null);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertEquals("v", value);
        assertEquals("leader", status.getRole(), "discovery went to the leader: " + status);
        assertTrue(ms < 3000, "a put, a get and a status took " + ms + " ms with the first endpoint hung");
      }
    }
  }
}
