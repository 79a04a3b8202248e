package io.raftd.transport;

import static io.raftd.transport.Peers.deliver;
import static io.raftd.transport.Peers.heartbeat;
import static io.raftd.transport.Peers.introduce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.PeerFrame;
import io.raftd.proto.SnapshotReply;
import io.raftd.transport.Peers.Member;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Whatever arrives on the peer port, the transport closes that one connection, counts it once, delivers
 * nothing from it, and goes on serving everyone else.
 */
class BadInputTest {
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

  /** Something a misbehaving peer does on a fresh connection to member 1. */
  @FunctionalInterface
  interface Misbehaviour {
    void on(RawPeer raw) throws IOException;
  }

  static Stream<Arguments> misbehaviours() {
    return Stream.of(
        bad("random bytes", raw -> {
          byte[] noise = new byte[64 * 1024];
          new SplittableRandom(7).nextBytes(noise);
          raw.writeRaw(noise);
          raw.endOutput();  // a length prefix the noise did not fill up is then a truncated frame
        }),
        bad("a frame cut short by the end of the connection", raw -> {
          raw.writeRaw(ByteBuffer.allocate(14).putInt(100).put(new byte[10]).array());
          raw.endOutput();
        }),
        bad("a 2 GiB length prefix", raw -> raw.writeRaw(ByteBuffer.allocate(4).putInt(0x8000_0000).array())),
        bad("a length just over the maximum frame",
            raw -> raw.writeRaw(ByteBuffer.allocate(4).putInt(Options.defaults().maxFrameBytes() + 1).array())),
        bad("a frame that does not decode", raw -> raw.writeRaw(new byte[] {0, 0, 0, 3, (byte) 0xff, (byte) 0xff, 1})),
        bad("a Raft message before the Hello", raw -> raw.write(raw(heartbeat(3, 1, 1)))),
        bad("an empty first frame", raw -> raw.writeRaw(new byte[4])),
        bad("a Raft message for another cluster", raw -> {
          raw.handshake(3, 1);
          raw.write(raw(heartbeat(0xBAD, 3, 1, 1)));
        }),
        bad("a Raft message for another member", raw -> {
          raw.handshake(3, 1);
          raw.write(raw(heartbeat(3, 2, 1)));
        }),
        bad("a Raft message from another member than the Hello's", raw -> {
          raw.handshake(3, 1);
          raw.write(raw(heartbeat(4, 1, 1)));
        }),
        bad("a Raft message beyond the highest term", raw -> {
          raw.handshake(3, 1);
          raw.write(raw(heartbeat(3, 1, io.raftd.raft.RawNode.MAX_TERM + 1)));
        }),
        bad("a Raft message at the largest representable term", raw -> {
          raw.handshake(3, 1);
          raw.write(raw(heartbeat(3, 1, Long.MAX_VALUE)));
        }),
        bad("a frame of the wrong kind after the Hello", raw -> {
          raw.handshake(3, 1);
          raw.write(PeerFrame.newBuilder().setSnapshotReply(SnapshotReply.newBuilder().setOk(true)).build());
        }),
        bad("garbage after the Hello, behind which a good message waits", raw -> {
          raw.handshake(3, 1);
          byte[] good = raw(heartbeat(3, 1, 1)).toByteArray();
          raw.writeRaw(ByteBuffer.allocate(7 + 4 + good.length).put(new byte[] {0, 0, 0, 3, (byte) 0xff, (byte) 0xff, 1})
              .putInt(good.length).put(good).array());
        }));
  }

  private static Arguments bad(String name, Misbehaviour m) {
    return Arguments.of(Named.of(name, m));
  }

  private static PeerFrame raw(io.raftd.proto.RaftMessage m) {
    return PeerFrame.newBuilder().setRaft(m).build();
  }

  @ParameterizedTest(name = "{0}: that connection is closed, the rest go on")
  @MethodSource("misbehaviours")
  void badInputClosesOnlyThatConnection(Misbehaviour misbehaviour) throws IOException {
    Member a = peers.start(1);
    Member b = peers.start(2);
    introduce(a, b);
    deliver(a, b, heartbeat(1, 2, 1));
    deliver(b, a, heartbeat(2, 1, 1));

    try (RawPeer raw = new RawPeer(a.address())) {
      misbehaviour.on(raw);
      assertTrue(raw.closedByPeer(), "the bad connection stays open");
    }
    Peers.awaitTrue(() -> a.counters().connectionsClosedForBadInput() == 1,
        () -> "counted " + a.counters().connectionsClosedForBadInput() + " bad connections, not 1");
    assertEquals(1, a.counters().framesRejected());
    assertTrue(a.heard().messages.stream().allMatch(m -> m.getFrom() == 2), "something from the bad connection was delivered");

    deliver(a, b, heartbeat(1, 2, 2));
    deliver(b, a, heartbeat(2, 1, 2));
    assertEquals(1, a.counters().connectionsClosedForBadInput(), "the good connections were not disturbed");
  }

  /**
   * A Raft connection has no idle timeout (its traffic comes and goes with leadership), so a peer that
   * sends part of a frame and then nothing is what the frame timeout is for.
   */
  @Test
  void aFrameLeftUnfinishedAfterTheHelloIsClosedAfterTheFrameTimeout() throws IOException {
    Member a = peers.start(1, Peers.CLUSTER, 0, Options.defaults().withFrameTimeout(Duration.ofSeconds(1)));
    Member b = peers.start(2);
    introduce(a, b);

    try (RawPeer raw = new RawPeer(a.address())) {
      raw.handshake(3, 1);
      raw.writeRaw(ByteBuffer.allocate(14).putInt(100).put(new byte[10]).array());
      assertTrue(raw.closedByPeer(), "a frame left unfinished held its connection open");
    }
    Peers.awaitTrue(() -> a.counters().connectionsClosedForBadInput() == 1,
        () -> "counted " + a.counters().connectionsClosedForBadInput() + " bad connections, not 1");
    deliver(b, a, heartbeat(2, 1, 1));
  }
}
