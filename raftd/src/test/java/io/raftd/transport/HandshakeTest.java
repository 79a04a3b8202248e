package io.raftd.transport;

import static io.raftd.transport.Peers.awaitTrue;
import static io.raftd.transport.Peers.deliver;
import static io.raftd.transport.Peers.heartbeat;
import static io.raftd.transport.Peers.introduce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.proto.Challenge;
import io.raftd.proto.Hello;
import io.raftd.proto.HelloReply;
import io.raftd.proto.PeerFrame;
import io.raftd.proto.ProbeReply;
import io.raftd.proto.ProbeRequest;
import io.raftd.transport.Peers.Member;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class HandshakeTest {
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

  /** Hellos refused before any proof: the refusal names no id of the member's. */
  static Stream<Arguments> unauthenticatedHellos() {
    return Stream.of(
        Arguments.of(Named.of("another protocol version", RawPeer.hello(3, 1).setProtocolVersion(1)),
            "protocol version"),
        Arguments.of(Named.of("an unknown purpose", RawPeer.hello(3, 1).setPurposeValue(9)), "unknown purpose"),
        Arguments.of(Named.of("no nonce", RawPeer.hello(3, 1).clearNonce()), "nonce"),
        Arguments.of(Named.of("a token the member does not know",
            RawPeer.hello(Peers.CLUSTER, 3, 1, ClusterKeys.of("another-token-0123456789", List.of()))),
            "authentication failed"));
  }

  @ParameterizedTest(name = "a Hello with {0} is refused before any proof, learning nothing")
  @MethodSource("unauthenticatedHellos")
  void aHelloItCannotAuthenticateIsRefusedAndLearnsNothing(Hello.Builder hello, String reason) throws IOException {
    Member a = peers.start(1);
    try (RawPeer raw = new RawPeer(a.address())) {
      raw.write(PeerFrame.newBuilder().setHello(hello).build());
      // Must not be delivered; the member may already have closed the connection on the Hello alone.
      raw.writeIfOpen(PeerFrame.newBuilder().setRaft(heartbeat(3, 1, 1)).build());
      HelloReply reply = raw.read().getHelloReply();
      assertFalse(reply.getAccepted());
      assertTrue(reply.getReason().contains(reason), reply.getReason());
      assertEquals(HelloReply.newBuilder().setReason(reply.getReason()).build(), reply, "the refusal says more than why");
      assertTrue(raw.closedByPeer(), "the connection stays open");
    }
    assertRefusedOnce(a);
  }

  @Test
  void aWrongProofIsRefusedAndLearnsNothing() throws IOException {
    Member a = peers.start(1);
    // The Hello names the right key, but the proof is made with another token's.
    ClusterKeys wrong = ClusterKeys.of("not-the-cluster-token-0123", List.of());
    try (RawPeer raw = new RawPeer(a.address())) {
      HelloReply reply = raw.handshake(RawPeer.hello(3, 1), wrong);
      assertFalse(reply.getAccepted());
      assertEquals(HelloReply.newBuilder().setReason(reply.getReason()).build(), reply, "the refusal says more than why");
      assertTrue(reply.getReason().contains("authentication failed"), reply.getReason());
      raw.writeIfOpen(PeerFrame.newBuilder().setRaft(heartbeat(3, 1, 1)).build());
      assertTrue(raw.closedByPeer(), "the connection stays open");
    }
    assertRefusedOnce(a);
  }

  @Test
  void aFrameOtherThanTheProofAfterTheChallengeIsRefused() throws IOException {
    Member a = peers.start(1);
    try (RawPeer raw = new RawPeer(a.address())) {
      raw.write(PeerFrame.newBuilder().setHello(RawPeer.hello(3, 1)).build());
      assertTrue(raw.read().hasChallenge());
      raw.write(PeerFrame.newBuilder().setRaft(heartbeat(3, 1, 1)).build());
      assertTrue(raw.closedByPeer(), "the connection stays open");
    }
    assertRefusedOnce(a);
  }

  /** Hellos that authenticate and are then refused: the reply may name the member, it talks to one of its own. */
  static Stream<Arguments> authenticatedRefusals() {
    return Stream.of(
        Arguments.of(Named.of("another cluster", RawPeer.hello(3, 1).setClusterId(0xBAD)), "wrong cluster"),
        Arguments.of(Named.of("another member", RawPeer.hello(3, 7)), "wrong member"),
        Arguments.of(Named.of("a member id outside the configuration", RawPeer.hello(42, 1)), "not a member"),
        Arguments.of(Named.of("a snapshot stream from outside the configuration",
            RawPeer.hello(42, 1).setPurpose(Hello.Purpose.SNAPSHOT)), "not a member"),
        Arguments.of(Named.of("a probe from another cluster",
            RawPeer.hello(3, 0).setClusterId(0xBAD).setPurpose(Hello.Purpose.PROBE)), "wrong cluster"));
  }

  @ParameterizedTest(name = "an authenticated Hello for {0} is answered with the reason and the connection closed")
  @MethodSource("authenticatedRefusals")
  void anAuthenticatedHelloItCannotAcceptIsRefusedWithTheReason(Hello.Builder hello, String reason) throws IOException {
    Member a = peers.start(1);
    try (RawPeer raw = new RawPeer(a.address())) {
      HelloReply reply = raw.handshake(hello, Peers.KEYS);
      raw.writeIfOpen(PeerFrame.newBuilder().setRaft(heartbeat(3, 1, 1)).build());  // must not be delivered
      assertFalse(reply.getAccepted());
      assertTrue(reply.getReason().contains(reason), reply.getReason());
      assertEquals(1, reply.getMemberId());
      assertTrue(raw.closedByPeer(), "the connection stays open");
    }
    assertRefusedOnce(a);
  }

  @Test
  void aMemberAcceptsAPreviousTokenDuringARotation() throws IOException {
    ClusterKeys old = ClusterKeys.of("old-token-0123456789abcdef", List.of());
    ClusterKeys rotating = ClusterKeys.of("new-token-0123456789abcdef", List.of("old-token-0123456789abcdef"));
    Member a = peers.start(1, Peers.CLUSTER, 0, Options.defaults(), rotating);
    Member b = peers.start(2, Peers.CLUSTER, 0, Options.defaults(), old);
    introduce(a, b);
    deliver(b, a, heartbeat(2, 1, 1));  // b still proves with the old token: accepted
    // a proves with the new one, which b (not yet rotated) does not know: refused, nothing delivered.
    awaitTrue(() -> {
      a.transport().send(heartbeat(1, 2, 1));
      return b.counters().connectionsClosedForBadInput() > 0;
    }, () -> "member 2 accepted a token it was never given");
    assertTrue(b.heard().messages.isEmpty());
  }

  @Test
  void aMemberWithAnotherTokenCannotSendAndDoesNotTrustTheAcceptor() throws IOException {
    Member a = peers.start(1);
    Member impostor = peers.start(2, Peers.CLUSTER, 0, Options.defaults(),
        ClusterKeys.of("guessed-token-0123456789", List.of()));
    introduce(a, impostor);
    awaitTrue(() -> {
      impostor.transport().send(heartbeat(2, 1, 1));
      a.transport().send(heartbeat(1, 2, 1));
      return a.counters().connectionsClosedForBadInput() > 0 && impostor.counters().connectionsClosedForBadInput() > 0
          && a.heard().unreachable.contains(2L);
    }, () -> "the members with different tokens never refused each other");
    assertTrue(a.heard().messages.isEmpty(), "a member without the token delivered a message");
    assertTrue(impostor.heard().messages.isEmpty(), "a member delivered to one without the token");
  }

  @Test
  void aMemberWithoutATokenNeitherConnectsNorAccepts() throws IOException {
    Member a = peers.start(1);
    Member loner = peers.start(2, Peers.CLUSTER, 0, Options.defaults(), ClusterKeys.none());
    introduce(a, loner);
    awaitTrue(() -> {
      loner.transport().send(heartbeat(2, 1, 1));
      a.transport().send(heartbeat(1, 2, 1));
      return loner.heard().unreachable.contains(1L) && loner.counters().connectionsClosedForBadInput() > 0;
    }, () -> "a member without a token connected or was connected to");
    assertTrue(a.heard().messages.isEmpty());
    assertTrue(loner.heard().messages.isEmpty());
  }

  @Test
  void aConnectorDoesNotProveItselfToAnAcceptorThatCannotProve() throws Exception {
    Member a = peers.start(1);
    try (ServerSocket impostor = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<ProbeReply> probe = a.transport().probe(
          new InetSocketAddress("127.0.0.1", impostor.getLocalPort()), ProbeRequest.getDefaultInstance(),
          Peers.PATIENCE);
      try (Socket s = impostor.accept()) {
        s.setSoTimeout((int) Peers.PATIENCE.toMillis());
        DataInputStream in = new DataInputStream(s.getInputStream());
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        PeerFrame hello = readFrame(in);
        assertTrue(hello.hasHello());
        // It echoes the key the Hello named, but cannot make the proof that goes with it.
        byte[] challenge = PeerFrame.newBuilder().setChallenge(Challenge.newBuilder()
            .setNonce(ByteString.copyFrom(ClusterKeys.nonce())).setProof(ByteString.copyFrom(new byte[32]))).build()
            .toByteArray();
        out.writeInt(challenge.length);
        out.write(challenge);
        out.flush();
        assertEquals(-1, in.read(), "the connector answered an acceptor that did not prove it holds the token");
      }
      ExecutionException failed = assertThrows(ExecutionException.class,
          () -> probe.get(Peers.PATIENCE.toMillis(), TimeUnit.MILLISECONDS));
      assertTrue(failed.getCause().getMessage().contains("did not prove it holds the cluster token"),
          failed.getCause().getMessage());
    }
  }

  private static PeerFrame readFrame(DataInputStream in) throws IOException {
    byte[] body = new byte[in.readInt()];
    in.readFully(body);
    return PeerFrame.parseFrom(body);
  }

  private static void assertRefusedOnce(Member a) {
    assertEquals(1, a.counters().connectionsClosedForBadInput());
    assertEquals(1, a.counters().framesRejected());
    assertTrue(a.heard().messages.isEmpty());
  }

  @Test
  void aTransportOfAnotherClusterIsRefusedAndDeliversNothing() throws IOException {
    Member a = peers.start(1);
    Member stranger = peers.start(3, 0xBAD, 0, Options.defaults());
    stranger.transport().setPeers(Map.of(1L, a.address()));
    awaitTrue(() -> {
      stranger.transport().send(heartbeat(0xBAD, 3, 1, 1));
      return a.counters().connectionsClosedForBadInput() > 0;
    }, () -> "member 1 never refused the other cluster's member");
    awaitTrue(() -> stranger.heard().unreachable.contains(1L), () -> "the refused side did not give up on the peer");
    assertTrue(a.heard().messages.isEmpty());
    assertTrue(stranger.counters().messagesDropped() > 0);
  }

  @Test
  void aTransportThatTakesUsForAnotherMemberIsRefused() throws IOException {
    Member a = peers.start(1);
    Member b = peers.start(2);
    b.transport().setPeers(Map.of(5L, a.address()));  // b believes member 5 listens where 1 does
    awaitTrue(() -> {
      b.transport().send(heartbeat(2, 5, 1));
      return a.counters().connectionsClosedForBadInput() > 0;
    }, () -> "member 1 never refused a connection meant for member 5");
    assertTrue(a.heard().messages.isEmpty());
    introduce(a, b);  // the right addresses: fine again
    deliver(b, a, heartbeat(2, 1, 2));
  }

  @Test
  void aProbeFromOutsideAnyClusterIsAccepted() throws Exception {
    Member a = peers.start(1);
    try (RawPeer raw = new RawPeer(a.address())) {
      HelloReply reply = raw.handshake(RawPeer.hello(3, 0).setClusterId(0).setPurpose(Hello.Purpose.PROBE), Peers.KEYS);
      assertTrue(reply.getAccepted(), reply.getReason());
      assertEquals(Peers.CLUSTER, reply.getClusterId());
    }
  }
}
