package io.raftd.walformat;

import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import java.util.Arrays;

/**
 * The log a WAL replays to, as the offline tools need it: for each entry base + 1 .. last, its term and
 * where its record is (segment, offset, length), so it can be read back. The base's term is kept; the
 * configurations are not (the tools do not need them).
 */
public final class ReplayedLog implements WalReplay.Log {
  private long base;
  private long baseTerm;
  private int size;
  /** Slot of entry base + 1. */
  private int head;
  private long[] terms = new long[1024];
  private int[] segments = new int[1024];
  private long[] offsets = new long[1024];
  private int[] lengths = new int[1024];
  /** The segment, by its position in the directory, that entries appended now were read from. */
  private int segment;

  /** Entries appended from now on were read from the {@code k}th segment (oldest first, from 0). */
  void segment(int k) {
    this.segment = k;
  }

  @Override
  public long base() {
    return base;
  }

  @Override
  public long last() {
    return base + size;
  }

  /** The term of the base, the entry (or snapshot) the log starts after. */
  public long baseTerm() {
    return baseTerm;
  }

  @Override
  public long term(long index) {
    return index == base ? baseTerm : terms[slot(index)];
  }

  /** The segment (position, oldest first) holding the record of entry {@code index}. */
  public int segmentOf(long index) {
    return segments[slot(index)];
  }

  public long offsetOf(long index) {
    return offsets[slot(index)];
  }

  public int lengthOf(long index) {
    return lengths[slot(index)];
  }

  @Override
  public void append(Entry e, long offset, int length) {
    size = (int) (e.getIndex() - base - 1);
    if (head + size == terms.length) {
      int n = Math.max(terms.length, 2 * size + 2);
      terms = Arrays.copyOfRange(terms, head, head + n);
      segments = Arrays.copyOfRange(segments, head, head + n);
      offsets = Arrays.copyOfRange(offsets, head, head + n);
      lengths = Arrays.copyOfRange(lengths, head, head + n);
      head = 0;
    }
    int s = head + size;
    terms[s] = e.getTerm();
    segments[s] = segment;
    offsets[s] = offset;
    lengths[s] = length;
    size++;
  }

  @Override
  public void reset(long index, long term, Configuration configuration) {
    base = index;
    baseTerm = term;
    head = 0;
    size = 0;
  }

  @Override
  public void compactTo(long index) {
    if (index <= base) {
      return;
    }
    baseTerm = term(index);
    head += (int) (index - base);
    size -= (int) (index - base);
    base = index;
  }

  @Override
  public void rebase(long term, Configuration configuration) {
    baseTerm = term;
  }

  private int slot(long index) {
    if (index <= base || index > last()) {
      throw new IndexOutOfBoundsException("no entry " + index + " in (" + base + ", " + last() + "]");
    }
    return head + (int) (index - base - 1);
  }
}
