package io.raftd.storage;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.sim.SimFileSystem;
import io.raftd.walformat.Damage;
import io.raftd.walformat.WalFormat;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * Every crash state the recovery assumptions allow recovers as a torn tail: only unsynced batches are
 * lost, every synced entry comes back identical, and no entry of a batch comes back unless its whole
 * frame survived. Three sources of crash states: every byte offset at which the last two batches can be
 * cut off; random subsets of the last batch's sectors; and a crash before every state-changing call of
 * seeded workloads (rollover, compaction, snapshot files, truncation, restarts) on the simulated file
 * system, whose crash keeps none, all or any subset of the sectors of each unsynced write.
 */
@ExtendWith(WalTally.Summary.class)
class WalCrashStateTest {
  private static final Path DIR = Path.of("/wal");
  private static final WalTally.Count TOTAL = new WalTally.Count();

  @AfterAll
  static void tally() {
    WalTally.add(TOTAL);
  }

  // ---- Histories: a WAL written batch by batch, with the files before and after each frame ----

  /** One batch: the durable files just before its frame is written, the frame and where it goes, the log before and after. */
  record Batch(Map<String, byte[]> pre, String file, long position, byte[] frame, WalModel before, WalModel after) {
    /** The durable files with the first {@code n} bytes of the frame written. */
    Map<String, byte[]> cut(int n) {
      Map<String, byte[]> out = copy(pre);
      System.arraycopy(frame, 0, out.get(file), (int) position, n);
      return out;
    }

    /** The durable files with the frame's sectors {@code kept} written. */
    Map<String, byte[]> sectors(boolean[] kept) {
      Map<String, byte[]> out = copy(pre);
      for (int s = 0; s < kept.length; s++) {
        if (kept[s]) {
          System.arraycopy(frame, s * WalFormat.SECTOR, out.get(file), (int) position + s * WalFormat.SECTOR, WalFormat.SECTOR);
        }
      }
      return out;
    }

    int sectorCount() {
      return frame.length / WalFormat.SECTOR;
    }
  }

  record History(WriteAheadLog.Options options, List<Batch> batches) {
    Batch last(int fromEnd) {
      return batches.get(batches.size() - 1 - fromEnd);
    }
  }

  /** Stages one batch's records on the WAL and applies them to the model. */
  interface Writes {
    void stage(WriteAheadLog wal, WalModel model);
  }

  static History history(long segmentBytes, List<Writes> writes) throws IOException {
    WriteAheadLog.Options options = new WriteAheadLog.Options(segmentBytes, WriteAheadLog.FsyncPolicy.ALWAYS, 1 << 10,
        Runnable::run);
    SimFileSystem fs = new SimFileSystem();
    CrashingFileIO io = new CrashingFileIO(fs, Long.MAX_VALUE);
    io.lastOverwritten = new byte[0];
    List<Batch> batches = new ArrayList<>();
    WalModel model = new WalModel(WalFiles.BOOT);
    try (WriteAheadLog wal = WriteAheadLog.open(io, DIR, options, WalFiles.BOOT)) {
      for (Writes w : writes) {
        WalModel before = model.copy();
        w.stage(wal, model);
        wal.writeBatch();
        Map<String, byte[]> files = WalFiles.readDir(fs, DIR);
        files.keySet().removeIf(n -> n.endsWith(WalFormat.TEMP_SUFFIX));  // created, not yet made durable
        byte[] frame = Arrays.copyOfRange(files.get(io.lastWriteFile), (int) io.lastWritePosition,
            (int) io.lastWritePosition + io.lastWriteLength);
        // Before the frame: zeros in a fresh segment, an earlier generation's bytes in a recycled one.
        System.arraycopy(io.lastOverwritten, 0, files.get(io.lastWriteFile), (int) io.lastWritePosition, io.lastWriteLength);
        batches.add(new Batch(files, io.lastWriteFile, io.lastWritePosition, frame, before, model.copy()));
        wal.sync();
        wal.compact();  // as the daemon does once the core has heard of a snapshot recorded here
        wal.deleteCompactedSegments();
        String d = model.diff(wal);
        assertEquals(null, d, "the WAL shows what was synced");
      }
    }
    return new History(options, batches);
  }

  /**
   * One segment (32 KiB): the last batch replaces the second-to-last batch's tail (truncate then append);
   * the second-to-last batch's content ends in the last bytes of a sector, so its trailer has a sector of
   * its own.
   */
  static History oneSegment() throws IOException {
    return history(32 << 10, List.of(
        (wal, m) -> append(wal, m, WalFiles.entries(1, 10, 1, 200, 1), hs(1, 0)),
        (wal, m) -> append(wal, m, WalFiles.entries(11, 20, 1, 150, 2), hs(1, 10)),
        (wal, m) -> {
          SnapshotMetadata s = SnapshotMetadata.newBuilder().setIndex(10).setTerm(1).setConfiguration(WalFiles.BOOT).build();
          wal.snapshotTaken(s, 5);
          m.taken(s, 5);
        },
        (wal, m) -> {
          List<Entry> es = new ArrayList<>();
          for (int i = 21; i <= 30; i++) {
            es.add(WalFiles.entries(i, i, 1, (i * 71) % 700, 3).get(0));
          }
          append(wal, m, es, hs(1, 20));
        },
        (wal, m) -> append(wal, m, trailerAlone(WalFiles.entries(31, 36, 1, 300, 4), hs(1, 25)), hs(1, 25)),
        (wal, m) -> append(wal, m, WalFiles.entries(34, 40, 2, 400, 5), hs(2, 30))));
  }

  /**
   * Tiny segments (4 KiB): the second-to-last batch installs a snapshot, the last one no longer fits its
   * segment, rolls over, and replaces entries that sit in the previous segment.
   */
  static History rollingOver() throws IOException {
    return history(4 << 10, List.of(
        (wal, m) -> append(wal, m, WalFiles.entries(1, 5, 1, 100, 11), hs(1, 0)),
        (wal, m) -> append(wal, m, WalFiles.entries(6, 10, 1, 250, 12), hs(1, 5)),
        (wal, m) -> append(wal, m, WalFiles.entries(11, 20, 1, 120, 13), hs(1, 9)),
        (wal, m) -> append(wal, m, WalFiles.entries(21, 22, 1, 900, 14), hs(1, 20)),
        (wal, m) -> {
          SnapshotMetadata s = SnapshotMetadata.newBuilder().setIndex(50).setTerm(3)
              .setConfiguration(WalWorkload.BIGGER).setSize(10).build();
          List<Entry> es = WalFiles.entries(51, 53, 3, 150, 15);
          HardState h = HardState.newBuilder().setTerm(3).setVotedFor(2).setCommit(50).build();
          wal.stage(s, h, es);
          m.installed(s).entries(es).hardState(h);
        },
        (wal, m) -> append(wal, m, WalFiles.entries(52, 58, 4, 350, 16),
            HardState.newBuilder().setTerm(4).setVotedFor(2).setCommit(51).build())));
  }

  /**
   * {@code es} with the last entry's data resized so that a frame of them and {@code h} ends its content
   * 4 bytes before a sector's end: too late for the trailer, which then fills a sector of its own.
   */
  static List<Entry> trailerAlone(List<Entry> es, HardState h) {
    List<Entry> out = new ArrayList<>(es);
    Entry last = out.get(out.size() - 1);
    for (int size = 0; size < 2 * WalFormat.SECTOR; size++) {
      out.set(out.size() - 1, last.toBuilder().setData(last.getData().substring(0, Math.min(size, last.getData().size()))
          .concat(com.google.protobuf.ByteString.copyFrom(new byte[Math.max(0, size - last.getData().size())]))).build());
      long content = WalFormat.FRAME_HEADER_CONTENT + WalFormat.RECORD_HEADER + h.getSerializedSize();
      for (Entry e : out) {
        content += WalFormat.RECORD_HEADER + e.getSerializedSize();
      }
      if (content % WalFormat.SECTOR_CONTENT == WalFormat.SECTOR_CONTENT - 4) {
        return out;
      }
    }
    throw new IllegalStateException("no size fits");
  }

  static HardState hs(long term, long commit) {
    return HardState.newBuilder().setTerm(term).setVotedFor(1).setCommit(commit).build();
  }

  static void append(WriteAheadLog wal, WalModel m, List<Entry> es, HardState h) {
    wal.stage(null, h, es);
    m.entries(es).hardState(h);
  }

  // ---- The checker ----

  /** What recovery must make of a crash state. */
  record Expect(WalModel log, String tornFile, long tornOffset) {
    static Expect clean(WalModel log) {
      return new Expect(log, null, -1);
    }

    static Expect torn(WalModel log, String file, long offset) {
      return new Expect(log, file, offset);
    }
  }

  /**
   * Opens the WAL on {@code files} and checks it against {@code expect}: it opens, shows exactly the
   * expected log after a restart (so every synced entry is identical and nothing of a lost batch is
   * returned), reports the torn tail (file, offset, last good index) or none, and a batch appended after
   * recovery survives another restart cleanly.
   *
   * @return null if all holds, else what does not
   */
  static String check(Map<String, byte[]> files, WriteAheadLog.Options options, Expect expect) {
    return check(files, options, expect, true);
  }

  /** As above; {@code thenAppend} false skips the append after recovery. */
  static String check(Map<String, byte[]> files, WriteAheadLog.Options options, Expect expect, boolean thenAppend) {
    WalModel want = expect.log().restarted();
    try {
      SimFileSystem fs = WalFiles.simWith(DIR, files);
      try (WriteAheadLog wal = WriteAheadLog.open(fs, DIR, options, WalFiles.BOOT)) {
        String d = want.diff(wal);
        if (d != null) {
          return "recovered log: " + d;
        }
        Damage torn = wal.recovery().torn();
        if (expect.tornFile() == null && torn != null) {
          return "reported a torn tail where none is: " + wal.recovery().describe();
        }
        if (expect.tornFile() != null) {
          if (torn == null) {
            return "no torn tail reported";
          }
          if (!torn.file().equals(expect.tornFile()) || torn.offset() != expect.tornOffset()
              || wal.recovery().lastGoodIndex() != want.last()) {
            return "torn tail reported as " + wal.recovery().describe() + "; expected " + expect.tornFile() + " at offset "
                + expect.tornOffset() + ", last good index " + want.last();
          }
        }
        return thenAppend ? continueAfter(fs, wal, options, want) : null;
      }
    } catch (IOException | RuntimeException e) {
      return "recovery failed: " + e;
    }
  }

  /** Appends a batch to a recovered WAL, restarts, and checks that it opens cleanly with the batch in place. */
  static String continueAfter(FileIO fs, WriteAheadLog wal, WriteAheadLog.Options options, WalModel recovered)
      throws IOException {
    long term = Math.max(recovered.lastTerm(), recovered.hardState().getTerm());
    List<Entry> es = WalFiles.entries(recovered.last() + 1, recovered.last() + 3, term, 333, 99);
    wal.append(null, null, es);
    wal.close();
    WalModel want = recovered.copy().entries(es).restarted();
    try (WriteAheadLog again = WriteAheadLog.open(fs, DIR, options, WalFiles.BOOT)) {
      String d = want.diff(again);
      if (d != null) {
        return "after appending to the recovered log and restarting: " + d;
      }
      if (again.recovery().torn() != null) {
        return "after appending to the recovered log and restarting: " + again.recovery().describe();
      }
    }
    return null;
  }

  static Map<String, byte[]> copy(Map<String, byte[]> files) {
    Map<String, byte[]> out = new TreeMap<>();
    files.forEach((k, v) -> out.put(k, v.clone()));
    return out;
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }

  /**
   * Cuts batch {@code b} off after each byte of its frame (on two threads), checks every state, and
   * returns how many of them left a partial trailer (see below).
   */
  static int everyCut(History h, Batch b, String label, WalTally.Count count) {
    int n = b.frame().length;
    // In a recycled segment the frame goes over an earlier generation's bytes, and a cut inside a sector
    // leaves a sector that is part new, part old, which sector atomicity excludes: there, cut at sectors.
    boolean recycled = !allZero(b.pre().get(b.file()), (int) b.position(), (int) b.position() + n);
    return IntStream.rangeClosed(0, n).filter(x -> !recycled || x % WalFormat.SECTOR == 0).parallel().map(x -> {
      boolean thenAppend = x % 8 == 0;  // every sector boundary among them
      boolean whole = recycled ? x == n : allZero(b.frame(), x, n);  // the bytes not written are zeros anyway
      boolean partialTrailer = false;
      String fail;
      if (x == 0) {
        fail = check(b.cut(x), h.options(), Expect.clean(b.before()), thenAppend);
      } else if (whole) {
        fail = check(b.cut(x), h.options(), Expect.clean(b.after()), thenAppend);
      } else if (x > n - WalFormat.STAMP_BYTES) {
        // Cut inside the trailer, mid-sector: the last sector was written in part, which sector atomicity
        // excludes. Such a file is indistinguishable from a synced frame whose trailer took a bit flip
        // (for frame 1, cutting the last byte is flipping its bit 0), which must be refused; so it is.
        partialTrailer = true;
        fail = refused(b.cut(x), h.options(), b.file(), b.position() + n - WalFormat.STAMP_BYTES);
      } else {
        fail = check(b.cut(x), h.options(), Expect.torn(b.before(), b.file(), b.position()), thenAppend);
      }
      count.crashState(fail == null ? null
          : label + " cut after byte " + x + " of " + n + " (" + b.file() + " @" + b.position() + "): " + fail);
      return partialTrailer ? 1 : 0;
    }).sum();
  }

  /** Null if opening {@code files} throws a one-line WalCorruptionException naming {@code file} at {@code offset}. */
  static String refused(Map<String, byte[]> files, WriteAheadLog.Options options, String file, long offset) {
    try {
      SimFileSystem fs = WalFiles.simWith(DIR, files);
      WriteAheadLog.open(fs, DIR, options, WalFiles.BOOT).close();
      return "opened";
    } catch (WalCorruptionException e) {
      String want = file + " at offset " + offset + ":";
      return e.getMessage().contains(want) && !e.getMessage().contains("\n") ? null
          : "message does not name " + want + " " + e.getMessage();
    } catch (IOException | RuntimeException e) {
      return "failed with " + e;
    }
  }

  static void randomSectors(History h, Batch b, int trials, long seed, String label, WalTally.Count count) {
    SplittableRandom rnd = new SplittableRandom(seed);
    int sectors = b.sectorCount();
    int partial = 0;
    for (int t = 0; t < trials; t++) {
      boolean[] kept = new boolean[sectors];
      double p = rnd.nextDouble();
      int k = 0;
      for (int s = 0; s < sectors; s++) {
        kept[s] = rnd.nextDouble() < p;
        k += kept[s] ? 1 : 0;
      }
      Expect expect = k == sectors ? Expect.clean(b.after()) : k == 0 ? Expect.clean(b.before())
          : Expect.torn(b.before(), b.file(), b.position());
      partial += k > 0 && k < sectors ? 1 : 0;
      String fail = check(b.sectors(kept), h.options(), expect);
      count.crashState(fail == null ? null : label + " sectors " + Arrays.toString(kept) + ": " + fail);
    }
    assertTrue(partial > trials / 2, "most subsets keep some sectors and lose others: " + partial);
  }

  // ---- The tests ----

  @Test
  void everyByteOffsetOfTheLastTwoBatches() throws IOException {
    WalTally.Count count = new WalTally.Count();
    History one = oneSegment();
    History roll = rollingOver();
    assertNotEquals(roll.last(0).file(), roll.last(1).file(), "the last batch rolls over to a new segment");
    assertTrue(one.last(0).sectorCount() >= 5 && one.last(1).sectorCount() >= 3, "multi-sector frames");
    byte[] alone = one.last(1).frame();
    assertTrue(allZero(alone, alone.length - WalFormat.SECTOR + WalFormat.STAMP_BYTES, alone.length - WalFormat.STAMP_BYTES),
        "the second-to-last frame's last sector holds only its stamp and trailer");
    int partialTrailers = 0;
    for (int k = 0; k < 2; k++) {
      partialTrailers += everyCut(one, one.last(k), "one segment, batch -" + k, count);
      partialTrailers += everyCut(roll, roll.last(k), "rolling over, batch -" + k, count);
    }
    // The install freed every segment, so the rollover after it writes into a recycled file (cut at sectors).
    assertEquals(3 * (WalFormat.STAMP_BYTES - 1), partialTrailers, "mid-sector cuts inside a fresh segment's trailer");
    finish(count);
  }

  @Test
  void randomSubsetsOfTheLastBatchsSectors() throws IOException {
    WalTally.Count count = new WalTally.Count();
    History one = oneSegment();
    History roll = rollingOver();
    randomSectors(one, one.last(0), 1000, 42, "one segment", count);
    randomSectors(roll, roll.last(0), 1000, 43, "rolling over", count);
    finish(count);
  }

  /** What crash points of the workloads hit: (phase, call kind), and how many crashes kept part of a write. */
  private static final class Coverage {
    final TreeSet<String> seen = new TreeSet<>();
    int partialWrites;

    synchronized void add(String point, int partial) {
      seen.add(point);
      partialWrites += partial;
    }
  }

  /**
   * Crashes seeded workloads before every state-changing call ({@code crashSeeds} random outcomes each),
   * recovers, and checks the log is what was acknowledged or that plus the batch in flight, that every
   * snapshot file the store lists (and the one the log starts after) loads with its data, and that a batch
   * appended after recovery survives a restart. Sometimes recovery itself is crashed too.
   */
  static void crashEverywhere(WalWorkload w, int crashSeeds, WalTally.Count count, Coverage coverage,
      boolean untilFirstMiss) throws IOException {
    CrashingFileIO counter = new CrashingFileIO(new SimFileSystem(), Long.MAX_VALUE);
    counter.log = new ArrayList<>();
    w.fresh().run(counter);
    List<String> calls = counter.log;
    IntStream.rangeClosed(0, calls.size()).parallel().forEach(at -> {
      // Before a force, the writes since the last one are pending: give their sectors more outcomes.
      int outcomes = at < calls.size() && calls.get(at).startsWith("force") ? 4 * crashSeeds : crashSeeds;
      for (int c = 0; c < outcomes && !(untilFirstMiss && count.missed()); c++) {
        WalWorkload run = w.fresh();
        SimFileSystem fs = new SimFileSystem();
        CrashingFileIO io = new CrashingFileIO(fs, at);
        String label = "workload " + w.seed + (w.broken == BrokenStorage.NONE ? "" : " " + w.broken) + " crash " + c
            + " before call " + at;
        try {
          run.run(io);
        } catch (CrashingFileIO.Crash e) {
          // the power went out
        } catch (IOException | RuntimeException e) {
          if (!io.crashed()) {
            count.crashState(label + ": the workload failed: " + e);
            continue;
          }
          // a write failed as the power went out (e.g. a preallocation that crashed surfaces as an IOException)
        }
        if (at < calls.size() != io.crashed() || (io.crashed() && !io.crashedBefore().equals(calls.get(at)))) {
          throw new AssertionError(label + ": the workload is not deterministic");
        }
        SplittableRandom rnd = new SplittableRandom(w.seed * 1_000_003 + at * 31L + c);
        SimFileSystem.CrashOutcome out = fs.crash(rnd);
        if (coverage != null) {
          String op = io.crashedBefore() == null ? "end" : io.crashedBefore()
              .replaceAll("[0-9a-f]{16}-[0-9a-f]{16}\\.wal", "segment").replaceAll("[0-9a-f]{16}\\.tmp", "segment.tmp")
              .replaceAll("[0-9a-f]{16}\\.free", "segment.free")
              .replaceAll("[0-9a-f]{16}-[0-9a-f]{16}(\\.[0-9]+)?\\.snap", "snapshot").replaceAll(" [@0-9+]+$", "");
          coverage.add(run.phase + (run.inflightTruncates ? "(truncating)" : "") + ": " + op, out.writesPartlyKept());
        }
        String fail = recover(fs, run, rnd, (at + c) % 2 == 1);
        count.crashState(fail == null ? null : label + " (" + io.crashedBefore() + ", phase " + run.phase + ", acked "
            + run.acked + ", in flight " + run.inflight + "): " + fail);
      }
    });
  }

  static String recover(SimFileSystem fs, WalWorkload w, SplittableRandom rnd, boolean crashRecoveryToo) {
    try {
      if (crashRecoveryToo) {
        CrashingFileIO io = new CrashingFileIO(fs, rnd.nextInt(10));
        try {
          new SnapshotStore(io, WalWorkload.SNAP_DIR, 2);
          WriteAheadLog.open(io, WalWorkload.WAL_DIR, w.options, WalFiles.BOOT).close();
        } catch (CrashingFileIO.Crash e) {
          // the power went out again during recovery
        }
        fs.crash(rnd);
      }
      SnapshotStore store = new SnapshotStore(fs, WalWorkload.SNAP_DIR, 2);
      try (WriteAheadLog wal = WriteAheadLog.open(fs, WalWorkload.WAL_DIR, w.options, WalFiles.BOOT)) {
        WalModel acked = w.acked.restarted();
        String d = acked.diff(wal);
        WalModel recovered = acked;
        if (d != null && w.inflight != null) {
          WalModel inflight = w.inflight.restarted();
          String d2 = inflight.diff(wal);
          if (d2 == null) {
            recovered = inflight;
            d = null;
          } else {
            d = "neither acknowledged (" + d + ") nor with the batch in flight (" + d2 + ")";
          }
        }
        if (d != null) {
          return d;
        }
        for (SnapshotMetadata s : store.list()) {
          byte[] want = w.snapshotData.get(SnapshotStore.fileName(s.getTerm(), s.getIndex()));
          if (want == null || !Arrays.equals(want, store.load(s))) {
            return "snapshot " + s.getIndex() + " of term " + s.getTerm() + " does not hold what was saved";
          }
        }
        if (wal.snapshot().getIndex() > 0 && !store.has(wal.snapshot())) {
          return "the log starts after snapshot " + wal.snapshot().getIndex() + " but its file is gone";
        }
        for (String name : fs.list(WalWorkload.SNAP_DIR)) {
          if (!name.endsWith(SnapshotStore.SUFFIX)) {
            return "left behind in the snapshot directory: " + name;
          }
        }
        return continueAfterWorkload(fs, wal, w, recovered);
      }
    } catch (IOException | RuntimeException e) {
      return "recovery failed: " + e;
    }
  }

  private static String continueAfterWorkload(FileIO fs, WriteAheadLog wal, WalWorkload w, WalModel recovered)
      throws IOException {
    long term = Math.max(recovered.lastTerm(), recovered.hardState().getTerm());
    List<Entry> es = WalFiles.entries(recovered.last() + 1, recovered.last() + 2, term, 700, 77);
    wal.append(null, null, es);
    wal.close();
    WalModel want = recovered.copy().entries(es).restarted();
    try (WriteAheadLog again = WriteAheadLog.open(fs, WalWorkload.WAL_DIR, w.options, WalFiles.BOOT)) {
      String d = want.diff(again);
      return d == null ? null : "after appending to the recovered log and restarting: " + d;
    }
  }

  @Test
  void aCrashBeforeEveryCallOfSeededWorkloads() throws IOException {
    WalTally.Count count = new WalTally.Count();
    Coverage coverage = new Coverage();
    for (long seed = 1; seed <= 3; seed++) {
      crashEverywhere(new WalWorkload(seed, 30, 8 << 10, BrokenStorage.NONE), 2, count, coverage, false);
    }
    // The crash points the issue names, each hit: rollover, compaction, snapshot write and rename, pruning,
    // truncate-then-append with its frame written and not forced, installing, restarts.
    String seen = String.join("\n", coverage.seen);
    for (String want : List.of(
        "append: write segment.tmp", "append: force segment.tmp", "append: rename segment.tmp -> segment",
        "append: sync dir wal", "append: write segment", "append: force segment",
        "snapshot: rename segment -> segment.free", "snapshot: sync dir wal", "group: rename segment -> segment.free",
        "snapshot: write snapshot.tmp", "snapshot: force snapshot.tmp", "snapshot: rename snapshot.tmp -> snapshot",
        "snapshot: sync dir snap", "snapshot: delete snapshot",
        "truncate(truncating): write segment", "truncate(truncating): force segment",
        "install: rename snapshot.tmp -> snapshot", "install: force segment", "pipelined: force segment",
        "restart: delete segment.tmp", "restart: create segment.tmp")) {
      assertTrue(coverage.seen.contains(want), "no crash at " + want + "; crash points seen:\n" + seen);
    }
    assertTrue(coverage.partialWrites > 100, "crashes that kept part of a write: " + coverage.partialWrites);
    finish(count);
  }

  /**
   * A workload whose segments are written into recycled files, over an earlier generation's frames,
   * crashed before every call: into the pool, out of it (header, first frame, rename), batches into the
   * recycled segment and the restart that empties the pool. Every acknowledged entry comes back.
   */
  @Test
  void aCrashWhileSegmentFilesAreRecycledRecoversEveryAcknowledgedEntry() throws IOException {
    WalTally.Count count = new WalTally.Count();
    Coverage coverage = new Coverage();
    crashEverywhere(new WalWorkload(4, 40, 4 << 10, BrokenStorage.NONE), 2, count, coverage, false);
    for (String want : List.of("rename segment -> segment.free", "write segment.free", "force segment.free",
        "rename segment.free -> segment", "restart: delete segment.free")) {
      assertTrue(coverage.seen.stream().anyMatch(p -> p.endsWith(want)), "no crash at " + want + "; crash points seen:\n"
          + String.join("\n", coverage.seen));
    }
    finish(count);
  }

  // ---- The checkers can fail ----

  @Test
  void theCheckersReportALostOrAlteredSyncedByteAndAWrongExpectation() throws IOException {
    History one = oneSegment();
    Batch last = one.last(0);
    Batch prev = one.last(1);

    // A synced frame lost (what a broken fsync leaves): the WAL opens, dropping it as a torn tail, and the
    // checker reports the synced entries missing.
    Map<String, byte[]> lost = last.cut(0);
    Arrays.fill(lost.get(prev.file()), (int) prev.position() + WalFormat.SECTOR, (int) prev.position() + 2 * WalFormat.SECTOR,
        (byte) 0);
    String fail = check(lost, one.options(), Expect.clean(last.before()));
    assertTrue(fail != null && fail.contains("recovered log"), "a lost synced sector is caught: " + fail);

    // A flipped bit in a synced frame: the WAL refuses to open, and the checker reports it.
    Map<String, byte[]> flipped = last.cut(last.frame().length / 2);
    flipped.get(prev.file())[(int) prev.position() + 100] ^= 4;
    fail = check(flipped, one.options(), Expect.torn(last.before(), last.file(), last.position()));
    assertTrue(fail != null && fail.contains("WalCorruptionException"), "a flipped synced bit is caught: " + fail);

    // A wrong expectation: a torn last batch claimed as synced.
    fail = check(last.cut(WalFormat.SECTOR), one.options(), Expect.clean(last.after()));
    assertTrue(fail != null && fail.contains("recovered log"), "a wrong expectation is caught: " + fail);

    // A torn tail claimed at the wrong offset.
    fail = check(last.cut(WalFormat.SECTOR), one.options(), Expect.torn(last.before(), last.file(), last.position() + 512));
    assertTrue(fail != null && fail.contains("torn tail reported as"), "a wrong torn offset is caught: " + fail);

    // The same states, rightly expected, pass: the checker is not failing everything.
    assertEquals(null, check(last.cut(WalFormat.SECTOR), one.options(), Expect.torn(last.before(), last.file(),
        last.position())));
  }

  @Test
  void theWorkloadHarnessCatchesEachBrokenStorageVariant() throws IOException {
    for (BrokenStorage broken : List.of(BrokenStorage.ACKNOWLEDGE_BEFORE_FSYNC, BrokenStorage.SKIP_DIRECTORY_FSYNC,
        BrokenStorage.COMPACT_BEFORE_SNAPSHOT_DURABLE)) {
      WalTally.Count count = new WalTally.Count();
      crashEverywhere(new WalWorkload(1, 40, 4 << 10, broken), 2, count, null, true);
      assertFalse(count.misses.isEmpty(), broken + " is caught among " + count.crashStates + " crash states");
    }
  }

  private static void finish(WalTally.Count count) {
    synchronized (TOTAL) {
      TOTAL.crashStates += count.crashStates;
      TOTAL.misses.addAll(count.misses);
    }
    assertTrue(count.crashStates > 0);
    assertTrue(count.misses.isEmpty(), () -> "of " + count.crashStates + " crash states, " + count.firstMisses());
  }
}
