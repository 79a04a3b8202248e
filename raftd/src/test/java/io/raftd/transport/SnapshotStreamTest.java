package io.raftd.transport;

import static io.raftd.transport.Peers.awaitTrue;
import static io.raftd.transport.Peers.introduce;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.proto.Configuration;
import io.raftd.proto.Hello;
import io.raftd.proto.InstallSnapshot;
import io.raftd.proto.PeerFrame;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.SnapshotChunk;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.transport.Peers.Member;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotStreamTest {
  /** Not a multiple of the chunk size, so the last chunk is a short one. */
  private static final int SNAPSHOT_BYTES = 5 * 1024 * 1024 + 12_345;

  @TempDir Path dir;
  Peers peers;
  Member leader;
  Member follower;

  @BeforeEach
  void setUp() throws IOException {
    peers = new Peers(dir);
    leader = peers.start(1);
    follower = peers.start(2);
    introduce(leader, follower);
  }

  @AfterEach
  void tearDown() {
    peers.close();
  }

  private static byte[] data() {
    byte[] d = new byte[SNAPSHOT_BYTES];
    new SplittableRandom(42).nextBytes(d);
    return d;
  }

  /** Saves {@code data} as snapshot 100 of term 3 in the leader's store; returns its InstallSnapshot for member 2. */
  private RaftMessage saveOnLeader(byte[] data) throws IOException {
    SnapshotMetadata stored = leader.store().save(SnapshotMetadata.newBuilder().setIndex(100).setTerm(3)
        .setConfiguration(Configuration.newBuilder().addVoters(1).addVoters(2)).setId("s100").build(), data);
    return RaftMessage.newBuilder().setClusterId(Peers.CLUSTER).setFrom(1).setTo(2).setTerm(3)
        .setInstallSnapshot(InstallSnapshot.newBuilder().setMetadata(stored)).build();
  }

  @Test
  void aSnapshotHandedToSendArrivesIntactAndIsAnnouncedOnceDurable() throws IOException {
    byte[] data = data();
    RaftMessage install = saveOnLeader(data);

    leader.transport().send(install);  // the core's InstallSnapshot goes out as a stream

    awaitTrue(() -> !leader.heard().snapshotsSent.isEmpty(), () -> "the sender never heard how it ended");
    assertEquals(List.of("2:true"), List.copyOf(leader.heard().snapshotsSent));
    awaitTrue(() -> !follower.heard().snapshotsReady.isEmpty(), () -> "onSnapshotReady never called");
    assertEquals(List.of(install), List.copyOf(follower.heard().snapshotsReady));
    SnapshotMetadata meta = install.getInstallSnapshot().getMetadata();
    assertArrayEquals(data, follower.store().load(meta));
    assertEquals(List.of(meta), follower.store().list());
    assertTrue(follower.heard().messages.isEmpty(), "the InstallSnapshot is not delivered as a message");
    assertEquals(1, leader.counters().snapshotsSent());
    assertEquals(1, follower.counters().snapshotsReceived());
  }

  @Test
  void aSnapshotAlteredInFlightIsRejectedAndLeavesNothingBehind() throws IOException {
    RaftMessage install = saveOnLeader(data());
    // The sender streams the file as it is on disk without checking it: a flipped bit there is a bit
    // flipped in flight as far as the receiver can tell.
    try (Stream<Path> files = Files.list(leader.storeDir());
        RandomAccessFile f = new RandomAccessFile(files.findFirst().orElseThrow().toFile(), "rw")) {
      f.seek(3_000_000);
      int b = f.read();
      f.seek(3_000_000);
      f.write(b ^ 0x10);
    }

    leader.transport().sendSnapshot(install);

    awaitTrue(() -> !leader.heard().snapshotsSent.isEmpty(), () -> "the sender never heard how it ended");
    assertEquals(List.of("2:false"), List.copyOf(leader.heard().snapshotsSent));
    awaitTrue(() -> follower.counters().snapshotsRejected() == 1, () -> "the receiver did not reject it");
    awaitTrue(() -> isEmpty(follower.storeDir()), () -> "the temporary file was left behind");
    assertTrue(follower.store().list().isEmpty());
    assertTrue(follower.heard().snapshotsReady.isEmpty(), "onSnapshotReady called for a damaged snapshot");
    assertEquals(0, leader.counters().snapshotsSent());
  }

  @Test
  void aTransferCutOffMidwayLeavesNothingBehind() throws IOException {
    RaftMessage install = saveOnLeader(data());
    try (RawPeer raw = new RawPeer(follower.address())) {
      assertTrue(raw.handshake(RawPeer.hello(1, 2).setPurpose(Hello.Purpose.SNAPSHOT), Peers.KEYS).getAccepted());
      raw.write(PeerFrame.newBuilder().setSnapshotChunk(SnapshotChunk.newBuilder().setInstall(install)
          .setData(ByteString.copyFrom(new byte[1000]))).build());
      raw.write(PeerFrame.newBuilder().setSnapshotChunk(SnapshotChunk.newBuilder().setOffset(1000)
          .setData(ByteString.copyFrom(new byte[1000]))).build());
      awaitTrue(() -> sizes(follower.storeDir()).equals(List.of(2000L)), () -> "the partial file is not being written");
    }
    awaitTrue(() -> isEmpty(follower.storeDir()), () -> "the temporary file was left behind");
    assertTrue(follower.heard().snapshotsReady.isEmpty());
    assertEquals(0, follower.counters().snapshotsReceived());
  }

  @Test
  void aChunkOutOfOrderClosesTheConnection() throws IOException {
    RaftMessage install = saveOnLeader(data());
    try (RawPeer raw = new RawPeer(follower.address())) {
      assertTrue(raw.handshake(RawPeer.hello(1, 2).setPurpose(Hello.Purpose.SNAPSHOT), Peers.KEYS).getAccepted());
      raw.write(PeerFrame.newBuilder().setSnapshotChunk(SnapshotChunk.newBuilder().setInstall(install)
          .setData(ByteString.copyFrom(new byte[1000]))).build());
      raw.write(PeerFrame.newBuilder().setSnapshotChunk(SnapshotChunk.newBuilder().setOffset(5000)
          .setData(ByteString.copyFrom(new byte[1000])).setDone(true)).build());
      assertTrue(raw.closedByPeer());
    }
    assertEquals(1, follower.counters().connectionsClosedForBadInput());
    assertTrue(follower.heard().snapshotsReady.isEmpty());
    assertEquals(0, follower.counters().snapshotsReceived());
  }

  @Test
  void aSnapshotForAMemberWithoutAnAddressIsReportedUndelivered() throws IOException {
    RaftMessage install = saveOnLeader(new byte[10]).toBuilder().setTo(9).build();
    leader.transport().sendSnapshot(install);
    awaitTrue(() -> !leader.heard().snapshotsSent.isEmpty(), () -> "the sender never heard how it ended");
    assertEquals(List.of("9:false"), List.copyOf(leader.heard().snapshotsSent));
  }

  private static List<Long> sizes(Path d) {
    try (Stream<Path> files = Files.list(d)) {
      return files.map(f -> f.toFile().length()).toList();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static boolean isEmpty(Path d) {
    try (Stream<Path> files = Files.list(d)) {
      return files.findAny().isEmpty();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
