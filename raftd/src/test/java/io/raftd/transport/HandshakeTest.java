package io.raftd.transport;

import static io.raftd.transport.Peers.awaitTrue;
import static io.raftd.transport.Peers.deliver;
import static io.raftd.transport.Peers.heartbeat;
import static io.raftd.transport.Peers.introduce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.Hello;
import io.raftd.proto.HelloReply;
import io.raftd.proto.PeerFrame;
import io.raftd.transport.Peers.Member;
import java.io.IOException;
import java.nio.file.Path;
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

  static Stream<Arguments> refusedHellos() {
    return Stream.of(
        Arguments.of(Named.of("another cluster", RawPeer.hello(3, 1).setClusterId(0xBAD)), "wrong cluster"),
        Arguments.of(Named.of("another member", RawPeer.hello(3, 7)), "wrong member"),
        Arguments.of(Named.of("another protocol version", RawPeer.hello(3, 1).setProtocolVersion(99)),
            "protocol version"),
        Arguments.of(Named.of("an unknown purpose", RawPeer.hello(3, 1).setPurposeValue(9)), "unknown purpose"),
        Arguments.of(Named.of("a probe from another cluster",
            RawPeer.hello(3, 0).setClusterId(0xBAD).setPurpose(Hello.Purpose.PROBE)), "wrong cluster"));
  }

  @ParameterizedTest(name = "a Hello for {0} is answered with the reason and the connection closed")
  @MethodSource("refusedHellos")
  void aHelloItCannotAcceptIsRefusedWithTheReasonAndTheConnectionClosed(Hello.Builder hello, String reason)
      throws IOException {
    Member a = peers.start(1);
    try (RawPeer raw = new RawPeer(a.address())) {
      raw.write(PeerFrame.newBuilder().setHello(hello).build());
      raw.write(PeerFrame.newBuilder().setRaft(heartbeat(3, 1, 1)).build());  // must not be delivered
      HelloReply reply = raw.read().getHelloReply();
      assertFalse(reply.getAccepted());
      assertTrue(reply.getReason().contains(reason), reply.getReason());
      assertEquals(1, reply.getMemberId());
      assertTrue(raw.closedByPeer(), "the connection stays open");
    }
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
      raw.write(PeerFrame.newBuilder().setHello(RawPeer.hello(3, 0).setClusterId(0).setPurpose(Hello.Purpose.PROBE))
          .build());
      HelloReply reply = raw.read().getHelloReply();
      assertTrue(reply.getAccepted(), reply.getReason());
      assertEquals(Peers.CLUSTER, reply.getClusterId());
    }
  }
}
