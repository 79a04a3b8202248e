package io.raftd.raft;

import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import java.util.ArrayList;
import java.util.List;

/**
 * A {@link LogStorage} held in memory: what the simulator's disk recovers into and what tests use. The
 * host writes to it when a Ready's writes are durable; the core only reads it. Owned by one thread.
 * Invariant: {@code entries.get(k).getIndex() == snapshotIndex + 1 + k}.
 */
public final class MemoryLogStorage implements LogStorage {
  private HardState hardState = HardState.getDefaultInstance();
  private Configuration configuration;
  private long snapshotIndex;
  private long snapshotTerm;
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
  public long firstIndex() {
    return snapshotIndex + 1;
  }

  @Override
  public long lastIndex() {
    return snapshotIndex + entries.size();
  }

  @Override
  public long term(long index) {
    if (index == snapshotIndex) {
      return snapshotTerm;
    }
    if (index < snapshotIndex || index > lastIndex()) {
      throw new IndexOutOfBoundsException("no term for index " + index + " in [" + snapshotIndex + ", " + lastIndex() + "]");
    }
    return entries.get((int) (index - snapshotIndex - 1)).getTerm();
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    if (lo < firstIndex() || hi > lastIndex() + 1 || lo > hi) {
      throw new IndexOutOfBoundsException("entries [" + lo + ", " + hi + ") outside [" + firstIndex() + ", " + lastIndex() + "]");
    }
    List<Entry> out = new ArrayList<>();
    long bytes = 0;
    for (long i = lo; i < hi; i++) {
      Entry e = entries.get((int) (i - snapshotIndex - 1));
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
    if (first <= snapshotIndex || first > lastIndex() + 1) {
      throw new IllegalArgumentException("entries starting at " + first + " leave a gap after " + lastIndex());
    }
    truncateFrom(first);
    entries.addAll(newEntries);
  }

  /** Discards every entry at or after {@code index}. */
  public void truncateFrom(long index) {
    if (index <= lastIndex()) {
      entries.subList((int) Math.max(0, index - snapshotIndex - 1), entries.size()).clear();
    }
  }
}
