package io.raftd.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.proto.BootstrapCheck;
import io.raftd.proto.ProbeReply;
import io.raftd.proto.ProbeRequest;
import io.raftd.proto.StatusProbe;
import io.raftd.transport.Peers.Member;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProbeTest {
  private static final Duration TIMEOUT = Duration.ofMillis(500);

  @TempDir Path dir;
  Peers peers;

  @BeforeEach
  void setUp() {
    peers = new Peers(dir);
  }

  @AfterEach
  void tearDown() {
    peers.close();
  }

  @Test
  void aProbeIsAnsweredByTheHandler() throws Exception {
    Member a = peers.start(1);
    a.transport().setProbeHandler((req, from) -> CompletableFuture.completedFuture(ProbeReply.newBuilder()
        .setClusterId(Peers.CLUSTER).setMemberId(1)
        .setName("alpha:" + (req.hasBootstrapCheck() ? req.getBootstrapCheck().getFromName() : "status"))
        .setStatus(ByteString.copyFromUtf8(req.hasStatus() ? "fine" : "")).build()));
    Member newcomer = peers.start(3, 0, 0, Options.defaults());  // not in a cluster yet

    ProbeReply reply = newcomer.transport().probe(a.address(),
        ProbeRequest.newBuilder().setBootstrapCheck(BootstrapCheck.newBuilder().setFromName("gamma")).build(),
        Duration.ofSeconds(10)).get(20, TimeUnit.SECONDS);
    assertEquals(ProbeReply.newBuilder().setClusterId(Peers.CLUSTER).setMemberId(1).setName("alpha:gamma").build(), reply);

    ProbeReply status = newcomer.transport().probe(a.address(),
        ProbeRequest.newBuilder().setStatus(StatusProbe.getDefaultInstance()).build(), Duration.ofSeconds(10))
        .get(20, TimeUnit.SECONDS);
    assertEquals("fine", status.getStatus().toStringUtf8());
    assertEquals(0, a.counters().connectionsClosedForBadInput());
  }

  @Test
  void withoutAHandlerAProbeLearnsClusterAndMemberId() throws Exception {
    Member a = peers.start(1);
    Member b = peers.start(2);
    ProbeReply reply = b.transport().probe(a.address(), ProbeRequest.getDefaultInstance(), Duration.ofSeconds(10))
        .get(20, TimeUnit.SECONDS);
    assertEquals(ProbeReply.newBuilder().setClusterId(Peers.CLUSTER).setMemberId(1).build(), reply);
  }

  @Test
  void aProbeToAClosedPortFailsWithinTheTimeout() throws Exception {
    Member a = peers.start(1);
    assertFailsWithinTimeout(a.transport().probe(Peers.closedPort(), ProbeRequest.getDefaultInstance(), TIMEOUT));
  }

  @Test
  void aProbeToAPortThatNeverAnswersTimesOut() throws Exception {
    Member a = peers.start(1);
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<ProbeReply> probe = a.transport().probe(
          new InetSocketAddress("127.0.0.1", silent.getLocalPort()), ProbeRequest.getDefaultInstance(), TIMEOUT);
      // The connection is made (the listen backlog takes it) but no Hello is ever answered.
      assertInstanceOf(TimeoutException.class, assertFailsWithinTimeout(probe));
    }
  }

  /** Checks that the probe failed, not much later than TIMEOUT, and returns why. */
  private static Throwable assertFailsWithinTimeout(CompletableFuture<ProbeReply> probe) throws IOException {
    long start = System.nanoTime();
    ExecutionException e = assertThrows(ExecutionException.class, () -> probe.get(TIMEOUT.toMillis() + 5000,
        TimeUnit.MILLISECONDS));
    assertTrue(System.nanoTime() - start < TIMEOUT.toNanos() + TimeUnit.SECONDS.toNanos(5));
    return e.getCause();
  }
}
