package io.raftd.storage;

import static io.raftd.storage.WriteAheadLogTest.BOOT;
import static io.raftd.storage.WriteAheadLogTest.entries;
import static io.raftd.storage.WriteAheadLogTest.flipBit;
import static io.raftd.storage.WriteAheadLogTest.small;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.datadir.DataDirFile;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.MemberIdentity;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.proto.VoteBarrier;
import io.raftd.walformat.OfflineWal;
import io.raftd.walformat.WalRepair;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL that {@code raftctl wal repair} leaves ({@link WalRepair}) is one recovery accepts, holding
 * exactly the log up to the index asked for, after the newest snapshot, with the commit capped there;
 * the vote barrier it records covers everything the WAL held.
 */
class WalRepairTest {
  @TempDir Path dataDir;

  private Path walDir() {
    return dataDir.resolve("wal");
  }

  private WriteAheadLog open() throws IOException {
    return WriteAheadLog.open(new NioFileIO(), walDir(), small(), BOOT);
  }

  /** 200 entries of term 2 over many segments, a snapshot at 150 (log compacted to 140), commit 190. */
  private List<Entry> writeLog() throws IOException {
    List<Entry> all = new ArrayList<>();
    try (WriteAheadLog wal = open()) {
      for (int b = 0; b < 20; b++) {
        List<Entry> batch = entries(b * 10 + 1, b * 10 + 10, 2, 200);
        all.addAll(batch);
        wal.append(null, HardState.newBuilder().setTerm(3).setVotedFor(7).setCommit(Math.min(190, b * 10)).build(), batch);
        wal.compact();  // as the daemon does once the core has heard of the snapshot (nothing to do until then)
        wal.deleteCompactedSegments();
        if (b == 15) {
          wal.snapshotTaken(SnapshotMetadata.newBuilder().setIndex(150).setTerm(2).setConfiguration(BOOT).build(), 140);
        }
      }
      wal.append(null, HardState.newBuilder().setTerm(3).setVotedFor(7).setCommit(190).build(), List.of());
    }
    return all;
  }

  @Test
  void recoveryAcceptsEveryCutFromTheSnapshotToTheEnd() throws Exception {
    List<Entry> all = writeLog();
    Path pristine = Files.createTempDirectory(dataDir.getParent(), "pristine");
    copy(walDir(), pristine);
    for (long cut = 150; cut <= 200; cut += 7) {
      replaceWith(pristine, walDir());
      Files.deleteIfExists(dataDir.resolve(DataDirFile.VOTE_BARRIER));

      WalRepair.apply(WalRepair.plan(dataDir, cut));

      try (WriteAheadLog wal = open()) {
        assertNull(wal.recovery().torn(), "cut " + cut);
        assertEquals(150, wal.snapshot().getIndex());
        assertEquals(151, wal.firstIndex());
        assertEquals(cut, wal.lastIndex());
        assertEquals(all.subList(150, (int) cut), wal.entries(151, cut + 1, Long.MAX_VALUE));
        assertEquals(HardState.newBuilder().setTerm(3).setVotedFor(7).setCommit(Math.min(190, cut)).build(),
            wal.hardState());
        assertEquals(1, wal.segmentFiles().size(), "one segment left");
      }
      VoteBarrier barrier = DataDirFile.read(dataDir.resolve(DataDirFile.VOTE_BARRIER), VoteBarrier.parser());
      assertEquals(3, barrier.getTerm(), "the hard state's term, the highest the WAL shows");
      assertEquals(200, barrier.getIndex());
      assertEquals(cut, barrier.getTruncatedAfter());
      assertTrue(OfflineWal.read(walDir()).clean(), "verify finds nothing wrong after the repair");
    }
  }

  @Test
  void aRepairedLogTakesNewEntriesAndASecondRepairKeepsTheFirstBarrier() throws Exception {
    writeLog();
    WalRepair.apply(WalRepair.plan(dataDir, 170));
    try (WriteAheadLog wal = open()) {
      wal.append(null, null, entries(171, 175, 4, 100));
    }
    WalRepair.apply(WalRepair.plan(dataDir, 160));
    try (WriteAheadLog wal = open()) {
      assertEquals(160, wal.lastIndex());
    }
    VoteBarrier barrier = DataDirFile.read(dataDir.resolve(DataDirFile.VOTE_BARRIER), VoteBarrier.parser());
    assertEquals(4, barrier.getTerm(), "term 4 from the entries written after the first repair");
    assertEquals(200, barrier.getIndex(), "the first repair's index still stands");
    assertEquals(160, barrier.getTruncatedAfter());
  }

  @Test
  void aTermNoHardStateRecordsTakesAVoteForTheMemberItself() throws Exception {
    writeLog();
    try (WriteAheadLog wal = open()) {
      wal.append(null, null, entries(201, 205, 4, 100));  // a term-4 leader's entries; the hard state saying so is lost
    }
    DataDirFile.write(dataDir.resolve(DataDirFile.IDENTITY), MemberIdentity.newBuilder().setMemberId(99).setName("n9").build());

    WalRepair.apply(WalRepair.plan(dataDir, 200));

    try (WriteAheadLog wal = open()) {
      assertEquals(HardState.newBuilder().setTerm(4).setVotedFor(99).setCommit(190).build(), wal.hardState(),
          "it may have voted in term 4: it must not vote for another member in it");
    }
  }

  @Test
  void aDamagedClosedSegmentIsCutAtItsLastGoodEntryAndTheSegmentsAfterItGo() throws Exception {
    writeLog();
    List<Path> segments;
    try (Stream<Path> s = Files.list(walDir())) {
      segments = s.filter(p -> p.toString().endsWith(".wal")).sorted().toList();
    }
    assertTrue(segments.size() >= 3, segments.toString());
    Path damaged = segments.get(segments.size() - 2);  // closed and synced: corruption, not a torn tail
    flipBit(damaged, 512 + 700, 2);
    assertThrows(WalCorruptionException.class, this::open);
    OfflineWal before = OfflineWal.read(walDir());
    long lastGood = before.log.last();
    assertTrue(lastGood < 200 && before.highestIndex == 200, lastGood + " " + before.highestIndex);

    WalRepair.Refused beyond = assertThrows(WalRepair.Refused.class, () -> WalRepair.plan(dataDir, lastGood + 1));
    assertTrue(beyond.badIndex);
    assertTrue(beyond.getMessage().contains("beyond the last index " + lastGood), beyond.getMessage());
    WalRepair.apply(WalRepair.plan(dataDir, lastGood));

    try (WriteAheadLog wal = open()) {
      assertEquals(lastGood, wal.lastIndex());
    }
    assertFalse(Files.exists(segments.get(segments.size() - 1)), "segments after the damage are deleted");
    assertEquals(200, DataDirFile.read(dataDir.resolve(DataDirFile.VOTE_BARRIER), VoteBarrier.parser()).getIndex(),
        "the barrier counts the entries readable after the damage too");
  }

  @Test
  void aCutBelowTheSnapshotOrBeyondTheLogIsRefusedAndWritesNothing() throws Exception {
    writeLog();
    byte[][] before = snapshotOf(walDir());

    WalRepair.Refused below = assertThrows(WalRepair.Refused.class, () -> WalRepair.plan(dataDir, 149));
    WalRepair.Refused beyond = assertThrows(WalRepair.Refused.class, () -> WalRepair.plan(dataDir, 201));

    assertTrue(below.badIndex && beyond.badIndex);
    assertTrue(below.getMessage().contains("below the snapshot at index 150"), below.getMessage());
    assertTrue(beyond.getMessage().contains("beyond the last index 200"), beyond.getMessage());
    assertTrue(java.util.Arrays.deepEquals(before, snapshotOf(walDir())), "the WAL is untouched");
    assertFalse(Files.exists(dataDir.resolve(DataDirFile.VOTE_BARRIER)));
  }

  private static byte[][] snapshotOf(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      List<Path> files = s.sorted().toList();
      byte[][] out = new byte[files.size()][];
      for (int i = 0; i < files.size(); i++) {
        out[i] = Files.readAllBytes(files.get(i));
      }
      return out;
    }
  }

  private static void copy(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.list(from)) {
      for (Path p : s.toList()) {
        Files.copy(p, to.resolve(p.getFileName()));
      }
    }
  }

  private static void replaceWith(Path from, Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      for (Path p : s.toList()) {
        Files.delete(p);
      }
    }
    copy(from, dir);
  }
}
