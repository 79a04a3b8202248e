package io.raftd.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.sim.SimFileSystem;
import io.raftd.walformat.WalFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Seeded random sequences of appends, truncations (entries at a lower index), snapshots taken and
 * compacted, snapshots installed, group-committed and pipelined batches and restarts, against
 * {@link WalModel}: after every step the WAL's storage view (first and last index, every term, every
 * entry, ranges under a byte limit, hard state, snapshot, configuration) equals the model's, nothing
 * written shows before its sync, and compaction deletes the segments it covers.
 */
@ExtendWith(WalTally.Summary.class)
class WalModelTest {
  private static final Path DIR = Path.of("/wal");
  private static final Configuration BIGGER = WalWorkload.BIGGER;

  @TempDir Path tmp;

  /** One run: the WAL, the model it must match, and the operations' random source. */
  private static final class Run {
    final FileIO io;
    final Path dir;
    final WriteAheadLog.Options options;
    final SplittableRandom rnd;
    WriteAheadLog wal;
    WalModel model = new WalModel(WalFiles.BOOT);
    long term = 1;
    int step;
    int reopens;
    int truncations;
    int compactions;
    int installs;
    int deletions;

    Run(FileIO io, Path dir, long seed, long segmentBytes) throws IOException {
      this.io = io;
      this.dir = dir;
      this.rnd = new SplittableRandom(seed);
      this.options = new WriteAheadLog.Options(segmentBytes, WriteAheadLog.FsyncPolicy.ALWAYS, 3 << 10, Runnable::run);
      this.wal = WriteAheadLog.open(io, dir, options, WalFiles.BOOT);
    }

    void check(String what) {
      String d = model.diff(wal);
      if (d == null && model.last() >= model.base() + 1) {
        long lo = model.base() + 1 + rnd.nextLong(model.last() - model.base());
        long hi = lo + 1 + rnd.nextLong(model.last() - lo + 1);
        d = model.diffRange(wal, lo, hi, rnd.nextInt(3) == 0 ? 0 : rnd.nextLong(4000));
      }
      if (d != null) {
        throw new AssertionError("step " + step + " (" + what + "): " + d + "; model " + model);
      }
    }

    List<Entry> fresh(long from) {
      List<Entry> es = new ArrayList<>();
      for (int k = rnd.nextInt(1, 9); k > 0; k--) {
        int r = rnd.nextInt(25);
        int size = r == 0 ? rnd.nextInt(3000, 9000) : r < 4 ? 0 : rnd.nextInt(1, 700);
        es.add(WalFiles.entry(from + es.size(), term, size, rnd));
      }
      return es;
    }

    HardState hardState(long last) {
      long c = model.commit() >= last ? model.commit() : model.commit() + rnd.nextLong(last - model.commit() + 1);
      return HardState.newBuilder().setTerm(term).setVotedFor(rnd.nextInt(1, 4)).setCommit(c).build();
    }

    /** Writes and syncs what is staged, checking that nothing shows before the sync. */
    void writeAndSync(WalModel after, String what) throws IOException {
      wal.writeBatch();
      check(what + ", written, not synced");
      wal.sync();
      model = after;
      check(what);
    }

    void step() throws IOException {
      step++;
      int op = rnd.nextInt(100);
      if (op < 35) {
        List<Entry> es = fresh(model.last() + 1);
        HardState hs = rnd.nextBoolean() ? hardState(es.get(es.size() - 1).getIndex()) : null;
        wal.stage(null, hs, es);
        check("append staged");
        WalModel after = model.copy().entries(es);
        writeAndSync(hs == null ? after : after.hardState(hs), "append");
      } else if (op < 47) {
        long from = Math.max(model.commit(), model.base()) + 1;
        if (from > model.last()) {
          return;
        }
        long at = from + rnd.nextLong(model.last() - from + 1);
        term++;
        List<Entry> es = fresh(at);
        HardState hs = hardState(es.get(es.size() - 1).getIndex());
        wal.stage(null, hs, es);
        writeAndSync(model.copy().entries(es).hardState(hs), "truncate at " + at);
        truncations++;
      } else if (op < 60) {
        long at = model.commit();
        if (at <= model.snapshot().getIndex() || at < model.base()) {
          return;
        }
        SnapshotMetadata s = SnapshotMetadata.newBuilder().setIndex(at).setTerm(model.term(at))
            .setConfiguration(model.configuration()).setId("taken-" + at).build();
        long compactTo = Math.max(0, at - rnd.nextInt(0, 12));
        long to = Math.min(compactTo, model.last());
        boolean compacts = to > model.base();
        int before = wal.segmentFiles().size();
        wal.snapshotTaken(s, compactTo);
        check("snapshot taken, staged");
        writeAndSync(model.copy().recorded(s), "snapshot " + at + " recorded");
        wal.compact();
        model = model.copy().taken(s, compactTo);
        check("snapshot " + at + " compacted to " + compactTo);
        wal.deleteCompactedSegments();
        List<Path> segments = wal.segmentFiles();
        if (compacts && segments.size() > 1) {
          long second = WalFormat.parseSegmentName(segments.get(1).getFileName().toString()).firstIndex();
          if (second <= to + 1) {
            throw new AssertionError("step " + step + ": compaction to " + to + " kept " + segments.get(0).getFileName()
                + " though the next segment starts at " + second);
          }
        }
        deletions += Math.max(0, before - segments.size());
        compactions++;
      } else if (op < 66) {
        term++;
        long at = rnd.nextInt(3) == 0 && model.commit() < model.last()
            ? model.commit() + 1 + rnd.nextLong(model.last() - model.commit())
            : model.last() + rnd.nextLong(1, 40);
        SnapshotMetadata s = SnapshotMetadata.newBuilder().setIndex(at).setTerm(term)
            .setConfiguration(rnd.nextBoolean() ? BIGGER : WalFiles.BOOT).setSize(rnd.nextLong(1, 1 << 20))
            .setId("installed-" + at).build();
        List<Entry> es = rnd.nextBoolean() ? List.of() : fresh(at + 1);
        HardState hs = HardState.newBuilder().setTerm(term).setVotedFor(1).setCommit(at).build();
        wal.stage(s, hs, es);
        writeAndSync(model.copy().installed(s).entries(es).hardState(hs), "install " + at);
        installs++;
      } else if (op < 76) {
        // Staged while the previous batch is written and not synced: it goes into the next batch.
        List<Entry> first = fresh(model.last() + 1);
        wal.stage(null, null, first);
        wal.writeBatch();
        WalModel afterFirst = model.copy().entries(first);
        List<Entry> second = fresh(afterFirst.last() + 1);
        HardState hs = HardState.newBuilder().setTerm(term).setVotedFor(1)
            .setCommit(Math.max(model.commit(), afterFirst.last())).build();
        wal.stage(null, hs, second);
        check("pipelined, first written, second staged");
        wal.sync();
        model = afterFirst;
        check("pipelined, first synced");
        writeAndSync(afterFirst.copy().entries(second).hardState(hs), "pipelined, second");
      } else if (op < 82) {
        // Several Readys in one batch: entries, then more entries replacing some, then a hard state.
        List<Entry> a = fresh(model.last() + 1);
        WalModel after = model.copy().entries(a);
        long from = Math.max(model.commit(), model.base()) + 1;
        List<Entry> b = fresh(from + rnd.nextLong(after.last() - from + 1));
        after.entries(b);
        HardState hs = hardState(after.last());
        wal.stage(null, null, a);
        wal.stage(null, null, b);
        wal.stage(null, hs, List.of());
        writeAndSync(after.hardState(hs), "group");
      } else if (op < 88) {
        HardState hs = HardState.newBuilder().setTerm(++term).setVotedFor(rnd.nextInt(0, 4)).setCommit(model.commit())
            .build();
        wal.stage(null, hs, List.of());
        writeAndSync(model.copy().hardState(hs), "hard state");
      } else {
        wal.close();
        wal = WriteAheadLog.open(io, dir, options, WalFiles.BOOT);
        assertNull(wal.recovery().torn(), "a clean restart finds no torn tail");
        model = model.restarted();
        check("reopen");
        reopens++;
      }
    }
  }

  private static Run run(FileIO io, Path dir, long seed, int ops, long segmentBytes) throws IOException {
    Run r = new Run(io, dir, seed, segmentBytes);
    try {
      for (int k = 0; k < ops; k++) {
        r.step();
      }
    } finally {
      r.wal.close();
    }
    return r;
  }

  @Test
  void seededSequencesMatchTheModelOnTheSimulatedFileSystem() throws IOException {
    int steps = 0;
    int truncations = 0;
    int compactions = 0;
    int installs = 0;
    int reopens = 0;
    int deletions = 0;
    for (long seed = 1; seed <= 4; seed++) {
      Run r = run(new SimFileSystem(), DIR, seed, 1500, seed % 2 == 0 ? 4 << 10 : 16 << 10);
      steps += r.step;
      truncations += r.truncations;
      compactions += r.compactions;
      installs += r.installs;
      reopens += r.reopens;
      deletions += r.deletions;
    }
    assertEquals(6000, steps);
    assertTrue(truncations > 100 && compactions > 100 && installs > 50 && reopens > 100 && deletions > 100,
        "truncations " + truncations + ", compactions " + compactions + ", installs " + installs + ", reopens " + reopens
            + ", segments deleted " + deletions);
  }

  @Test
  void aSeededSequenceMatchesTheModelOnDisk() throws IOException {
    Run r = run(new NioFileIO(), tmp.resolve("wal"), 99, 250, 8 << 10);
    assertTrue(r.reopens > 10 && r.deletions > 5, "reopens " + r.reopens + ", segments deleted " + r.deletions);
  }

  /**
   * Every content length over three sectors, so the content ends at every byte of a sector, the trailer
   * sometimes in a sector of its own: each frame reads back after a restart.
   */
  @Test
  void everyFrameLengthReadsBackAfterARestart() throws IOException {
    WriteAheadLog.Options options = new WriteAheadLog.Options(16 << 10, WriteAheadLog.FsyncPolicy.ALWAYS, 0, Runnable::run);
    for (int size = 0; size < 3 * WalFormat.SECTOR_CONTENT; size++) {
      SimFileSystem fs = new SimFileSystem();
      List<Entry> es = WalFiles.entries(1, 1, 1, size, size);
      try (WriteAheadLog wal = WriteAheadLog.open(fs, DIR, options, WalFiles.BOOT)) {
        wal.append(null, null, es);
      }
      try (WriteAheadLog wal = WriteAheadLog.open(fs, DIR, options, WalFiles.BOOT)) {
        assertEquals(es, wal.entries(1, 2, Long.MAX_VALUE), "an entry of " + size + " bytes");
      } catch (WalCorruptionException e) {
        throw new AssertionError("an entry of " + size + " bytes: " + e.getMessage(), e);
      }
    }
  }

  @Test
  void theComparatorReportsEveryKindOfDifference() throws IOException {
    SimFileSystem fs = new SimFileSystem();
    try (WriteAheadLog wal = WriteAheadLog.open(fs, DIR, new WriteAheadLog.Options(4 << 10,
        WriteAheadLog.FsyncPolicy.ALWAYS, 1 << 10, Runnable::run), WalFiles.BOOT)) {
      List<Entry> es = WalFiles.entries(1, 12, 1, 300, 5);
      HardState hs = HardState.newBuilder().setTerm(1).setVotedFor(1).setCommit(6).build();
      wal.append(null, hs, es);
      SnapshotMetadata s = SnapshotMetadata.newBuilder().setIndex(6).setTerm(1).setConfiguration(WalFiles.BOOT).build();
      wal.snapshotTaken(s, 4);
      wal.writeBatch();
      wal.sync();
      wal.compact();
      WalModel right = new WalModel(WalFiles.BOOT).entries(es).hardState(hs).taken(s, 4);
      assertNull(right.diff(wal));
      assertNull(right.diffRange(wal, 5, 13, 700));

      List<Entry> altered = new ArrayList<>(es);
      altered.set(8, altered.get(8).toBuilder().setData(ByteString.copyFromUtf8("not what was written")).build());
      assertNotNull(new WalModel(WalFiles.BOOT).entries(altered).hardState(hs).taken(s, 4).diff(wal), "an altered entry");
      List<Entry> otherTerm = new ArrayList<>(es);
      otherTerm.set(11, otherTerm.get(11).toBuilder().setTerm(2).build());
      assertNotNull(new WalModel(WalFiles.BOOT).entries(otherTerm).hardState(hs).taken(s, 4).diff(wal), "a term");
      assertNotNull(new WalModel(WalFiles.BOOT).entries(es.subList(0, 11)).hardState(hs).taken(s, 4).diff(wal), "a lost entry");
      assertNotNull(new WalModel(WalFiles.BOOT).entries(es).hardState(hs).taken(s, 3).diff(wal), "the first index");
      assertNotNull(new WalModel(WalFiles.BOOT).entries(es).hardState(hs.toBuilder().setCommit(5).build()).taken(s, 4)
          .diff(wal), "the hard state");
      assertNotNull(new WalModel(BIGGER).entries(es).hardState(hs).taken(s, 4).diff(wal), "the configuration");
      assertNotNull(new WalModel(WalFiles.BOOT).entries(es).hardState(hs).diff(wal), "the snapshot");
      assertNotNull(new WalModel(WalFiles.BOOT).entries(altered).hardState(hs).taken(s, 4).diffRange(wal, 9, 13, 10_000),
          "a range");
    }
  }
}
