package io.raftd.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.walformat.WalFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Any single-bit flip in fsynced bytes is corruption, on the real file system: every bit of the last two
 * frames of the log (their records' header fields and bodies, the frame headers, stamps, zero padding and
 * trailers), every bit of every segment header's fields, and random bits everywhere else (closed segments,
 * the open segment, its zero-filled preallocated region after the end of the log, the zero rest of the
 * header sectors). {@code WriteAheadLog.open} must throw a one-line {@link WalCorruptionException} naming
 * the file and an offset inside the damaged frame (or sector) at or before the flipped bit. Snapshot files:
 * {@link SnapshotStore#load} must throw {@link SnapshotDamagedException} naming the file.
 */
@ExtendWith(WalTally.Summary.class)
class WalBitFlipTest {
  private static final WalTally.Count TOTAL = new WalTally.Count();
  private static final long SEGMENT_BYTES = 8 << 10;

  @TempDir Path root;

  @AfterAll
  static void tally() {
    WalTally.add(TOTAL);
  }

  private WriteAheadLog.Options options() {
    return new WriteAheadLog.Options(SEGMENT_BYTES, WriteAheadLog.FsyncPolicy.ALWAYS, 1 << 10, Runnable::run);
  }

  private WriteAheadLog open(Path dir) throws IOException {
    return WriteAheadLog.open(new NioFileIO(), dir, options(), WalFiles.BOOT);
  }

  /**
   * A log over several segments (closed ones and the open one with preallocated space after its end),
   * with a taken snapshot, hard states and a truncation; the last two batches are small: one entry and a
   * hard state each, the first filling its sector so that its trailer takes one of its own.
   */
  private Path writeLog() throws IOException {
    Path dir = root.resolve("wal");
    try (WriteAheadLog wal = open(dir)) {
      wal.append(null, hs(1, 0), WalFiles.entries(1, 8, 1, 300, 1));
      wal.append(null, hs(1, 8), WalFiles.entries(9, 16, 1, 250, 2));
      wal.snapshotTaken(SnapshotMetadata.newBuilder().setIndex(8).setTerm(1).setConfiguration(WalFiles.BOOT).build(), 3);
      wal.writeBatch();
      wal.sync();
      wal.compact();
      wal.deleteCompactedSegments();
      wal.append(null, hs(1, 12), WalFiles.entries(17, 30, 1, 400, 3));
      wal.append(null, hs(2, 14), WalFiles.entries(25, 28, 2, 150, 4));
      wal.append(null, hs(2, 16), WalCrashStateTest.trailerAlone(WalFiles.entries(29, 29, 2, 200, 5), hs(2, 16)));
      wal.append(null, hs(2, 20), WalFiles.entries(30, 30, 2, 120, 6));
      assertTrue(wal.segmentFiles().size() >= 3, "closed segments and an open one: " + wal.segmentFiles());
    }
    deleteTemps(dir);
    return dir;
  }

  private static HardState hs(long term, long commit) {
    return HardState.newBuilder().setTerm(term).setVotedFor(1).setCommit(commit).build();
  }

  private static void deleteTemps(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        if (p.getFileName().toString().endsWith(WalFormat.TEMP_SUFFIX)) {
          Files.delete(p);
        }
      }
    }
  }

  /** Where each frame of a segment starts, and (last) where the log ends. */
  static List<Long> frameStarts(byte[] segment) {
    List<Long> starts = new ArrayList<>();
    int pos = WalFormat.SEGMENT_HEADER_BYTES;
    while (pos + WalFormat.SECTOR <= segment.length && ByteBuffer.wrap(segment, pos, 8).getLong() >>> 56 == 0xA5) {
      starts.add((long) pos);
      int payload = ByteBuffer.wrap(segment, pos + WalFormat.STAMP_BYTES, 4).getInt();
      pos += WalFormat.frameSectors(payload) * WalFormat.SECTOR;
    }
    starts.add((long) pos);
    return starts;
  }

  /** The start of what a flip at {@code at} damages: the segment header, its frame, or its sector past the log's end. */
  static long unitStart(List<Long> frames, long at) {
    if (at < WalFormat.SEGMENT_HEADER_BYTES) {
      return 0;
    }
    for (int k = frames.size() - 2; k >= 0; k--) {
      if (at >= frames.get(k) && at < frames.get(k + 1)) {
        return frames.get(k);
      }
    }
    return at / WalFormat.SECTOR * WalFormat.SECTOR;
  }

  /** The WAL directory as it was written, to check it is unchanged after each flip and to restore it. */
  private record Original(Path dir, Map<String, byte[]> files) {
    static Original of(Path dir) throws IOException {
      Map<String, byte[]> files = new TreeMap<>();
      try (Stream<Path> s = Files.list(dir)) {
        for (Path p : s.toList()) {
          files.put(p.getFileName().toString(), Files.readAllBytes(p));
        }
      }
      return new Original(dir, files);
    }

    void restore() throws IOException {
      try (Stream<Path> s = Files.list(dir)) {
        for (Path p : s.toList()) {
          if (!files.containsKey(p.getFileName().toString())) {
            Files.delete(p);
          }
        }
      }
      for (Map.Entry<String, byte[]> f : files.entrySet()) {
        Files.write(dir.resolve(f.getKey()), f.getValue());
      }
    }
  }

  static void flip(Path file, long at, int bit) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ (1 << bit)));
      ch.write(b.clear(), at);
    }
  }

  /**
   * Flips bit {@code bit} of byte {@code at} of {@code file}, opens the WAL, and restores the bit.
   *
   * @param unit where the damaged frame (or sector, or header) starts
   * @return null if the flip was reported as it must be, else how it was missed
   */
  String flipCase(Original original, String file, long at, int bit, long unit) throws IOException {
    Path p = original.dir().resolve(file);
    flip(p, at, bit);
    String missed;
    try {
      open(original.dir()).close();
      missed = "opened without complaint";
    } catch (WalCorruptionException e) {
      missed = judge(e.getMessage(), file, at, unit);
    } catch (IOException | RuntimeException e) {
      missed = "failed with " + e;
    }
    if (missed == null) {
      flip(p, at, bit);  // recovery refused before writing anything
    } else {
      original.restore();
    }
    return missed == null ? null : file + " byte " + at + " bit " + bit + ": " + missed;
  }

  /** Null if {@code message} is one line naming {@code file} at an offset in [unit, at]. */
  static String judge(String message, String file, long at, long unit) {
    if (message.contains("\n")) {
      return "the message is not one line: " + message;
    }
    Matcher m = Pattern.compile("(?:^|[ /])" + Pattern.quote(file) + " at offset (\\d+)[:;]").matcher(message);
    if (!m.find()) {
      return "the message does not name the file and offset: " + message;
    }
    long offset = Long.parseLong(m.group(1));
    if (offset < unit || offset > at) {
      return "the message names offset " + offset + ", outside [" + unit + ", " + at + "]: " + message;
    }
    return null;
  }

  @Test
  void everyFlippedBitInTheWalIsReportedAsCorruption() throws IOException {
    Path dir = writeLog();
    Original original = Original.of(dir);
    try (WriteAheadLog wal = open(dir)) {
      assertNull(wal.recovery().torn(), "the log opens cleanly before any flip");
    }
    original.restore();
    List<String> segments = original.files().keySet().stream().filter(n -> n.endsWith(WalFormat.SEGMENT_SUFFIX)).toList();
    String newest = segments.get(segments.size() - 1);
    Map<String, List<Long>> frames = new TreeMap<>();
    for (String s : segments) {
      frames.put(s, frameStarts(original.files().get(s)));
    }
    WalTally.Count count = new WalTally.Count();

    // Every bit of the last two frames: two records each (an entry, a hard state), headers, stamps,
    // padding (running into the next sector), trailers.
    List<Long> last = frames.get(newest);
    long from = last.get(last.size() - 3);
    long to = last.get(last.size() - 1);
    assertEquals(3 * WalFormat.SECTOR, to - from, "the last two frames: one whose trailer has a sector of its own, and one sector");
    for (long at = from; at < to; at++) {
      for (int bit = 0; bit < 8; bit++) {
        tally(count, flipCase(original, newest, at, bit, unitStart(last, at)));
      }
    }
    // Every bit of every segment header's fields (magic, version, seq, first index, checksum).
    for (String s : segments) {
      for (long at = 0; at < 32; at++) {
        for (int bit = 0; bit < 8; bit++) {
          tally(count, flipCase(original, s, at, bit, 0));
        }
      }
    }
    // Random bits: closed segments anywhere, the open segment's log, its preallocated zeros after the end
    // of the log, and the zero rest of the header sectors.
    SplittableRandom rnd = new SplittableRandom(7);
    long logEnd = last.get(last.size() - 1);
    long size = original.files().get(newest).length;
    for (int k = 0; k < 1200; k++) {
      String file;
      long at;
      switch (k % 4) {
        case 0 -> {
          file = segments.get(rnd.nextInt(segments.size() - 1));
          at = rnd.nextLong(original.files().get(file).length);
        }
        case 1 -> {
          file = newest;
          at = rnd.nextLong(WalFormat.SEGMENT_HEADER_BYTES, logEnd);
        }
        case 2 -> {
          file = newest;
          at = rnd.nextLong(logEnd, size);
        }
        default -> {
          file = segments.get(rnd.nextInt(segments.size()));
          at = rnd.nextLong(32, WalFormat.SEGMENT_HEADER_BYTES);
        }
      }
      tally(count, flipCase(original, file, at, rnd.nextInt(8), unitStart(frames.get(file), at)));
    }
    Map<String, byte[]> after = Original.of(dir).files();
    assertEquals(original.files().keySet(), after.keySet());
    for (String f : after.keySet()) {
      assertTrue(java.util.Arrays.equals(original.files().get(f), after.get(f)), f + " is restored and was never written");
    }
    finish(count);
  }

  @Test
  void everyFlippedBitInASnapshotFileIsReported() throws IOException {
    Path dir = root.resolve("snap");
    NioFileIO io = new NioFileIO();
    SnapshotStore store = new SnapshotStore(io, dir, 2);
    SplittableRandom rnd = new SplittableRandom(11);
    byte[] small = new byte[300];
    byte[] large = new byte[20_000];
    rnd.nextBytes(small);
    rnd.nextBytes(large);
    SnapshotMetadata a = store.save(SnapshotMetadata.newBuilder().setIndex(40).setTerm(2).setConfiguration(WalFiles.BOOT)
        .setId("a").build(), small);
    SnapshotMetadata b = store.save(SnapshotMetadata.newBuilder().setIndex(90).setTerm(3)
        .setConfiguration(WalWorkload.BIGGER).setId("b").build(), large);
    WalTally.Count count = new WalTally.Count();
    Path fa = dir.resolve(SnapshotStore.fileName(2, 40));
    Path fb = dir.resolve(SnapshotStore.fileName(3, 90));
    long sizeA = Files.size(fa);
    for (long at = 0; at < sizeA; at++) {
      for (int bit = 0; bit < 8; bit++) {
        tally(count, snapshotFlip(store, a, fa, at, bit));
      }
    }
    long sizeB = Files.size(fb);
    for (int k = 0; k < 500; k++) {
      // half in the trailer (metadata, its length and checksum, the magic), half in the data
      long at = k % 2 == 0 ? rnd.nextLong(b.getSize(), sizeB) : rnd.nextLong(b.getSize());
      tally(count, snapshotFlip(store, b, fb, at, rnd.nextInt(8)));
    }
    assertEquals(List.of(a, b), store.list(), "every flip was restored");
    finish(count);
  }

  /** Null if loading the snapshot with the bit flipped throws SnapshotDamagedException naming the file. */
  static String snapshotFlip(SnapshotStore store, SnapshotMetadata meta, Path file, long at, int bit) throws IOException {
    flip(file, at, bit);
    String missed;
    try {
      store.load(meta);
      missed = "loaded without complaint";
    } catch (SnapshotDamagedException e) {
      String m = e.getMessage();
      missed = m.contains(file.getFileName().toString()) && !m.contains("\n") ? null : "the message does not name the file: " + m;
    } catch (IOException | RuntimeException e) {
      missed = "failed with " + e;
    } finally {
      flip(file, at, bit);
    }
    return missed == null ? null : file.getFileName() + " byte " + at + " bit " + bit + ": " + missed;
  }

  @Test
  void theCheckerReportsAFlipThatIsNotDetected() throws IOException {
    Path dir = writeLog();
    Files.write(dir.resolve("NOTES"), new byte[] {1, 2, 3});
    Original original = Original.of(dir);
    // A bit of a file the WAL does not read: the log opens, and the checker must call that a miss.
    String missed = flipCase(original, "NOTES", 1, 0, 0);
    assertNotNull(missed, "an undetected flip is reported");
    assertTrue(missed.contains("opened without complaint"), missed);
    // A message naming the wrong offset is a miss too.
    assertNotNull(judge("x.wal at offset 4096: frame 3 trailer damaged", "x.wal", 5000, 4608));
    assertNotNull(judge("x.wal at offset 4096: frame 3\ntrailer damaged", "x.wal", 4100, 4096));
    assertNotNull(judge("y.wal at offset 4096: frame 3 trailer damaged", "x.wal", 4100, 4096));
    assertNull(judge("x.wal at offset 4096: frame 3 trailer damaged", "x.wal", 4100, 4096));
    // A snapshot file whose flipped bit lies past what load reads would be a miss as well.
    SnapshotStore store = new SnapshotStore(new NioFileIO(), root.resolve("snap"), 2);
    SnapshotMetadata a = store.save(SnapshotMetadata.newBuilder().setIndex(4).setTerm(1).setId("a").build(), new byte[10]);
    Path other = root.resolve("snap").resolve("unrelated");
    Files.write(other, new byte[] {9});
    assertNotNull(snapshotFlip(store, a, other, 0, 3), "a flip load does not see is reported");
  }

  private static void tally(WalTally.Count count, String missed) {
    count.bitFlips++;
    if (missed != null) {
      count.miss(missed);
    }
  }

  private static void finish(WalTally.Count count) {
    synchronized (TOTAL) {
      TOTAL.bitFlips += count.bitFlips;
      TOTAL.misses.addAll(count.misses);
    }
    assertTrue(count.bitFlips > 0);
    assertTrue(count.misses.isEmpty(), () -> "of " + count.bitFlips + " bit flips, " + count.firstMisses());
  }
}
