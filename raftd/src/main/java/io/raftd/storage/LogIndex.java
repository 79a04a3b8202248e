package io.raftd.storage;

import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.EntryType;
import io.raftd.raft.confchange.ConfChanges;
import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;

/**
 * Where each durable entry of the log lives: its term, segment, offset and length, for entries
 * {@code base + 1 .. last()}; plus the term and configuration at {@code base} (the compaction point),
 * the configuration entries after it, and the newest entries themselves up to a byte budget, so the
 * leader replicates recent entries without reading them back. Owned by one thread.
 */
final class LogIndex {
  private long base;
  private long baseTerm;
  private Configuration baseConfiguration;
  private int size;
  /** Slot of entry base + 1 in the arrays. */
  private int head;
  private long[] terms = new long[1024];
  private Segment[] segments = new Segment[1024];
  private long[] offsets = new long[1024];
  private int[] lengths = new int[1024];
  private Entry[] cached = new Entry[1024];
  private long cachedBytes;
  /** Entries below this index are not cached. */
  private long cachedFrom;
  private long cacheBudget;
  private final TreeMap<Long, Configuration> configurations = new TreeMap<>();

  LogIndex(long base, long baseTerm, Configuration baseConfiguration, long cacheBudget) {
    this.base = base;
    this.baseTerm = baseTerm;
    this.baseConfiguration = baseConfiguration;
    this.cacheBudget = cacheBudget;
    this.cachedFrom = base + 1;
  }

  long base() {
    return base;
  }

  long last() {
    return base + size;
  }

  Configuration baseConfiguration() {
    return baseConfiguration;
  }

  /** The configuration in force before entry {@code index}: the newest CONFIG entry below it, or the base's. */
  Configuration configurationBefore(long index) {
    Map.Entry<Long, Configuration> c = configurations.lowerEntry(index);
    return c != null ? c.getValue() : baseConfiguration;
  }

  long term(long index) {
    if (index == base) {
      return baseTerm;
    }
    check(index);
    return terms[slot(index)];
  }

  Segment segment(long index) {
    check(index);
    return segments[slot(index)];
  }

  long offset(long index) {
    return offsets[slot(index)];
  }

  int length(long index) {
    return lengths[slot(index)];
  }

  /** The entry if it is cached, else null. */
  Entry cached(long index) {
    return index >= cachedFrom ? cached[slot(index)] : null;
  }

  /**
   * Adds {@code e}, stored at {@code offset} of {@code segment}, first dropping every entry at or after
   * its index. {@code e} must not leave a gap.
   */
  void append(Entry e, Segment segment, long offset, int length) {
    long index = e.getIndex();
    if (index <= base || index > last() + 1) {
      throw new IllegalStateException("entry " + index + " does not continue the log (" + base + ", " + last() + "]");
    }
    truncateFrom(index);
    if (head + size == terms.length) {
      grow();
    }
    int s = head + size;
    terms[s] = e.getTerm();
    segments[s] = segment;
    offsets[s] = offset;
    lengths[s] = length;
    cached[s] = e;
    cachedBytes += e.getSerializedSize();
    size++;
    if (e.getType() == EntryType.CONFIG) {
      configurations.put(index, ConfChanges.parse(e));
    }
    evict();
  }

  /** Sets how many bytes of the newest entries stay cached, dropping the oldest cached ones beyond it. */
  void cacheBudget(long bytes) {
    cacheBudget = bytes;
    evict();
  }

  private void evict() {
    while (cachedBytes > cacheBudget && cachedFrom < last()) {
      int c = slot(cachedFrom);
      cachedBytes -= cached[c].getSerializedSize();
      cached[c] = null;
      cachedFrom++;
    }
  }

  /** Drops every entry at or after {@code index}. */
  void truncateFrom(long index) {
    for (long i = Math.max(index, base + 1); i <= last(); i++) {
      int s = slot(i);
      if (cached[s] != null) {
        cachedBytes -= cached[s].getSerializedSize();
        cached[s] = null;
      }
      segments[s] = null;
    }
    if (index <= last()) {
      size = (int) Math.max(0, index - base - 1);
      configurations.tailMap(index, true).clear();
      cachedFrom = Math.min(cachedFrom, last() + 1);
    }
  }

  /** Drops entries up to {@code index} (at most the last), keeping the term and configuration in force there. */
  void compactTo(long index) {
    if (index <= base) {
      return;
    }
    long term = term(index);
    Map.Entry<Long, Configuration> conf = configurations.floorEntry(index);
    if (conf != null) {
      baseConfiguration = conf.getValue();
    }
    configurations.headMap(index, true).clear();
    for (long i = base + 1; i <= index; i++) {
      int s = slot(i);
      if (cached[s] != null) {
        cachedBytes -= cached[s].getSerializedSize();
        cached[s] = null;
      }
      segments[s] = null;
    }
    head += (int) (index - base);
    size -= (int) (index - base);
    base = index;
    baseTerm = term;
    cachedFrom = Math.max(cachedFrom, base + 1);
  }

  /** Replaces everything with a log that starts after an installed snapshot. */
  void reset(long index, long term, Configuration configuration) {
    truncateFrom(base + 1);
    configurations.clear();
    head = 0;
    size = 0;
    base = index;
    baseTerm = term;
    baseConfiguration = configuration;
    cachedFrom = index + 1;
  }

  /** Sets the term and configuration at the base: those of the snapshot the log starts after. */
  void rebase(long term, Configuration configuration) {
    baseTerm = term;
    baseConfiguration = configuration;
  }

  private void grow() {
    if (head > 0 && size < terms.length / 2) {
      shift();
      return;
    }
    int n = terms.length * 2;
    terms = Arrays.copyOf(terms, n);
    segments = Arrays.copyOf(segments, n);
    offsets = Arrays.copyOf(offsets, n);
    lengths = Arrays.copyOf(lengths, n);
    cached = Arrays.copyOf(cached, n);
  }

  /** Moves the live slots to the front of the arrays. */
  private void shift() {
    System.arraycopy(terms, head, terms, 0, size);
    System.arraycopy(segments, head, segments, 0, size);
    System.arraycopy(offsets, head, offsets, 0, size);
    System.arraycopy(lengths, head, lengths, 0, size);
    System.arraycopy(cached, head, cached, 0, size);
    Arrays.fill(segments, size, head + size, null);
    Arrays.fill(cached, size, head + size, null);
    head = 0;
  }

  private int slot(long index) {
    return head + (int) (index - base - 1);
  }

  private void check(long index) {
    if (index <= base || index > last()) {
      throw new IndexOutOfBoundsException("no entry " + index + " in (" + base + ", " + last() + "]");
    }
  }
}
