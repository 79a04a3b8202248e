package io.raftd.transport;

import static io.raftd.transport.Peers.awaitTrue;
import static io.raftd.transport.Peers.deliver;
import static io.raftd.transport.Peers.heartbeat;
import static io.raftd.transport.Peers.introduce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.epoll.Epoll;
import io.raftd.daemon.LocalCluster;
import io.raftd.transport.Peers.Member;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PeerTransportTest {
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

  @ParameterizedTest(name = "epoll allowed: {0}")
  @ValueSource(booleans = {true, false})
  void twoTransportsExchangeMessagesBothWays(boolean epoll) throws IOException {
    Options options = Options.defaults().withEpoll(epoll);
    Member a = peers.start(1, Peers.CLUSTER, 0, options);
    Member b = peers.start(2, Peers.CLUSTER, 0, options);
    assertEquals(epoll && Epoll.isAvailable() ? "epoll" : "nio", a.transport().ioKind());
    introduce(a, b);
    for (long term = 1; term <= 20; term++) {
      deliver(a, b, heartbeat(1, 2, term));
      deliver(b, a, heartbeat(2, 1, term));
    }
    assertEquals(0, a.counters().connectionsClosedForBadInput() + b.counters().connectionsClosedForBadInput());
  }

  @Test
  void threeTransportsExchangeMessagesBetweenEveryPair() throws IOException {
    Member[] m = {peers.start(1), peers.start(2), peers.start(3)};
    introduce(m);
    for (Member from : m) {
      for (Member to : m) {
        if (from != to) {
          deliver(from, to, heartbeat(from.id(), to.id(), 10 * from.id() + to.id()));
        }
      }
    }
    for (Member to : m) {
      assertTrue(to.heard().messages.stream().allMatch(x -> x.getTo() == to.id()), "only messages addressed to it");
    }
  }

  @Test
  void aMessageToAnUnknownOrUnreachablePeerIsDroppedAndCountedNotThrown() throws IOException {
    Member a = peers.start(1);
    a.transport().send(heartbeat(1, 99, 1));
    assertEquals(1, a.counters().messagesDropped(), "unknown member");

    a.transport().setPeers(Map.of(1L, a.address(), 2L, Peers.closedPort()));
    a.transport().send(heartbeat(1, 2, 1));
    assertEquals(2, a.counters().messagesDropped(), "not connected: dropped, and a connection is started");
    awaitTrue(() -> a.heard().unreachable.contains(2L), () -> "onUnreachable(2) not heard");
    awaitTrue(() -> a.counters().reconnects() > 0, () -> "no reconnection attempt");
  }

  @Test
  void deliveryResumesWhenAStoppedPeerComesBackOnItsPort() throws IOException {
    Member a = peers.start(1);
    Member b = peers.start(2);
    introduce(a, b);
    deliver(a, b, heartbeat(1, 2, 1));
    int port = b.address().getPort();

    b.transport().close();
    awaitTrue(() -> a.heard().unreachable.contains(2L), () -> "member 1 did not notice member 2 went away");
    long dropped = a.counters().messagesDropped();
    a.transport().send(heartbeat(1, 2, 2));
    assertEquals(dropped + 1, a.counters().messagesDropped(), "a message to a stopped peer is dropped");

    Member b2 = peers.start(2, Peers.CLUSTER, port, Options.defaults());
    introduce(a, b2);  // same addresses: member 1 keeps its connection object and reconnects it
    deliver(a, b2, heartbeat(1, 2, 3));
    deliver(b2, a, heartbeat(2, 1, 3));
    assertTrue(a.counters().reconnects() > 0, a.counters().toString());
  }

  /**
   * A member stopped while it is busy sending: Netty's event loops may then terminate without closing their
   * channels, so close() must close them itself. Without that, restarting the member on its port fails
   * ("Address already in use") and its peers keep connections that nobody reads. Each round closes once.
   */
  @ParameterizedTest(name = "epoll allowed: {0}")
  @ValueSource(booleans = {true, false})
  void closeWhileSendingReleasesThePortAndEndsEveryConnection(boolean epoll) throws Exception {
    Options options = Options.defaults().withEpoll(epoll);
    int port = LocalCluster.freePorts(1)[0];  // below the ephemeral range: no outgoing connection takes it meanwhile
    Member b = peers.start(2, Peers.CLUSTER, 0, options);
    Member c = peers.start(3, Peers.CLUSTER, 0, options);
    for (int round = 0; round < 20; round++) {
      Member a = peers.start(1, Peers.CLUSTER, port, options);  // binds the port the last round's member released
      introduce(a, b, c);
      for (Member peer : new Member[] {b, c}) {  // a connection each way, on each of member 1's event loops
        deliver(a, peer, heartbeat(1, peer.id(), round));
        deliver(peer, a, heartbeat(peer.id(), 1, round));
      }
      int outagesB = b.heard().unreachable.size();
      int outagesC = c.heard().unreachable.size();
      int heard = b.heard().messages.size() + c.heard().messages.size();
      AtomicBoolean stop = new AtomicBoolean();
      Thread sender = new Thread(() -> {
        for (long term = 0; !stop.get(); term++) {
          a.transport().send(heartbeat(1, 2, term));
          a.transport().send(heartbeat(1, 3, term));
        }
      }, "sender");
      sender.start();
      try {
        awaitTrue(() -> b.heard().messages.size() + c.heard().messages.size() > heard + 100,
            () -> "member 1 is not sending");
        a.transport().close();
      } finally {
        stop.set(true);
        sender.join();
      }
      awaitTrue(() -> b.heard().unreachable.size() > outagesB && c.heard().unreachable.size() > outagesC,
          () -> "members 2 and 3 did not both notice that their connections to the closed member 1 ended");
    }
  }
}
