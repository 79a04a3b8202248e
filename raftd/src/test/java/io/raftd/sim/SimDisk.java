package io.raftd.sim;

import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.raft.MemoryLogStorage;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * One member's disk under the crash model the WAL will be held to: a write is durable only once its
 * simulated fsync completes; on a crash, each pending write independently keeps none, all, or a random
 * subset of its 512-byte sectors, and recovery (like a CRC-checked log) keeps the records up to the first
 * one with a lost sector. Records of a write are an installed snapshot (which resets the log), its
 * entries, then its hard state, each with a small header; each write starts on a sector boundary.
 * Compaction (deleting whole segments once a snapshot covers them) is durable at once.
 *
 * <p>The {@link MemoryLogStorage} it exposes holds only durable content: the core reads not-yet-durable
 * entries from its own memory.
 */
final class SimDisk {
  static final int SECTOR = 512;
  private static final int RECORD_HEADER = 16;

  private final MemoryLogStorage durable;
  private final ArrayDeque<Write> pending = new ArrayDeque<>();
  /**
   * The log as the host has written it, durable or not, never compacted: written.get(k) has index
   * writtenBase + 1 + k; writtenBase is the last installed snapshot, of term writtenBaseTerm.
   */
  private final ArrayList<Entry> written = new ArrayList<>();
  private long writtenBase;
  private long writtenBaseTerm;

  private record Write(SnapshotMetadata snapshot, HardState hardState, List<Entry> entries) {}

  /** What a crash did to the pending writes. */
  record CrashOutcome(int pendingWrites, int recordsPending, int recordsKept, boolean pendingEntries) {
    boolean lostData() {
      return recordsKept < recordsPending;
    }
  }

  SimDisk(Configuration bootstrap) {
    this.durable = new MemoryLogStorage(bootstrap);
  }

  MemoryLogStorage storage() {
    return durable;
  }

  void write(SnapshotMetadata snapshot, HardState hardState, List<Entry> entries) {
    pending.add(new Write(snapshot, hardState, entries));
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

  /** Drops the log up to {@code index} (covered by a durable snapshot). */
  void compact(long index) {
    durable.compact(Math.min(index, durable.lastIndex()));
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
    return pending.size();
  }

  boolean pendingEntries() {
    return pending.stream().anyMatch(w -> !w.entries().isEmpty());
  }

  /** The oldest pending write's fsync completed. */
  void completeOldest() {
    Write w = pending.poll();
    if (w.snapshot() != null) {
      durable.applySnapshot(w.snapshot());
    }
    w.entries().forEach(e -> durable.append(List.of(e)));
    if (w.hardState() != null) {
      durable.setHardState(w.hardState());
    }
  }

  /** Power loss: pending writes survive only as the crash model allows; then the disk is idle. */
  CrashOutcome crash(SplittableRandom rnd) {
    int writes = pending.size();
    boolean hadEntries = pendingEntries();
    List<Object> records = new ArrayList<>();
    List<Boolean> intact = new ArrayList<>();
    for (Write w : pending) {
      List<Object> recs = new ArrayList<>();
      if (w.snapshot() != null) {
        recs.add(w.snapshot());
      }
      recs.addAll(w.entries());
      if (w.hardState() != null) {
        recs.add(w.hardState());
      }
      int[] sizes = recs.stream().mapToInt(SimDisk::recordSize).toArray();
      int totalSectors = (java.util.Arrays.stream(sizes).sum() + SECTOR - 1) / SECTOR;
      boolean[] sectorKept = sectorsKept(rnd, totalSectors);
      int offset = 0;
      for (int i = 0; i < recs.size(); i++) {
        int firstSector = offset / SECTOR;
        int lastSector = (offset + sizes[i] - 1) / SECTOR;
        boolean ok = true;
        for (int s = firstSector; s <= lastSector; s++) {
          ok &= sectorKept[s];
        }
        records.add(recs.get(i));
        intact.add(ok);
        offset += sizes[i];
      }
    }
    pending.clear();
    int kept = 0;
    // Recovery reads records in order and stops at the first damaged one (a torn tail).
    while (kept < records.size() && intact.get(kept)) {
      Object rec = records.get(kept++);
      if (rec instanceof Entry e) {
        durable.append(List.of(e));
      } else if (rec instanceof SnapshotMetadata s) {
        durable.applySnapshot(s);
      } else {
        durable.setHardState((HardState) rec);
      }
    }
    // What the host wrote is now what survived; below the compaction point only the base is known.
    written.clear();
    writtenBase = durable.firstIndex() - 1;
    writtenBaseTerm = durable.term(writtenBase);
    if (durable.lastIndex() >= durable.firstIndex()) {
      written.addAll(durable.entries(durable.firstIndex(), durable.lastIndex() + 1, Long.MAX_VALUE));
    }
    return new CrashOutcome(writes, records.size(), kept, hadEntries);
  }

  private static boolean[] sectorsKept(SplittableRandom rnd, int sectors) {
    boolean[] kept = new boolean[sectors];
    int mode = rnd.nextInt(3);  // 0: none survive, 1: all survive, 2: a random subset
    for (int s = 0; s < sectors; s++) {
      kept[s] = mode == 1 || (mode == 2 && rnd.nextBoolean());
    }
    return kept;
  }

  private static int recordSize(Object rec) {
    return RECORD_HEADER + ((com.google.protobuf.MessageLite) rec).getSerializedSize();
  }
}
