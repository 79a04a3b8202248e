package io.raftd.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.SnapshotMetadata;
import io.raftd.storage.WalCrashStateTest.Batch;
import io.raftd.storage.WalCrashStateTest.Expect;
import io.raftd.storage.WalCrashStateTest.History;
import io.raftd.walformat.WalFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The torn-tail-versus-corruption rule in a recycled segment, whose file still holds the frames of its
 * earlier lives ({@link WalFormat}): stale frames after the tail are the end of the log, a torn new
 * frame over stale bytes is a torn tail, and damage inside the written region is still corruption, named
 * with file and offset. The history is written through the WAL itself: the log compacts behind a
 * snapshot, the freed segments go into the pool, and the last two batches land in a recycled segment.
 */
@ExtendWith(WalTally.Summary.class)
class RecycledSegmentTest {
  private static History history;
  private static Batch last;
  private static Batch previous;

  @BeforeAll
  static void writeIntoARecycledSegment() throws IOException {
    List<WalCrashStateTest.Writes> writes = new ArrayList<>();
    long next = 1;
    // Three segments' worth of 2-sector frames, then a snapshot that frees the first two.
    for (int b = 0; b < 18; b++, next += 3) {
      long first = next;
      writes.add((wal, m) -> WalCrashStateTest.append(wal, m, WalFiles.entries(first, first + 2, 1, 200, first),
          WalCrashStateTest.hs(1, first - 1)));
    }
    long snapshotAt = next - 1;
    writes.add((wal, m) -> {
      SnapshotMetadata s = SnapshotMetadata.newBuilder().setIndex(snapshotAt).setTerm(1)
          .setConfiguration(WalFiles.BOOT).build();
      wal.snapshotTaken(s, snapshotAt);
      m.taken(s, snapshotAt);
    });
    // Into the next segments, recycled: a segment's worth of batches, then one short batch and a long one.
    for (int b = 0; b < 8; b++, next += 3) {
      long first = next;
      writes.add((wal, m) -> WalCrashStateTest.append(wal, m, WalFiles.entries(first, first + 2, 1, 200, first),
          WalCrashStateTest.hs(1, first - 1)));
    }
    long shortAt = next;
    writes.add((wal, m) -> WalCrashStateTest.append(wal, m, WalFiles.entries(shortAt, shortAt + 2, 2, 200, 7),
        WalCrashStateTest.hs(2, shortAt - 1)));
    long longAt = next + 3;
    writes.add((wal, m) -> WalCrashStateTest.append(wal, m, WalFiles.entries(longAt, longAt + 5, 2, 250, 8),
        WalCrashStateTest.hs(2, longAt - 1)));
    history = WalCrashStateTest.history(8 << 10, writes);
    last = history.last(0);
    previous = history.last(1);
  }

  private static ByteBuffer header(Map<String, byte[]> files, String file) {
    return ByteBuffer.wrap(files.get(file), 0, WalFormat.SEGMENT_HEADER_BYTES).slice();
  }

  private static long seqOf(String file) {
    return WalFormat.parseSegmentName(file).seq();
  }

  /** Whether the sector at {@code at} of {@code file} begins with an earlier generation's stamp. */
  private static boolean stale(Map<String, byte[]> files, String file, long at) {
    ByteBuffer h = header(files, file);
    return WalFormat.staleStamp(ByteBuffer.wrap(files.get(file)).getLong((int) at), seqOf(file), WalFormat.staleSince(h));
  }

  @Test
  void theLastTwoBatchesLandInARecycledSegmentOverStaleFrames() {
    assertEquals(previous.file(), last.file(), "both batches in one segment");
    Map<String, byte[]> after = last.sectors(all(last));
    long staleSince = WalFormat.staleSince(header(after, last.file()));
    assertTrue(staleSince > 0 && staleSince < seqOf(last.file()), "a recycled segment names its earlier generations: "
        + staleSince);
    assertTrue(stale(last.pre(), last.file(), last.position()), "the last frame goes over a stale frame");
    assertTrue(last.sectorCount() >= 3 && previous.sectorCount() >= 2, "multi-sector frames");
  }

  @Test
  void staleFramesOfAnEarlierGenerationAfterTheTailAreTheEndOfTheLog() {
    Map<String, byte[]> after = last.sectors(all(last));
    long tail = last.position() + last.frame().length;
    assertTrue(stale(after, last.file(), tail), "a stale frame follows the last good frame");
    assertEquals(null, WalCrashStateTest.check(after, history.options(), Expect.clean(last.after())));
    // Before the last batch, a stale frame sits exactly where the next frame goes.
    assertEquals(null, WalCrashStateTest.check(last.pre(), history.options(), Expect.clean(last.before())));
  }

  @Test
  void aTornNewFrameOverStaleBytesIsATornTail() {
    WalTally.Count count = new WalTally.Count();
    int n = last.sectorCount();
    for (int k = 1; k < n; k++) {
      boolean[] prefix = new boolean[n];
      java.util.Arrays.fill(prefix, 0, k, true);
      String fail = WalCrashStateTest.check(last.sectors(prefix), history.options(),
          Expect.torn(last.before(), last.file(), last.position()));
      count.crashState(fail == null ? null : "first " + k + " of " + n + " sectors written: " + fail);
    }
    WalCrashStateTest.randomSectors(history, last, 300, 44, "recycled segment", count);
    assertTrue(count.misses.isEmpty(), () -> "of " + count.crashStates + " crash states, " + count.firstMisses());
  }

  @Test
  void damageInsideTheWrittenRegionOfARecycledSegmentIsStillCorruption() {
    String file = previous.file();
    long seq = seqOf(file);
    // A sector of the second-to-last frame made to look like an earlier generation's (its stamp's seq one
    // lower): a lost sector would look the same, but a frame of this generation follows, so it is damage.
    Map<String, byte[]> staleLooking = last.sectors(all(last));
    int sector = (int) previous.position() + WalFormat.SECTOR;
    ByteBuffer.wrap(staleLooking.get(file)).putLong(sector, WalFormat.stamp(seq - 1, 1));
    assertTrue(stale(staleLooking, file, sector));
    assertEquals(null, WalCrashStateTest.refused(staleLooking, history.options(), file, sector));

    // A flipped bit in the second-to-last frame's header.
    Map<String, byte[]> flipped = last.sectors(all(last));
    flipped.get(file)[(int) previous.position() + WalFormat.STAMP_BYTES + 1] ^= 8;
    assertEquals(null, WalCrashStateTest.refused(flipped, history.options(), file, previous.position()));

    // A flipped bit in the generation of a stamp of the synced last frame, so that it names an earlier
    // generation the file holds: it looks like a sector the crash lost, but its content completes the frame.
    long staleSince = WalFormat.staleSince(header(last.pre(), file));
    int bit = -1;
    for (int k = 0; k < 24 && bit < 0; k++) {
      long flippedSeq = seq ^ (1L << k);
      bit = flippedSeq < seq && flippedSeq >= staleSince ? k : -1;
    }
    assertTrue(bit >= 0, "a one-bit flip of seq " + seq + " names a generation from " + staleSince);
    for (int s = 0; s < last.sectorCount(); s++) {
      Map<String, byte[]> flippedStamp = last.sectors(all(last));
      int at = (int) last.position() + s * WalFormat.SECTOR;
      flippedStamp.get(file)[at + 3 - bit / 8] ^= (byte) (1 << (bit % 8));
      assertTrue(stale(flippedStamp, file, at), "sector " + s + " now looks stale");
      assertEquals(null, WalCrashStateTest.refused(flippedStamp, history.options(), file, at), "sector " + s);
    }

    // A flipped bit in the last frame's stamp, turning it into garbage rather than an earlier generation's.
    Map<String, byte[]> garbage = last.sectors(all(last));
    garbage.get(file)[(int) last.position() + WalFormat.SECTOR] ^= 0x10;
    assertNotEquals(null, WalCrashStateTest.check(garbage, history.options(), Expect.clean(last.after())));
    assertEquals(null, WalCrashStateTest.refused(garbage, history.options(), file, last.position() + WalFormat.SECTOR));
  }

  private static boolean[] all(Batch b) {
    boolean[] kept = new boolean[b.sectorCount()];
    java.util.Arrays.fill(kept, true);
    return kept;
  }
}
