package io.raftd.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.walformat.Damage;
import io.raftd.walformat.WalFormat;
import io.raftd.walformat.WalVerifier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The WAL's operations on the real file system, one behaviour per test. */
class WriteAheadLogTest {
  static final Configuration BOOT = Configuration.newBuilder().addVoters(1).build();
  @TempDir Path dir;

  static WriteAheadLog.Options small() {
    return WriteAheadLog.Options.defaults(Runnable::run).withSegmentBytes(8 << 10);
  }

  static List<Entry> entries(long from, long to, long term, int size) {
    List<Entry> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      byte[] data = new byte[size];
      for (int k = 0; k < size; k++) {
        data[k] = (byte) (i * 31 + k + 1);
      }
      out.add(Entry.newBuilder().setIndex(i).setTerm(term).setData(ByteString.copyFrom(data)).build());
    }
    return out;
  }

  WriteAheadLog open() throws IOException {
    return WriteAheadLog.open(new NioFileIO(), dir, small(), BOOT);
  }

  @Test
  void appendedEntriesAndHardStateSurviveReopen() throws IOException {
    try (WriteAheadLog wal = open()) {
      wal.append(null, HardState.newBuilder().setTerm(2).setVotedFor(1).build(), entries(1, 10, 2, 100));
      wal.append(null, HardState.newBuilder().setTerm(2).setVotedFor(1).setCommit(10).build(), entries(11, 20, 2, 100));
    }
    try (WriteAheadLog wal = open()) {
      assertNull(wal.recovery().torn());
      assertEquals(1, wal.firstIndex());
      assertEquals(20, wal.lastIndex());
      assertEquals(10, wal.hardState().getCommit());
      assertEquals(entries(1, 20, 2, 100), wal.entries(1, 21, Long.MAX_VALUE));
    }
  }

  @Test
  void rollsOverToNewSegmentsAndReadsAcrossThem() throws IOException {
    try (WriteAheadLog wal = open()) {
      for (int b = 0; b < 20; b++) {
        wal.append(null, null, entries(b * 10 + 1, b * 10 + 10, 1, 200));
      }
      assertTrue(wal.segmentFiles().size() > 5, "segments: " + wal.segmentFiles());
    }
    try (WriteAheadLog wal = open()) {
      assertEquals(200, wal.lastIndex());
      assertEquals(entries(1, 200, 1, 200), wal.entries(1, 201, Long.MAX_VALUE));
    }
  }

  @Test
  void entriesAtLowerIndexesReplaceTheSuffix() throws IOException {
    try (WriteAheadLog wal = open()) {
      wal.append(null, null, entries(1, 10, 1, 50));
      wal.append(null, null, entries(6, 8, 2, 50));
      assertEquals(8, wal.lastIndex());
    }
    try (WriteAheadLog wal = open()) {
      assertEquals(8, wal.lastIndex());
      assertEquals(1, wal.term(5));
      assertEquals(2, wal.term(6));
      assertEquals(entries(6, 8, 2, 50), wal.entries(6, 9, Long.MAX_VALUE));
    }
  }

  @Test
  void compactionDeletesCoveredSegmentsOnlyOnceTheSnapshotRecordIsDurable() throws IOException {
    try (WriteAheadLog wal = open()) {
      for (int b = 0; b < 20; b++) {
        wal.append(null, null, entries(b * 10 + 1, b * 10 + 10, 1, 200));
      }
      int before = wal.segmentFiles().size();
      SnapshotMetadata snap = SnapshotMetadata.newBuilder().setIndex(150).setTerm(1).setConfiguration(BOOT).build();
      wal.snapshotTaken(snap, 140);
      assertEquals(before, wal.segmentFiles().size(), "nothing deleted before the record is durable");
      assertEquals(1, wal.firstIndex());
      wal.writeBatch();
      wal.sync();
      assertEquals(1, wal.firstIndex(), "the view moves only when the core's thread compacts it");
      assertEquals(150, wal.snapshot().getIndex());
      assertEquals(140, wal.compact());
      assertEquals(141, wal.firstIndex());
      assertEquals(before, wal.segmentFiles().size(), "files go on the writer's thread, after the view moved");
      wal.deleteCompactedSegments();
      assertTrue(wal.segmentFiles().size() < before);
    }
    try (WriteAheadLog wal = open()) {
      assertEquals(151, wal.firstIndex(), "after a restart the log starts after the snapshot");
      assertEquals(200, wal.lastIndex());
      assertEquals(150, wal.snapshot().getIndex());
      assertEquals(1, wal.term(150));
      assertEquals(entries(151, 200, 1, 200), wal.entries(151, 201, Long.MAX_VALUE));
    }
  }

  private List<Path> dirFiles(String suffix) throws IOException {
    try (var s = Files.list(dir)) {
      return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
    }
  }

  private static Object inode(Path p) throws IOException {
    return Files.getAttribute(p, "unix:ino");
  }

  @Test
  void compactedSegmentFilesAreRecycledUpToTheBoundAndNewSegmentsAreWrittenIntoThem() throws IOException {
    try (WriteAheadLog wal = open()) {
      for (int b = 0; b < 30; b++) {
        wal.append(null, null, entries(b * 10 + 1, b * 10 + 10, 1, 200));
      }
      int before = wal.segmentFiles().size();
      assertTrue(before > SegmentPool.LIMIT + 2, "enough segments to overflow the pool: " + before);
      wal.snapshotTaken(SnapshotMetadata.newBuilder().setIndex(300).setTerm(1).setConfiguration(BOOT).build(), 300);
      wal.writeBatch();
      wal.sync();
      wal.compact();
      wal.deleteCompactedSegments();
      List<Path> free = dirFiles(io.raftd.walformat.WalFormat.FREE_SUFFIX);
      assertEquals(SegmentPool.LIMIT, free.size(), "the pool keeps " + SegmentPool.LIMIT + " files, the rest are deleted");
      List<Object> freeInodes = new ArrayList<>();
      for (Path p : free) {
        freeInodes.add(inode(p));
      }
      Path newest = wal.segmentFiles().get(wal.segmentFiles().size() - 1);
      for (long next = 301; wal.segmentFiles().get(wal.segmentFiles().size() - 1).equals(newest); next += 10) {
        wal.append(null, null, entries(next, next + 9, 1, 200));
      }
      Path recycled = wal.segmentFiles().get(wal.segmentFiles().size() - 1);
      assertTrue(freeInodes.contains(inode(recycled)), "the new segment is written into a pooled file");
      assertEquals(SegmentPool.LIMIT - 1, dirFiles(io.raftd.walformat.WalFormat.FREE_SUFFIX).size());
      ByteBuffer header = ByteBuffer.allocate(io.raftd.walformat.WalFormat.SEGMENT_HEADER_BYTES);
      try (FileChannel ch = FileChannel.open(recycled, StandardOpenOption.READ)) {
        ch.read(header, 0);
      }
      long staleSince = io.raftd.walformat.WalFormat.staleSince(header.flip());
      assertTrue(staleSince > 0, "its header names the earlier generations it holds");
    }
    WalVerifier.Report verified = WalVerifier.verify(dir);
    assertTrue(verified.clean(), "raftctl wal verify reads the stale frames as the end of the log: " + verified);
    try (WriteAheadLog wal = open()) {
      assertNull(wal.recovery().torn());
      assertEquals(301, wal.firstIndex());
      assertEquals(entries(301, wal.lastIndex(), 1, 200), wal.entries(301, wal.lastIndex() + 1, Long.MAX_VALUE));
      assertEquals(List.of(), dirFiles(io.raftd.walformat.WalFormat.FREE_SUFFIX), "the pool is not kept across a restart");
    }
  }

  /** Rewrites a segment's header as format version 2 wrote it: no oldest generation, the CRC over 36 bytes. */
  private static void asVersion2(Path segment) throws IOException {
    try (FileChannel ch = FileChannel.open(segment, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer h = ByteBuffer.allocate(io.raftd.walformat.WalFormat.SEGMENT_HEADER_BYTES);
      ch.read(h, 0);
      h.putInt(8, 2);
      h.putInt(36, io.raftd.walformat.WalFormat.crc(h.array(), 0, 36));
      h.putLong(40, 0);
      ch.write(h.clear(), 0);
    }
  }

  @Test
  void segmentsOfFormatVersion2StillOpenReplayAndAreRecycled() throws IOException {
    try (WriteAheadLog wal = open()) {
      for (int b = 0; b < 10; b++) {
        wal.append(null, null, entries(b * 10 + 1, b * 10 + 10, 1, 200));
      }
    }
    List<Path> old = dirFiles(io.raftd.walformat.WalFormat.SEGMENT_SUFFIX);
    assertTrue(old.size() >= 3);
    for (Path p : old) {
      asVersion2(p);
    }
    try (WriteAheadLog wal = open()) {
      assertNull(wal.recovery().torn());
      assertEquals(entries(1, 100, 1, 200), wal.entries(1, 101, Long.MAX_VALUE));
      // Appended into the old newest segment, then on into new ones, and the old ones recycled.
      for (int b = 10; b < 20; b++) {
        wal.append(null, null, entries(b * 10 + 1, b * 10 + 10, 1, 200));
      }
      wal.snapshotTaken(SnapshotMetadata.newBuilder().setIndex(150).setTerm(1).setConfiguration(BOOT).build(), 150);
      wal.writeBatch();
      wal.sync();
      wal.compact();
      wal.deleteCompactedSegments();
      int pooled = dirFiles(io.raftd.walformat.WalFormat.FREE_SUFFIX).size();
      assertTrue(pooled > 0, "version 2 files are recycled too");
      for (int b = 20; b < 30; b++) {
        wal.append(null, null, entries(b * 10 + 1, b * 10 + 10, 1, 200));
      }
      assertTrue(dirFiles(io.raftd.walformat.WalFormat.FREE_SUFFIX).size() < pooled, "new segments in recycled files");
    }
    try (WriteAheadLog wal = open()) {
      assertNull(wal.recovery().torn());
      assertEquals(151, wal.firstIndex());
      assertEquals(entries(151, wal.lastIndex(), 1, 200), wal.entries(151, wal.lastIndex() + 1, Long.MAX_VALUE));
      assertEquals(300, wal.lastIndex());
    }
  }

  @Test
  void anInstalledSnapshotRestartsTheLog() throws IOException {
    try (WriteAheadLog wal = open()) {
      wal.append(null, null, entries(1, 10, 1, 50));
      SnapshotMetadata snap = SnapshotMetadata.newBuilder().setIndex(100).setTerm(3).setConfiguration(BOOT).build();
      wal.append(snap, HardState.newBuilder().setTerm(3).setCommit(100).build(), entries(101, 105, 3, 50));
    }
    try (WriteAheadLog wal = open()) {
      assertEquals(101, wal.firstIndex());
      assertEquals(105, wal.lastIndex());
      assertEquals(3, wal.term(100));
      assertEquals(100, wal.hardState().getCommit());
    }
  }

  @Test
  void aTornLastBatchIsDroppedWithItsFileOffsetAndLastGoodIndex() throws IOException {
    long tailStart;
    Path segment;
    try (WriteAheadLog wal = open()) {
      wal.append(null, null, entries(1, 5, 1, 100));
      segment = wal.segmentFiles().get(0);
      tailStart = Files.size(segment);
      wal.append(null, null, entries(6, 8, 1, 400));
    }
    // Lose the second sector of the last frame: what power loss can leave of an unsynced batch.
    long frameStart = lastFrameStart(segment);
    writeZeros(segment, frameStart + 512, 512);
    try (WriteAheadLog wal = open()) {
      assertEquals(5, wal.lastIndex());
      assertEquals(segment.getFileName().toString(), wal.recovery().torn().file());
      assertEquals(frameStart, wal.recovery().torn().offset());
      assertEquals(5, wal.recovery().lastGoodIndex());
      wal.append(null, null, entries(6, 6, 1, 10));
    }
    try (WriteAheadLog wal = open()) {
      assertNull(wal.recovery().torn(), "the torn tail was cleared");
      assertEquals(6, wal.lastIndex());
    }
    assertTrue(tailStart > 0);
  }

  @Test
  void aFlippedBitInSyncedDataRefusesToOpen() throws IOException {
    Path segment;
    try (WriteAheadLog wal = open()) {
      wal.append(null, null, entries(1, 5, 1, 100));
      wal.append(null, null, entries(6, 8, 1, 100));
      segment = wal.segmentFiles().get(0);
    }
    long at = lastFrameStart(segment) + 100;
    flipBit(segment, at, 3);
    WalCorruptionException e = assertThrows(WalCorruptionException.class, this::open);
    assertTrue(e.getMessage().contains(segment.getFileName().toString()), e.getMessage());
    assertTrue(e.getMessage().contains("raftctl wal verify"), e.getMessage());
    assertTrue(e.getMessage().contains("entries 6"), e.getMessage());
  }

  /** Regression: padding that crosses into the trailer's sector once counted that sector's stamp as padding. */
  @Test
  void framesOfEveryLengthReadBackAfterReopen() throws IOException {
    List<Entry> all = new ArrayList<>();
    try (WriteAheadLog wal = WriteAheadLog.open(new NioFileIO(), dir, small().withSegmentBytes(1 << 20), BOOT)) {
      for (int size = 0; size < 1100; size++) {  // every residue of a frame's content modulo a sector's 504
        List<Entry> one = entries(size + 1, size + 1, 1, size);
        wal.append(null, null, one);
        all.addAll(one);
      }
    }
    try (WriteAheadLog wal = WriteAheadLog.open(new NioFileIO(), dir, small().withSegmentBytes(1 << 20), BOOT)) {
      assertNull(wal.recovery().torn());
      assertEquals(all, wal.entries(1, 1101, Long.MAX_VALUE));
    }
  }

  @Test
  void aFailedFsyncFailsTheLogForGoodAndPublishesNothing() throws IOException {
    FaultyFileIO io = new FaultyFileIO();
    try (WriteAheadLog wal = WriteAheadLog.open(io, dir, small(), BOOT)) {
      wal.append(null, null, entries(1, 3, 1, 10));
      io.failForce = true;
      wal.stage(null, null, entries(4, 4, 1, 10));
      wal.writeBatch();
      IOException e = assertThrows(IOException.class, wal::sync);
      assertTrue(e.getMessage().contains("fsync"), e.getMessage());
      assertEquals(3, wal.lastIndex(), "nothing from the failed batch is published as durable");
      io.failForce = false;
      StorageFailure after = assertThrows(StorageFailure.class, () -> wal.stage(null, null, entries(5, 5, 1, 10)));
      assertTrue(after.getMessage().contains("failed earlier"), after.getMessage());
      assertEquals(1, io.forcesFailed);
    }
  }

  @Test
  void aFullDiskAtSegmentCreationRefusesTheBatchUntilSpaceReturns() throws IOException {
    FaultyFileIO io = new FaultyFileIO();
    io.diskFull = true;  // the first segment's preallocation already fails
    try (WriteAheadLog wal = WriteAheadLog.open(io, dir, small(), BOOT)) {
      wal.stage(null, null, entries(1, 3, 1, 10));
      assertThrows(NoSpaceException.class, wal::writeBatch);
      assertThrows(NoSpaceException.class, wal::writeBatch, "still full: still refused, not failed");
      assertTrue(wal.outOfSpace());
      assertEquals(0, wal.lastIndex());
      assertTrue(io.writesRefused >= 2);
      wal.stage(null, null, entries(4, 5, 1, 10));  // staged while the refused batch waits
      io.diskFull = false;
      assertEquals(3, wal.writeBatch().entries(), "the refused batch goes first, alone");
      wal.sync();
      assertEquals(3, wal.lastIndex(), "the batch lands once space returns");
      assertFalse(wal.outOfSpace());
      assertEquals(2, wal.writeBatch().entries(), "then what was staged behind it");
      wal.sync();
    }
    try (WriteAheadLog wal = WriteAheadLog.open(new NioFileIO(), dir, small(), BOOT)) {
      assertEquals(5, wal.lastIndex());
      assertEquals(entries(1, 5, 1, 10), wal.entries(1, 6, Long.MAX_VALUE));
    }
  }

  @Test
  void aBatchTellsTheStageCallsEntriesAndSnapshotRecordsItHolds() throws IOException {
    try (WriteAheadLog wal = open()) {
      assertEquals(WriteAheadLog.Written.NOTHING, wal.writeBatch(), "nothing staged");
      wal.stage(null, null, entries(1, 3, 1, 10));
      wal.stage(null, HardState.newBuilder().setTerm(1).setCommit(3).build(), List.of());
      wal.stage(null, null, List.of());  // a write with nothing to record still counts: its caller waits for it
      wal.snapshotTaken(SnapshotMetadata.newBuilder().setIndex(2).setTerm(1).setConfiguration(BOOT).build(), 2);
      WriteAheadLog.Written w = wal.writeBatch();
      assertEquals(3, w.stages());
      assertEquals(3, w.entries());
      assertEquals(1, w.snapshotsTaken());
      assertTrue(w.bytes() > 0 && w.bytes() % WalFormat.SECTOR == 0, "frame bytes " + w.bytes());
      wal.sync();
      wal.stage(null, null, List.of());
      WriteAheadLog.Written empty = wal.writeBatch();
      assertEquals(new WriteAheadLog.Written(0, 1, 0, 0), empty, "a frame with no record is not written");
      wal.sync();
      assertEquals(2, wal.snapshot().getIndex());
    }
  }

  /**
   * As in the daemon, one thread stages (the RaftLoop) while another writes and syncs (the WAL writer),
   * over many rollovers: every entry lands once, in order, and each batch accounts for exactly the stage
   * calls it took.
   */
  @Test
  void aStagerAndAWriterOnTwoThreadsLoseAndReorderNothing() throws Exception {
    int stages = 3000;
    AtomicReference<Throwable> stagerFailed = new AtomicReference<>();
    AtomicBoolean done = new AtomicBoolean();
    SplittableRandom random = new SplittableRandom(19);
    int[] sizes = random.ints(stages, 1, 6).toArray();
    long last = Arrays.stream(sizes).sum();
    WriteAheadLog.Options options = small().withFsync(WriteAheadLog.FsyncPolicy.NEVER);
    try (WriteAheadLog wal = WriteAheadLog.open(new NioFileIO(), dir, options, BOOT)) {
      Thread stager = new Thread(() -> {
        try {
          long next = 1;
          for (int k = 0; k < sizes.length; k++) {
            wal.stage(null, HardState.newBuilder().setTerm(1).setCommit(next - 1).build(),
                entries(next, next + sizes[k] - 1, 1, 40));
            next += sizes[k];
            while (k % 300 == 299 && wal.hasStaged()) {
              Thread.onSpinWait();  // now and then the writer takes all: at least ten batches, whatever the timing
            }
          }
        } catch (Throwable t) {
          stagerFailed.set(t);
        } finally {
          done.set(true);
        }
      });
      stager.start();
      long stagesWritten = 0;
      long entriesWritten = 0;
      int batches = 0;
      while (!done.get() || wal.hasStaged()) {
        WriteAheadLog.Written w = wal.writeBatch();
        wal.sync();
        stagesWritten += w.stages();
        entriesWritten += w.entries();
        batches += w.stages() > 0 ? 1 : 0;
      }
      stager.join();
      assertNull(stagerFailed.get());
      assertEquals(stages, stagesWritten);
      assertEquals(last, entriesWritten);
      assertTrue(batches >= 10, batches + " batches: the writer did not run beside the stager");
      assertTrue(wal.segmentFiles().size() > 3, "rollovers happened: " + wal.segmentFiles().size() + " segments");
    }
    try (WriteAheadLog wal = WriteAheadLog.open(new NioFileIO(), dir, small(), BOOT)) {
      assertEquals(last, wal.lastIndex());
      assertEquals(last - sizes[sizes.length - 1], wal.hardState().getCommit());
      List<Entry> all = wal.entries(1, last + 1, Long.MAX_VALUE);
      assertEquals(last, all.size());
      for (int i = 0; i < all.size(); i++) {
        assertEquals(i + 1, all.get(i).getIndex());
        assertEquals(entries(i + 1, i + 1, 1, 40).get(0), all.get(i));
      }
    }
  }

  @Test
  void theOfflineVerifierCountsATornTailAndAFlippedBitAsDamage() throws IOException {
    Path segment;
    try (WriteAheadLog wal = open()) {
      wal.append(null, null, entries(1, 5, 1, 100));
      wal.append(null, null, entries(6, 8, 1, 400));
      segment = wal.segmentFiles().get(0);
    }
    WalVerifier.Report clean = WalVerifier.verify(dir);
    assertTrue(clean.clean(), clean.toString());
    assertEquals(1, clean.segments().get(0).firstEntry());
    assertEquals(8, clean.segments().get(0).lastEntry());

    long frame = lastFrameStart(segment);
    byte[] original = Files.readAllBytes(segment);
    writeZeros(segment, frame + 512, 512);
    Damage torn = WalVerifier.verify(dir).segments().get(0).damage();
    assertEquals(Damage.Kind.TORN, torn.kind());
    assertEquals(frame, torn.offset());

    Files.write(segment, original);
    flipBit(segment, original.length - 100, 0);  // in the zero-filled space after the end of the log
    Damage flipped = WalVerifier.verify(dir).segments().get(0).damage();
    assertEquals(Damage.Kind.CORRUPT, flipped.kind());
    assertEquals((original.length - 100) / 512 * 512, flipped.offset());
  }

  /** The start of the last frame in a segment: the last sector-aligned offset whose sector starts with a stamp of 0xA5. */
  static long lastFrameStart(Path segment) throws IOException {
    byte[] b = Files.readAllBytes(segment);
    long last = -1;
    for (int at = 512; at < b.length; at += 512) {
      ByteBuffer bb = ByteBuffer.wrap(b, at, 20);
      long stamp = bb.getLong();
      if ((stamp >>> 56) == 0xA5 && (at == 512 || ByteBuffer.wrap(b, at - 8, 8).getLong() == stamp - 1)) {
        last = at;
      }
    }
    return last;
  }

  static void writeZeros(Path file, long at, int n) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.allocate(n), at);
    }
  }

  static void flipBit(Path file, long at, int bit) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ (1 << bit)));
      b.clear();
      ch.write(b, at);
    }
  }
}
