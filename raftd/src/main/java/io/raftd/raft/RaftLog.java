package io.raftd.raft;

import io.raftd.proto.Entry;
import io.raftd.proto.SnapshotMetadata;
import java.util.ArrayList;
import java.util.List;

/**
 * The log as one member sees it: durable entries in {@link LogStorage} followed by entries the core
 * holds in memory until the host reports them durable ({@code unstable}). Entries leave memory through
 * {@link #nextToPersist()} in a Ready and are dropped from it by {@link #stableTo}, once the host says
 * they are durable. Owned by the thread that owns the RawNode.
 *
 * <p>Invariants: {@code unstable.get(k).getIndex() == offset + k}; entries below {@code offset} are read
 * from storage, entries at or above it from memory (storage may still hold a suffix that a pending write
 * will replace); {@code applied <= applying <= committed}; {@code committed <= lastIndex()};
 * {@code persisted} is the highest index known durable with the term it has now;
 * {@code emittedTo} is the last index already handed to the host; and nothing at or below
 * {@code restoredIndex} is read from storage (after a snapshot is installed, until the host has reset
 * the stored log, storage holds a stale one).
 */
final class RaftLog {
  private final LogStorage storage;
  private final ArrayList<Entry> unstable = new ArrayList<>();
  private long offset;
  private long emittedTo;
  /** Highest index known committed (paper: commitIndex). */
  long committed;
  /** Highest index handed to the host to apply. */
  long applying;
  /** Highest index the host reports applied (paper: lastApplied). */
  long applied;
  /** Highest index durable on this member's disk with the term the log now has there. */
  long persisted;
  /** How many times entries already in the log were replaced by a conflicting suffix. */
  long truncations;
  /** The last snapshot installed from a leader (0 if none): this log starts after it. */
  private long restoredIndex;
  private long restoredTerm;
  /** A snapshot installed from the leader that the host has not yet been handed (Ready.snapshot). */
  private SnapshotMetadata pendingSnapshot;

  RaftLog(LogStorage storage, long committed, long applied) {
    this.storage = storage;
    this.offset = storage.lastIndex() + 1;
    this.emittedTo = storage.lastIndex();
    this.persisted = storage.lastIndex();
    this.committed = committed;
    this.applied = applied;
    this.applying = applied;
  }

  /** The first index this log holds; entries before it are only in a snapshot. */
  long firstIndex() {
    return Math.max(storage.firstIndex(), restoredIndex + 1);
  }

  long lastIndex() {
    return unstable.isEmpty() ? offset - 1 : offset + unstable.size() - 1;
  }

  long lastTerm() {
    return term(lastIndex());
  }

  /** The term at {@code index}, or 0 if the log holds no entry there (compacted away or beyond the end). */
  long term(long index) {
    if (index >= offset) {
      return index <= lastIndex() ? unstable.get((int) (index - offset)).getTerm() : 0;
    }
    if (index == restoredIndex && index > 0) {
      return restoredTerm;
    }
    if (index < firstIndex() - 1) {
      return 0;
    }
    return storage.term(index);
  }

  boolean matchTerm(long index, long term) {
    return term(index) == term && (index == 0 || term != 0);
  }

  /** Paper §5.4.1: a candidate's log is at least as up to date as this one. */
  boolean isUpToDate(long lastIndex, long lastTerm) {
    return lastTerm > lastTerm() || (lastTerm == lastTerm() && lastIndex >= lastIndex());
  }

  /**
   * The first index at which {@code entries} disagree with this log, or 0 if every one of them is
   * already here (a duplicate or shorter, stale AppendEntries: nothing to truncate or append).
   */
  long findConflict(List<Entry> entries) {
    for (Entry e : entries) {
      if (!matchTerm(e.getIndex(), e.getTerm())) {
        return e.getIndex();
      }
    }
    return 0;
  }

  /** Appends {@code entries}, replacing any entries at or after the first one's index. */
  void append(List<Entry> entries) {
    if (entries.isEmpty()) {
      return;
    }
    long first = entries.get(0).getIndex();
    if (first <= committed) {
      throw new IllegalStateException("entry " + first + " would overwrite committed entries up to " + committed);
    }
    if (first <= lastIndex()) {
      truncations++;
    }
    if (first == offset + unstable.size()) {
      unstable.addAll(entries);
    } else if (first <= offset) {
      // The replaced suffix starts in storage: the host truncates it when it persists these entries.
      unstable.clear();
      unstable.addAll(entries);
      offset = first;
    } else {
      unstable.subList((int) (first - offset), unstable.size()).clear();
      unstable.addAll(entries);
    }
    emittedTo = Math.min(emittedTo, first - 1);
    persisted = Math.min(persisted, first - 1);
  }

  /**
   * Thesis §5.4 / paper Figure 13: replaces the whole log with a snapshot from the leader. Everything up
   * to its index is committed and will be applied by restoring the snapshot. The caller ensures the
   * snapshot is past the commit index: a stale one would roll committed state back.
   */
  void restore(SnapshotMetadata snapshot) {
    long index = snapshot.getIndex();
    unstable.clear();
    offset = index + 1;
    emittedTo = index;
    persisted = index;
    committed = index;
    applying = index;
    restoredIndex = index;
    restoredTerm = snapshot.getTerm();
    pendingSnapshot = snapshot;
  }

  /** The newest durable snapshot in storage: what a leader sends. */
  SnapshotMetadata storedSnapshot() {
    return storage.snapshot();
  }

  /** A snapshot restored here and not yet handed to the host, or null. */
  SnapshotMetadata pendingSnapshot() {
    return pendingSnapshot;
  }

  void snapshotHandedOut() {
    pendingSnapshot = null;
  }

  /** The host reports entries up to {@code index} durable with {@code term}; false if that entry was since replaced. */
  boolean stableTo(long index, long term) {
    if (index > lastIndex() || term(index) != term || term == 0) {
      return false;
    }
    if (index >= offset) {
      unstable.subList(0, (int) (index - offset + 1)).clear();
      offset = index + 1;
      emittedTo = Math.max(emittedTo, index);
    }
    persisted = Math.max(persisted, index);
    return true;
  }

  /** Entries not yet handed to the host for persistence; may start below the last durable index (a truncation). */
  List<Entry> nextToPersist() {
    if (emittedTo >= lastIndex()) {
      return List.of();
    }
    return List.copyOf(unstable.subList((int) (emittedTo + 1 - offset), unstable.size()));
  }

  /** True if {@link #nextToPersist()} would return entries (without copying them). */
  boolean hasUnemitted() {
    return emittedTo < lastIndex();
  }

  /** True if {@link #nextToApply} would return entries (without reading them). */
  boolean hasToApply() {
    return Math.min(committed, persisted) > applying;
  }

  void markEmitted(long index) {
    emittedTo = Math.max(emittedTo, index);
  }

  /** Committed entries that are durable here and not yet handed out to apply. */
  List<Entry> nextToApply(long maxBytes) {
    long hi = Math.min(committed, persisted);
    if (hi <= applying) {
      return List.of();
    }
    return entries(applying + 1, hi + 1, maxBytes);
  }

  /** Entries {@code [lo, hi)}, at least one, stopping once their data exceeds {@code maxBytes}. */
  List<Entry> entries(long lo, long hi, long maxBytes) {
    List<Entry> out = new ArrayList<>();
    long bytes = 0;
    if (lo < offset) {
      out.addAll(storage.entries(lo, Math.min(hi, offset), maxBytes));
      for (Entry e : out) {
        bytes += e.getData().size();
      }
      if (out.size() < Math.min(hi, offset) - lo) {
        return out;
      }
    }
    for (long i = Math.max(lo, offset); i < hi; i++) {
      Entry e = unstable.get((int) (i - offset));
      bytes += e.getData().size();
      if (!out.isEmpty() && bytes > maxBytes) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  Entry entry(long index) {
    if (index < firstIndex() || index > lastIndex()) {
      return null;
    }
    return entries(index, index + 1, Long.MAX_VALUE).get(0);
  }

  void commitTo(long index) {
    if (index > committed) {
      if (index > lastIndex()) {
        throw new IllegalStateException("commit " + index + " beyond last index " + lastIndex());
      }
      committed = index;
    }
  }
}
