package io.raftd.storage;

import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.zip.CRC32C;

/**
 * A seeded run of what a member writes, over any {@link FileIO}: appends, truncations (entries at a lower
 * index replacing the suffix), hard states, snapshots taken (saved in the {@link SnapshotStore}, recorded,
 * compacted, pruned), snapshots installed (received, recorded), group-committed and pipelined batches, and
 * restarts. With a tiny segment size every few batches roll over to a new segment. The same seed makes the
 * same calls in the same order, so a run can be cut at any state-changing call ({@link CrashingFileIO}).
 *
 * <p>It tracks what the WAL has acknowledged ({@link #acked}: the log as of the last {@code sync} that
 * returned) and the batch in flight ({@link #inflight}: written or being written, not yet acknowledged).
 * After a crash, recovery must show exactly one of the two.
 */
final class WalWorkload {
  static final Path WAL_DIR = Path.of("/data/wal");
  static final Path SNAP_DIR = Path.of("/data/snap");
  static final Configuration BIGGER = Configuration.newBuilder().addVoters(1).addVoters(2).addVoters(3).build();

  final long seed;
  final int steps;
  final long segmentBytes;
  final WriteAheadLog.Options options;
  final BrokenStorage broken;

  WalModel acked;
  WalModel inflight;
  /** What the run was doing: append, truncate, hard-state, snapshot, install, group, pipelined, restart. */
  String phase;
  /** Whether the in-flight batch replaces entries (a truncation). */
  boolean inflightTruncates;
  /** The data of every snapshot the run saved or received, by file name. */
  final Map<String, byte[]> snapshotData = new HashMap<>();
  private long term;
  private long vote;

  WalWorkload(long seed, int steps, long segmentBytes, BrokenStorage broken) {
    this.seed = seed;
    this.steps = steps;
    this.segmentBytes = segmentBytes;
    this.options = new WriteAheadLog.Options(segmentBytes, WriteAheadLog.FsyncPolicy.ALWAYS, 2 << 10, Runnable::run);
    this.broken = broken;
  }

  /** The same workload, not yet run: for running it on another thread. */
  WalWorkload fresh() {
    return new WalWorkload(seed, steps, segmentBytes, broken);
  }

  /** Runs every step (a {@link CrashingFileIO.Crash} ends it early). */
  void run(FileIO io) throws IOException {
    SplittableRandom rnd = new SplittableRandom(seed);
    acked = new WalModel(WalFiles.BOOT);
    inflight = null;
    inflightTruncates = false;
    snapshotData.clear();
    term = 1;
    vote = 1;
    phase = "open";
    WriteAheadLog wal = WriteAheadLog.open(io, WAL_DIR, options, WalFiles.BOOT, broken);
    SnapshotStore store = new SnapshotStore(io, SNAP_DIR, 2);
    for (int step = 0; step < steps; step++) {
      int op = rnd.nextInt(100);
      if (op < 30) {
        phase = "append";
        List<Entry> es = fresh(rnd, acked.last() + 1);
        batch(wal, null, hardState(rnd, acked.commit(), es), es);
      } else if (op < 42) {
        phase = "truncate";
        long from = Math.max(acked.commit(), acked.base()) + 1;
        if (from > acked.last()) {
          continue;
        }
        long at = from + rnd.nextInt((int) (acked.last() - from + 1));
        term++;
        List<Entry> es = new ArrayList<>();
        for (int k = rnd.nextInt(1, 5); k > 0; k--) {
          es.add(WalFiles.entry(at + es.size(), term, size(rnd), rnd));
        }
        inflightTruncates = true;
        batch(wal, null, rnd.nextBoolean() ? hardState(rnd, acked.commit(), es) : null, es);
        inflightTruncates = false;
      } else if (op < 48) {
        phase = "hard-state";
        vote = rnd.nextInt(1, 4);
        batch(wal, null, HardState.newBuilder().setTerm(term).setVotedFor(vote).setCommit(acked.commit()).build(), List.of());
      } else if (op < 60) {
        phase = "snapshot";
        SnapshotMetadata s = save(store, rnd);
        if (s == null) {
          continue;
        }
        long compactTo = Math.max(0, s.getIndex() - rnd.nextInt(0, 6));
        inflight = acked.copy().taken(s, compactTo);
        wal.snapshotTaken(s, compactTo);
        wal.writeBatch();
        wal.sync();
        wal.compact();
        wal.deleteCompactedSegments();
        acked = inflight;
        inflight = null;
        store.prune(s);
      } else if (op < 65) {
        phase = "install";
        term++;
        long at = rnd.nextInt(4) == 0 && acked.commit() < acked.last()
            ? acked.commit() + 1 + rnd.nextInt((int) (acked.last() - acked.commit()))  // conflicts with our log
            : acked.last() + rnd.nextInt(1, 30);
        byte[] data = new byte[rnd.nextInt(1, 3000)];
        rnd.nextBytes(data);
        CRC32C crc = new CRC32C();
        crc.update(data);
        SnapshotMetadata announced = SnapshotMetadata.newBuilder().setIndex(at).setTerm(term)
            .setConfiguration(rnd.nextBoolean() ? BIGGER : WalFiles.BOOT).setSize(data.length)
            .setChecksum((int) crc.getValue()).setId("installed-" + at).build();
        snapshotData.put(SnapshotStore.fileName(term, at), data);
        SnapshotMetadata stored;
        try (SnapshotStore.Writer w = store.receive(announced)) {
          for (int off = 0; off < data.length; off += 1000) {
            w.write(ByteBuffer.wrap(data, off, Math.min(1000, data.length - off)));
          }
          stored = w.finish();
        }
        List<Entry> es = rnd.nextBoolean() ? List.of() : fresh(rnd, at + 1);
        HardState hs = HardState.newBuilder().setTerm(term).setVotedFor(vote).setCommit(at).build();
        inflight = acked.copy().installed(stored).entries(es).hardState(hs);
        wal.stage(stored, hs, es);
        wal.writeBatch();
        wal.sync();
        acked = inflight;
        inflight = null;
        store.prune(stored);
      } else if (op < 75) {
        phase = "group";
        SnapshotMetadata s = save(store, rnd);
        List<Entry> es = fresh(rnd, acked.last() + 1);
        HardState hs = hardState(rnd, acked.commit(), es);
        long compactTo = s == null ? 0 : s.getIndex() - rnd.nextInt(0, 3);
        inflight = acked.copy().entries(es).hardState(hs);
        wal.stage(null, null, es);
        wal.stage(null, hs, List.of());
        if (s != null) {
          inflight.taken(s, compactTo);
          wal.snapshotTaken(s, compactTo);
        }
        wal.writeBatch();
        wal.sync();
        wal.compact();
        wal.deleteCompactedSegments();
        acked = inflight;
        inflight = null;
        if (s != null) {
          store.prune(s);
        }
      } else if (op < 88) {
        // Staged while the previous batch is written and not yet synced: goes into the next batch.
        phase = "pipelined";
        List<Entry> first = fresh(rnd, acked.last() + 1);
        WalModel afterFirst = acked.copy().entries(first);
        List<Entry> second = fresh(rnd, afterFirst.last() + 1);
        HardState hs = hardState(rnd, afterFirst.commit(), second);
        inflight = afterFirst;
        wal.stage(null, null, first);
        wal.writeBatch();
        wal.stage(null, hs, second);
        wal.sync();
        acked = afterFirst;
        inflight = acked.copy().entries(second).hardState(hs);
        wal.writeBatch();
        wal.sync();
        acked = inflight;
        inflight = null;
      } else {
        phase = "restart";
        wal.close();
        wal = WriteAheadLog.open(io, WAL_DIR, options, WalFiles.BOOT, broken);
        store = new SnapshotStore(io, SNAP_DIR, 2);
        acked = acked.restarted();
      }
    }
    phase = "done";
    wal.close();
  }

  private void batch(WriteAheadLog wal, SnapshotMetadata installed, HardState hs, List<Entry> es) throws IOException {
    inflight = acked.copy();
    if (installed != null) {
      inflight.installed(installed);
    }
    inflight.entries(es);
    if (hs != null) {
      inflight.hardState(hs);
    }
    wal.stage(installed, hs, es);
    wal.writeBatch();
    wal.sync();
    acked = inflight;
    inflight = null;
  }

  /** A snapshot of the log up to its commit, saved in the store; null if it would not be newer than the last. */
  private SnapshotMetadata save(SnapshotStore store, SplittableRandom rnd) throws IOException {
    long at = acked.commit();
    if (at <= acked.snapshot().getIndex() || at < acked.base() || at > acked.last() || at == 0) {
      return null;
    }
    byte[] data = new byte[rnd.nextInt(1, 2500)];
    rnd.nextBytes(data);
    SnapshotMetadata meta = SnapshotMetadata.newBuilder().setIndex(at).setTerm(acked.term(at))
        .setConfiguration(acked.configuration()).setId("taken-" + at).build();
    snapshotData.put(SnapshotStore.fileName(meta.getTerm(), at), data);
    return store.save(meta, data);
  }

  private List<Entry> fresh(SplittableRandom rnd, long from) {
    List<Entry> es = new ArrayList<>();
    for (int k = rnd.nextInt(1, 7); k > 0; k--) {
      es.add(WalFiles.entry(from + es.size(), term, size(rnd), rnd));
    }
    return es;
  }

  private static int size(SplittableRandom rnd) {
    int r = rnd.nextInt(20);
    return r == 0 ? rnd.nextInt(2000, 5000) : r < 3 ? 0 : rnd.nextInt(1, 600);
  }

  /** A hard state of the current term committing somewhere from {@code commit} to the batch's last entry. */
  private HardState hardState(SplittableRandom rnd, long commit, List<Entry> es) {
    long last = es.isEmpty() ? acked.last() : es.get(es.size() - 1).getIndex();
    long c = commit >= last ? commit : commit + rnd.nextLong(last - commit + 1);
    return HardState.newBuilder().setTerm(term).setVotedFor(vote).setCommit(c).build();
  }
}
