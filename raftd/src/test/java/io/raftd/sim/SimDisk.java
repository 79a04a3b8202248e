package io.raftd.sim;

import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.storage.BrokenStorageHook;
import io.raftd.storage.SnapshotStore;
import io.raftd.storage.WriteAheadLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One member's disk: the real {@link WriteAheadLog} and {@link SnapshotStore} over a
 * {@link SimFileSystem}, whose crash model decides what survives power loss. A crash state that does not
 * recover (the WAL refuses to open) is a violation: under the crash model every state must. A disk the
 * lost-segment fault struck ({@link #loseSegment}) is the exception: its WAL must refuse, and the disk is
 * then lost for good, like a dead one.
 *
 * <p>Also keeps the log as the host has written it, durable or not, so the invariants can check the
 * core against it. The snapshot files hold the state machine's state: its 8-byte hash chain.
 */
final class SimDisk {
  /** Small segments, so rollover and segment deletion happen in every schedule. */
  private static final long SEGMENT_BYTES = 16 << 10;

  private final Simulation sim;
  private final Configuration bootstrap;
  private final SimFileSystem fs = new SimFileSystem();
  private final Path walDir = Path.of("/data/wal");
  private final Path snapDir = Path.of("/data/snap");
  /** The daemon's cluster record: written once the WAL has its first segment, so an empty WAL is damage. */
  private final Path clusterRecord = Path.of("/data/cluster");
  private WriteAheadLog wal;
  private SnapshotStore store;
  /**
   * The WAL as it was (durably) before the lost-segment fault struck, once recovery refused what was left;
   * null while the disk is usable. The invariants still judge what it held when it acknowledged.
   */
  private WriteAheadLog lostWal;
  /**
   * The log as the host has written it, durable or not, never compacted: written.get(k) has index
   * writtenBase + 1 + k; writtenBase is the last installed snapshot, of term writtenBaseTerm.
   */
  private final ArrayList<Entry> written = new ArrayList<>();
  private long writtenBase;
  private long writtenBaseTerm;
  /** Writes staged for the next batch, and in the batch written but not yet synced. */
  private int stagedWrites;
  private int unsyncedWrites;
  private boolean stagedEntries;
  private boolean unsyncedEntries;

  /** What a crash did. */
  record CrashOutcome(int pendingWrites, boolean pendingEntries, boolean lostData, boolean tornTail) {}

  SimDisk(Simulation sim, Configuration bootstrap) {
    this.sim = sim;
    this.bootstrap = bootstrap;
  }

  /** Opens (recovers) the WAL and the snapshot store; a state that does not recover is a violation. */
  private void open() {
    try {
      wal = openWal();
      if (!fs.exists(clusterRecord)) {
        // As the daemon does on its first start: the first segment, durably, then the cluster record.
        wal.createFirstSegment();
        try (var h = fs.open(clusterRecord, true)) {
          h.write(0, ByteBuffer.wrap(new byte[] {1}));
          h.force();
        }
        fs.syncDirectory(clusterRecord.getParent());
      }
      store = new SnapshotStore(fs, snapDir, 2);
    } catch (IOException e) {
      throw new Invariants.Violation("its data directory does not recover after a crash: " + e.getMessage());
    }
  }

  /** Recovers the WAL (with the schedule's storage bug, if it has one). */
  private WriteAheadLog openWal() throws IOException {
    WriteAheadLog.Options options = WriteAheadLog.Options.defaults(Runnable::run).withSegmentBytes(SEGMENT_BYTES);
    String bug = sim.hostBug().name();
    return BrokenStorageHook.open(fs, walDir, options, bootstrap, BrokenStorageHook.isStorageBug(bug) ? bug : "NONE");
  }

  /** The WAL: the durable log the core reads. */
  WriteAheadLog storage() {
    if (lostWal != null) {
      throw new Invariants.Violation("its disk was lost (its WAL refused to start), yet it was started with that data");
    }
    if (wal == null) {
      open();
    }
    return wal;
  }

  /** What the WAL held durably: now, or, for a lost disk, when the fault struck. */
  WriteAheadLog durableView() {
    return lostWal != null ? lostWal : storage();
  }

  boolean lost() {
    return lostWal != null;
  }

  /** What the lost-segment fault did, and how the restart's recovery took it. */
  record SegmentLossOutcome(SegmentLoss.Kind kind, String refusal) {}

  /**
   * The lost-segment fault, on a stopped member's disk: part of its durable WAL is lost (see
   * {@link SegmentLoss}), then the WAL is opened as a restart would. If recovery refuses (it should, naming
   * the damage), the disk is lost for good and {@link #storage} fails from now on; if it accepts, what it
   * recovered is the member's log, and the invariants judge it.
   */
  SegmentLossOutcome loseSegment(SplittableRandom rnd) {
    WriteAheadLog before = storage();
    SegmentLoss.Kind kind;
    try {
      before.close();
      kind = SegmentLoss.inflict(fs, walDir, rnd);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    wal = null;
    try {
      wal = openWal();
    } catch (IOException refused) {
      lostWal = before;
      return new SegmentLossOutcome(kind, refused.getMessage());
    }
    writtenIsWhatSurvived();
    return new SegmentLossOutcome(kind, null);
  }

  void write(SnapshotMetadata snapshot, HardState hardState, List<Entry> entries) {
    storage().stage(snapshot, hardState, entries);
    stagedWrites++;
    stagedEntries |= !entries.isEmpty();
    if (snapshot != null) {
      written.clear();
      writtenBase = snapshot.getIndex();
      writtenBaseTerm = snapshot.getTerm();
    }
    if (!entries.isEmpty()) {
      long first = entries.get(0).getIndex();
      written.subList((int) Math.min(first - 1 - writtenBase, written.size()), written.size()).clear();
      written.addAll(entries);
    }
  }

  /** A snapshot file this member took is durable: its WAL record goes into the next batch. */
  void snapshotTaken(SnapshotMetadata snapshot, long compactTo) {
    storage().snapshotTaken(snapshot, compactTo);
  }

  /** The core has been told of a durable snapshot record: the log is compacted and the freed segments go. */
  void compact() {
    storage().compact();
    try {
      storage().deleteCompactedSegments();
    } catch (IOException e) {
      throw new UncheckedIOException(e);  // the simulated file system fails no call
    }
  }

  boolean hasStaged() {
    return storage().hasStaged();
  }

  /** Writes everything staged as one frame (group commit); returns how many host writes it holds. */
  int writeBatch() {
    try {
      storage().writeBatch();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    unsyncedWrites = stagedWrites;
    unsyncedEntries = stagedEntries;
    stagedWrites = 0;
    stagedEntries = false;
    return unsyncedWrites;
  }

  /** The written batch's fsync completed. */
  void sync() {
    try {
      storage().sync();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    unsyncedWrites = 0;
    unsyncedEntries = false;
  }

  /** The last index the host has written (durable or not). */
  long writtenLastIndex() {
    return writtenBase + written.size();
  }

  /** The term the host wrote at {@code index}, or 0. */
  long writtenTerm(long index) {
    if (index == writtenBase) {
      return writtenBaseTerm;
    }
    return index > writtenBase && index <= writtenLastIndex() ? written.get((int) (index - writtenBase - 1)).getTerm() : 0;
  }

  int pendingWrites() {
    return stagedWrites + unsyncedWrites;
  }

  // ---- snapshot files ----

  /** Writes a snapshot file of this member's state (durable on return); returns its stored metadata. */
  SnapshotMetadata saveSnapshot(SnapshotMetadata metadata, long stateHash) {
    try {
      return store().save(metadata, ByteBuffer.allocate(8).putLong(stateHash).array());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Receives a snapshot streamed from the leader: written, checked and durable on return. */
  void receiveSnapshot(SnapshotMetadata announced, long stateHash) {
    try (SnapshotStore.Writer w = store().receive(announced)) {
      w.write(ByteBuffer.allocate(8).putLong(stateHash).flip());
      w.finish();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The snapshot file's content, or null if there is no such file. */
  SimNode.Snapshot snapshotFile(SnapshotMetadata metadata) {
    try {
      if (!store().has(metadata)) {
        return null;
      }
      return new SimNode.Snapshot(metadata, ByteBuffer.wrap(store().load(metadata)).getLong());
    } catch (IOException e) {
      throw new Invariants.Violation("snapshot file " + metadata.getIndex() + " unreadable: " + e.getMessage());
    }
  }

  /** Deletes snapshot files beyond the retained ones, never the one the log starts after. */
  void pruneSnapshots() {
    try {
      store().prune(storage().snapshot());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private SnapshotStore store() {
    storage();
    return store;
  }

  /** Power loss: the file system keeps what the crash model allows; the WAL then recovers from it. */
  CrashOutcome crash(SplittableRandom rnd) {
    storage();
    int pending = pendingWrites();
    boolean hadEntries = stagedEntries || unsyncedEntries;
    long writtenLast = writtenLastIndex();
    fs.crash(rnd);
    open();
    stagedWrites = 0;
    unsyncedWrites = 0;
    stagedEntries = false;
    unsyncedEntries = false;
    boolean lost = wal.recovery().torn() != null || wal.lastIndex() < writtenLast;
    writtenIsWhatSurvived();
    return new CrashOutcome(pending, hadEntries, lost, wal.recovery().torn() != null);
  }

  /** What the host wrote is now what the WAL holds; below the first index only the base is known. */
  private void writtenIsWhatSurvived() {
    written.clear();
    writtenBase = wal.firstIndex() - 1;
    writtenBaseTerm = wal.term(writtenBase);
    if (wal.lastIndex() >= wal.firstIndex()) {
      written.addAll(wal.entries(wal.firstIndex(), wal.lastIndex() + 1, Long.MAX_VALUE));
    }
  }

  /**
   * What {@code raftctl wal repair --truncate-after index} leaves of a stopped member's WAL: the log
   * restarts after its newest snapshot and ends at {@code index}, the hard state keeps its term and vote
   * and commits at most {@code index}. (The tool itself works on real files; this is its outcome.)
   */
  void truncateAfter(long index) {
    WriteAheadLog before = storage();
    HardState hs = before.hardState();
    SnapshotMetadata snapshot = before.snapshot();
    List<Entry> kept = index < before.firstIndex() ? List.of()
        : before.entries(before.firstIndex(), index + 1, Long.MAX_VALUE);
    try {
      before.close();
      for (String name : fs.list(walDir)) {
        fs.delete(walDir.resolve(name));
      }
      fs.syncDirectory(walDir);
      // The tool leaves a WAL that opens: without the record, open() makes the first segment and the record again.
      fs.delete(clusterRecord);
      fs.syncDirectory(clusterRecord.getParent());
      open();
      wal.append(snapshot.getIndex() > 0 ? snapshot : null,
          hs.toBuilder().setCommit(Math.min(hs.getCommit(), index)).build(), kept);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    writtenIsWhatSurvived();
  }
}
