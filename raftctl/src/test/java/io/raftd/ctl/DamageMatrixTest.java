package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.datadir.DataDirFile;
import io.raftd.datadir.DataDirLock;
import io.raftd.proto.ClusterRecord;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.MemberIdentity;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.storage.FaultyFileIO;
import io.raftd.storage.FileIO;
import io.raftd.storage.NioFileIO;
import io.raftd.storage.SnapshotStore;
import io.raftd.storage.WriteAheadLog;
import io.raftd.walformat.SnapshotFile;
import io.raftd.walformat.WalFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The damage matrix over a real data directory written by the real {@link WriteAheadLog} on
 * {@link NioFileIO} and the real snapshot store: for each damage, raftd's start (WAL recovery, then
 * loading the snapshot the log starts after, as the daemon does) refuses with a message naming the file
 * and what is lost, {@code raftctl wal verify} exits 1 naming the same file, and no case comes back with
 * fewer fsynced entries or a lower term than were durable. A clean shutdown and a genuine torn tail still
 * start.
 */
class DamageMatrixTest {
  private static final Ctl CTL = new Ctl(Map.of());
  private static final long LAST = 120;
  private static final long SNAPSHOT_AT = 40;
  private static final long TERM = 3;
  private static final long VOTE = 2;
  /** Our own seed: the truncation offsets are the same on every run. */
  private static final long SEED = 0x5EED_D15C_0FFEEL;

  @TempDir static Path pristine;
  @TempDir Path work;

  private static WriteAheadLog.Options options() {
    return WriteAheadLog.Options.defaults(Runnable::run).withSegmentBytes(8 << 10);
  }

  /**
   * Identity and cluster record; a snapshot at 40 taken and recorded (the log compacted to 30); entries
   * 1..120 in batches of 5, each with a hard state; the last term 3, voted for 2. All of it acknowledged.
   */
  @BeforeAll
  static void writeDataDirectory() throws IOException {
    DataDirLock.acquire(pristine).close();
    DataDirFile.write(pristine.resolve(DataDirFile.IDENTITY), MemberIdentity.newBuilder().setMemberId(1).setName("n1").build());
    NioFileIO io = new NioFileIO();
    SnapshotStore snapshots = new SnapshotStore(io, pristine.resolve("snap"), 2);
    try (WriteAheadLog wal = WriteAheadLog.open(io, pristine.resolve("wal"), options(), TestWal.BOOT)) {
      wal.createFirstSegment();
      DataDirFile.write(pristine.resolve(DataDirFile.CLUSTER), ClusterRecord.newBuilder().setClusterId(7)
          .setBootstrap(TestWal.BOOT).build());
      for (long from = 1; from <= LAST; from += 5) {
        long term = from <= 60 ? 1 : from <= 100 ? 2 : TERM;
        wal.append(null, HardState.newBuilder().setTerm(term).setVotedFor(term == TERM ? VOTE : 1).setCommit(from - 1)
            .build(), entries(from, from + 4, term));
        if (from + 4 == SNAPSHOT_AT) {
          SnapshotMetadata taken = snapshots.save(SnapshotMetadata.newBuilder().setIndex(SNAPSHOT_AT).setTerm(1)
              .setConfiguration(TestWal.BOOT).setId("s40").build(), new byte[3000]);
          wal.snapshotTaken(taken, 30);
          wal.writeBatch();
          wal.sync();
          wal.compact();
          wal.deleteCompactedSegments();
        }
      }
    }
    assertTrue(segments(pristine).size() >= 4, "closed segments and a newest one: " + segments(pristine));
  }

  private static List<Entry> entries(long from, long to, long term) {
    List<Entry> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(Entry.newBuilder().setIndex(i).setTerm(term).setData(ByteString.copyFrom(new byte[200])).build());
    }
    return out;
  }

  // ---- The two judges ----

  /** What raftd's start makes of a data directory: the refusal, or what it came back with. */
  record Start(String refusal, long lastIndex, HardState hardState) {}

  private static Start startLikeRaftd(Path dataDir, FileIO io) {
    try (WriteAheadLog wal = WriteAheadLog.open(io, dataDir.resolve("wal"), options(), TestWal.BOOT)) {
      if (wal.snapshot().getIndex() > 0) {
        // Opening checks it whole, as ApplyWorker.restoreAtStart does before it streams the state from it.
        new SnapshotStore(io, dataDir.resolve("snap"), 2).open(wal.snapshot()).close();
      }
      return new Start(null, wal.lastIndex(), wal.hardState());
    } catch (IOException e) {
      return new Start(e.getMessage(), 0, null);
    }
  }

  private static Ctl.Result verify(Path dataDir) {
    return CTL.run("wal", "verify", "--data-dir", dataDir.toString());
  }

  /** Both refuse, both name {@code file}, raftd says what is lost ({@code loss}); nothing came back short. */
  private static void assertRefused(Path dataDir, String file, String loss) {
    assertRefused(dataDir, new NioFileIO(), file, loss);
  }

  private static void assertRefused(Path dataDir, FileIO io, String file, String loss) {
    assertRaftdRefuses(dataDir, io, file, loss);
    assertVerifyRefuses(dataDir, file);
  }

  private static void assertRaftdRefuses(Path dataDir, FileIO io, String file, String loss) {
    Start start = startLikeRaftd(dataDir, io);
    if (start.refusal() == null) {
      assertNoRegression(start);
    }
    assertNotNull(start.refusal(), "raftd started from a damaged directory: " + start);
    assertTrue(start.refusal().contains(file), "raftd's refusal names " + file + ": " + start.refusal());
    assertTrue(start.refusal().contains(loss), "raftd's refusal says '" + loss + "': " + start.refusal());
    assertEquals(1, start.refusal().lines().count(), start.refusal());
  }

  private static void assertVerifyRefuses(Path dataDir, String file) {
    Ctl.Result v = verify(dataDir);
    assertEquals(1, v.code(), v.toString());
    assertTrue(v.err().contains(file), "wal verify names " + file + ": " + v);
  }

  private static void assertNoRegression(Start s) {
    assertTrue(s.lastIndex() >= LAST, "came back with entries up to " + s.lastIndex() + ", below the acknowledged " + LAST);
    assertTrue(s.hardState().getTerm() >= TERM, "came back in term " + s.hardState().getTerm() + ", below " + TERM);
    if (s.hardState().getTerm() == TERM) {
      assertEquals(VOTE, s.hardState().getVotedFor(), "the vote of term " + TERM + " changed");
    }
  }

  // ---- The cases ----

  @Test
  void aCleanShutdownStartsWithEverything() throws IOException {
    Path d = copy("clean");
    Start s = startLikeRaftd(d, new NioFileIO());
    assertNull(s.refusal());
    assertNoRegression(s);
    assertEquals(0, verify(copy("clean-verify")).code());
  }

  @Test
  void aTornTailStartsWithEveryAcknowledgedEntry() throws IOException {
    Path d = copy("torn");
    try (WriteAheadLog wal = WriteAheadLog.open(new NioFileIO(), d.resolve("wal"), options(), TestWal.BOOT)) {
      wal.stage(null, null, List.of(Entry.newBuilder().setIndex(LAST + 1).setTerm(TERM)
          .setData(ByteString.copyFrom(new byte[700])).build()));
      wal.writeBatch();  // the crash comes before its fsync: never acknowledged
    }
    Path newest = newest(d);
    List<Long> starts = frameStarts(newest);
    zero(newest, starts.get(starts.size() - 1) + WalFormat.SECTOR, WalFormat.SECTOR);  // its second sector never landed

    Ctl.Result v = verify(d);
    assertEquals(1, v.code(), "a torn tail is reported: " + v);
    assertTrue(v.out().contains("TORN"), v.toString());
    Start s = startLikeRaftd(d, new NioFileIO());
    assertNull(s.refusal());
    assertNoRegression(s);
    assertEquals(LAST, s.lastIndex());
  }

  @Test
  void deletingTheNewestSegmentIsALostSegmentNotATornTail() throws IOException {
    Path d = copy("deleted");
    Path newest = newest(d);
    Files.delete(newest);
    assertRefused(d, newest.getFileName().toString(), "which is missing");
  }

  @Test
  void deletingEverySegmentIsAMissingWal() throws IOException {
    Path d = copy("no-wal");
    for (Path p : segments(d)) {
      Files.delete(p);
    }
    assertRefused(d, "wal", "the WAL is missing");
  }

  /** Amnesia: the identity and cluster record remain, the wal directory is gone. Never a voter with term 0. */
  @Test
  void deletingTheWalDirectoryIsAMissingWal() throws IOException {
    Path d = copy("no-wal-dir");
    for (Path p : segments(d)) {
      Files.delete(p);
    }
    try (var rest = Files.list(d.resolve("wal"))) {
      for (Path p : rest.toList()) {
        Files.delete(p);
      }
    }
    Files.delete(d.resolve("wal"));
    assertRefused(d, "wal", "the WAL is missing");
  }

  @Test
  void truncatingTheNewestSegmentAtItsLastFrameLosesAnAcknowledgedBatch() throws IOException {
    Path d = copy("frame-cut");
    Path newest = newest(d);
    List<Long> starts = frameStarts(newest);
    truncate(newest, starts.get(starts.size() - 1));
    assertRefused(d, newest.getFileName().toString(), "preallocated");
  }

  @Test
  void truncatingTheNewestSegmentAfterItsLastFrameIsDamageToo() throws IOException {
    Path d = copy("space-cut");
    Path newest = newest(d);
    List<Long> starts = frameStarts(newest);
    truncate(newest, starts.get(starts.size() - 1) + WalFormat.SECTOR * 2L);
    assertRefused(d, newest.getFileName().toString(), "preallocated");
  }

  @Test
  void truncatingAnySegmentAtRandomOffsetsIsRefused() throws IOException {
    SplittableRandom rnd = new SplittableRandom(SEED);
    List<Path> all = segments(pristine);
    for (int n = 0; n < 12; n++) {
      Path d = copy("random-" + n);
      // Every other cut in the newest segment: where a crash model that trusts the newest would be fooled.
      Path victim = d.resolve("wal").resolve(all.get(n % 2 == 0 ? all.size() - 1 : rnd.nextInt(all.size()))
          .getFileName());
      long at = rnd.nextLong(Files.size(victim));
      truncate(victim, at);
      assertRefused(d, victim.getFileName().toString(), victim.getFileName() + " at offset");
    }
  }

  @Test
  void deletingTheSnapshotTheLogStartsAfterIsRefused() throws IOException {
    Path d = copy("snap-deleted");
    Path snap = d.resolve("snap").resolve(SnapshotFile.fileName(1, SNAPSHOT_AT));
    Files.delete(snap);
    assertRefused(d, snap.getFileName().toString(), "no such file");
  }

  @Test
  void aFlippedBitInASnapshotIsRefused() throws IOException {
    Path snap = Path.of("snap").resolve(SnapshotFile.fileName(1, SNAPSHOT_AT));
    long size = Files.size(pristine.resolve(snap));
    for (long at : new long[] {0, 1500, size - 40, size - 5}) {
      Path d = copy("snap-bit-" + at);
      flipBit(d.resolve(snap), at);
      assertRefused(d, snap.getFileName().toString(), "snapshot");
    }
  }

  /**
   * An unreadable segment: the reason is said, not only the path. chmod 000 stops no read by root (as in
   * CI), so there raftd's side fails the open the way the kernel does for others (AccessDeniedException)
   * and verify's side meets a segment it cannot read for another reason (a directory in its place); as
   * any other user both meet the real chmod.
   */
  @Test
  void anUnreadableSegmentIsNamedWithTheReason() throws IOException {
    Path d = copy("unreadable");
    Path victim = segments(d).get(1);
    Files.setPosixFilePermissions(victim, PosixFilePermissions.fromString("---------"));
    if (!Files.isReadable(victim)) {
      assertRefused(d, victim.getFileName().toString(), "permission denied");
      assertTrue(verify(d).err().contains("permission denied"), verify(d).toString());
      return;
    }
    assertRaftdRefuses(d, new FaultyFileIO().denyOpen(victim), victim.getFileName().toString(), "permission denied");

    Files.delete(victim);
    Files.createDirectory(victim);
    assertVerifyRefuses(d, victim.getFileName().toString());
    assertTrue(verify(d).err().contains("Is a directory"), verify(d).toString());
  }

  @Test
  void filesAndDirectoriesAreTheOwnersOnly() throws IOException {
    try (Stream<Path> all = Files.walk(pristine)) {
      for (Path p : all.toList()) {
        String mode = PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
        if (!p.equals(pristine)) {  // the test framework made the root
          assertEquals(Files.isDirectory(p) ? "rwx------" : "rw-------", mode, p.toString());
        }
      }
    }
  }

  // ---- Helpers ----

  private Path copy(String name) throws IOException {
    Path to = work.resolve(name);
    try (Stream<Path> all = Files.walk(pristine)) {
      for (Path p : all.toList()) {
        Path target = to.resolve(pristine.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    }
    return to;
  }

  private static List<Path> segments(Path dataDir) throws IOException {
    return TestWal.segments(dataDir);
  }

  private static Path newest(Path dataDir) throws IOException {
    List<Path> all = segments(dataDir);
    return all.get(all.size() - 1);
  }

  /** Where each frame of a segment starts: the sectors whose stamp names a new frame number. */
  private static List<Long> frameStarts(Path segment) throws IOException {
    List<Long> starts = new ArrayList<>();
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ)) {
      ByteBuffer sector = ByteBuffer.allocate(WalFormat.SECTOR);
      long previous = 0;
      for (long at = WalFormat.SEGMENT_HEADER_BYTES; at < ch.size(); at += WalFormat.SECTOR) {
        ch.read(sector.clear(), at);
        long stamp = sector.getLong(0);
        if (stamp == 0) {
          break;
        }
        if (stamp != previous) {
          starts.add(at);
        }
        previous = stamp;
      }
    }
    assertTrue(starts.size() >= 2, segment + " holds frames: " + starts);
    return starts;
  }

  private static void truncate(Path file, long size) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.truncate(size);
    }
  }

  private static void zero(Path file, long at, int n) throws IOException {
    TestWal.zero(file, at, n);
  }

  private static void flipBit(Path file, long at) throws IOException {
    TestWal.flipBit(file, at, 3);
  }
}
