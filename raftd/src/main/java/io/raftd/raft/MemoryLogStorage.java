package io.raftd.raft;

import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link LogStorage} held in memory: what the simulator's disk recovers into and what tests use. The
 * host writes to it when a Ready's writes are durable; the core only reads it. Owned by one thread.
 * Invariant: {@code entries.get(k).getIndex() == compactIndex + 1 + k}; {@code compactIndex <= snapshot.getIndex()}.
 */
public final class MemoryLogStorage implements LogStorage {
  private HardState hardState = HardState.getDefaultInstance();
  private Configuration configuration;
  private SnapshotMetadata snapshot = SnapshotMetadata.getDefaultInstance();
  /** The last compacted index and its term: entries up to it are gone. */
  private long compactIndex;
  private long compactTerm;
  private final ArrayList<Entry> entries = new ArrayList<>();

  public MemoryLogStorage(Configuration configuration) {
    this.configuration = configuration;
  }

  @Override
  public HardState hardState() {
    return hardState;
  }

  public void setHardState(HardState hardState) {
    this.hardState = hardState;
  }

  @Override
  public Configuration configuration() {
    return configuration;
  }

  @Override
  public SnapshotMetadata snapshot() {
    return snapshot;
  }

  /** Records a snapshot the host has made durable; compaction up to it is then allowed. */
  public void setSnapshot(SnapshotMetadata snapshot) {
    if (snapshot.getIndex() > this.snapshot.getIndex()) {
      this.snapshot = snapshot;
    }
  }

  /**
   * Replaces the whole log with an installed snapshot: the log then starts after it, and its
   * configuration is the snapshot's.
   */
  public void applySnapshot(SnapshotMetadata snapshot) {
    this.snapshot = snapshot;
    this.configuration = snapshot.getConfiguration();
    entries.clear();
    compactIndex = snapshot.getIndex();
    compactTerm = snapshot.getTerm();
  }

  /** Drops every entry up to {@code index}, which a durable snapshot must cover. */
  public void compact(long index) {
    if (index > snapshot.getIndex()) {
      throw new IllegalArgumentException("compaction to " + index + " beyond the newest durable snapshot "
          + snapshot.getIndex());
    }
    if (index <= compactIndex) {
      return;
    }
    long term = term(index);
    List<Entry> dropped = entries.subList(0, (int) (index - compactIndex));
    for (Entry e : dropped) {
      if (e.getType() == io.raftd.proto.EntryType.CONFIG) {
        configuration = io.raftd.raft.confchange.ConfChanges.parse(e);  // keep the configuration in force at the new first index - 1
      }
    }
    dropped.clear();
    compactIndex = index;
    compactTerm = term;
  }

  @Override
  public long firstIndex() {
    return compactIndex + 1;
  }

  @Override
  public long lastIndex() {
    return compactIndex + entries.size();
  }

  @Override
  public long term(long index) {
    if (index == compactIndex) {
      return compactTerm;
    }
    if (index < compactIndex || index > lastIndex()) {
      throw new IndexOutOfBoundsException("no term for index " + index + " in [" + compactIndex + ", " + lastIndex() + "]");
    }
    return entries.get((int) (index - compactIndex - 1)).getTerm();
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    if (lo < firstIndex() || hi > lastIndex() + 1 || lo > hi) {
      throw new IndexOutOfBoundsException("entries [" + lo + ", " + hi + ") outside [" + firstIndex() + ", " + lastIndex() + "]");
    }
    List<Entry> out = new ArrayList<>();
    long bytes = 0;
    for (long i = lo; i < hi; i++) {
      Entry e = entries.get((int) (i - compactIndex - 1));
      bytes += e.getData().size();
      if (!out.isEmpty() && bytes > maxBytes) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  /**
   * Appends entries, first discarding every stored entry at or after the first new index (the suffix
   * the new entries replace). The new entries must start at or below {@code lastIndex() + 1}.
   */
  public void append(List<Entry> newEntries) {
    if (newEntries.isEmpty()) {
      return;
    }
    long first = newEntries.get(0).getIndex();
    if (first <= compactIndex || first > lastIndex() + 1) {
      throw new IllegalArgumentException("entries starting at " + first + " leave a gap after " + lastIndex());
    }
    truncateFrom(first);
    entries.addAll(newEntries);
  }

  /** Discards every entry at or after {@code index}. */
  public void truncateFrom(long index) {
    if (index <= lastIndex()) {
      entries.subList((int) Math.max(0, index - compactIndex - 1), entries.size()).clear();
    }
  }
}
