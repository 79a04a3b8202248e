package io.raftd.storage;

import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.raft.LogStorage;
import java.util.ArrayList;
import java.util.List;

/**
 * The WAL's log as a plain list, for comparing a {@link WriteAheadLog} against: what its {@link LogStorage}
 * view must show after the same writes ({@link #installed}, {@link #entry}, {@link #hardState},
 * {@link #taken}), and after a restart ({@link #restarted}: the log starts right after the newest snapshot).
 */
final class WalModel {
  private long base;
  private long baseTerm;
  private Configuration configuration;
  private final List<Entry> entries = new ArrayList<>();
  private HardState hardState = HardState.getDefaultInstance();
  private SnapshotMetadata snapshot = SnapshotMetadata.getDefaultInstance();

  WalModel(Configuration bootstrap) {
    this.configuration = bootstrap;
  }

  WalModel copy() {
    WalModel m = new WalModel(configuration);
    m.base = base;
    m.baseTerm = baseTerm;
    m.entries.addAll(entries);
    m.hardState = hardState;
    m.snapshot = snapshot;
    return m;
  }

  long base() {
    return base;
  }

  long last() {
    return base + entries.size();
  }

  long commit() {
    return hardState.getCommit();
  }

  HardState hardState() {
    return hardState;
  }

  SnapshotMetadata snapshot() {
    return snapshot;
  }

  Configuration configuration() {
    return configuration;
  }

  long term(long i) {
    if (i == base) {
      return baseTerm;
    }
    return entries.get((int) (i - base - 1)).getTerm();
  }

  Entry get(long i) {
    return entries.get((int) (i - base - 1));
  }

  /** The term of the newest entry (or of the base). */
  long lastTerm() {
    return term(last());
  }

  // ---- The writes, as WriteAheadLog publishes them ----

  WalModel installed(SnapshotMetadata s) {
    snapshot = s;
    base = s.getIndex();
    baseTerm = s.getTerm();
    configuration = s.getConfiguration();
    entries.clear();
    return this;
  }

  WalModel entry(Entry e) {
    long i = e.getIndex();
    if (i <= base || i > last() + 1) {
      throw new IllegalArgumentException("entry " + i + " does not continue (" + base + ", " + last() + "]");
    }
    while (last() >= i) {
      entries.remove(entries.size() - 1);
    }
    entries.add(e);
    return this;
  }

  WalModel entries(List<Entry> es) {
    es.forEach(this::entry);
    return this;
  }

  WalModel hardState(HardState hs) {
    hardState = hs;
    return this;
  }

  /** A snapshot taken here recorded and compacted up to {@code compactTo}. */
  WalModel taken(SnapshotMetadata s, long compactTo) {
    recorded(s);
    compactTo(Math.min(compactTo, last()));
    return this;
  }

  /** A snapshot taken here recorded, the log not yet compacted (the core has not been told). */
  WalModel recorded(SnapshotMetadata s) {
    if (s.getIndex() > snapshot.getIndex()) {
      snapshot = s;
    }
    return this;
  }

  private void compactTo(long to) {
    if (to <= base) {
      return;
    }
    long t = term(to);
    entries.subList(0, (int) (to - base)).clear();
    base = to;
    baseTerm = t;
  }

  /** What a restart recovers: the log starts right after the newest snapshot, which holds only committed entries. */
  WalModel restarted() {
    WalModel m = copy();
    if (m.snapshot.getIndex() > m.base) {
      if (m.snapshot.getIndex() >= m.last()) {
        m.entries.clear();
        m.base = m.snapshot.getIndex();
      } else {
        m.compactTo(m.snapshot.getIndex());
      }
      m.baseTerm = m.snapshot.getTerm();
    }
    if (m.snapshot.getIndex() > 0) {
      m.configuration = m.snapshot.getConfiguration();
    }
    if (m.hardState.getCommit() < m.base) {
      m.hardState = m.hardState.toBuilder().setCommit(m.base).build();
    }
    return m;
  }

  // ---- Comparison ----

  /**
   * The first difference between what {@code log} shows and this model, or null if there is none: first
   * and last index, every term from firstIndex - 1, every entry (read in one call and one by one), hard
   * state, snapshot and configuration.
   */
  String diff(LogStorage log) {
    if (log.firstIndex() != base + 1 || log.lastIndex() != last()) {
      return "log holds [" + log.firstIndex() + ", " + log.lastIndex() + "], expected [" + (base + 1) + ", " + last() + "]";
    }
    for (long i = base; i <= last(); i++) {
      if (log.term(i) != term(i)) {
        return "term(" + i + ") = " + log.term(i) + ", expected " + term(i);
      }
    }
    List<Entry> all = log.entries(base + 1, last() + 1, Long.MAX_VALUE);
    if (!all.equals(entries)) {
      for (int k = 0; k < Math.min(all.size(), entries.size()); k++) {
        if (!all.get(k).equals(entries.get(k))) {
          return "entry " + (base + 1 + k) + " differs: " + brief(all.get(k)) + ", expected " + brief(entries.get(k));
        }
      }
      return "entries returned: " + all.size() + ", expected " + entries.size();
    }
    if (!log.hardState().equals(hardState)) {
      return "hard state " + oneLine(log.hardState()) + ", expected " + oneLine(hardState);
    }
    if (!log.snapshot().equals(snapshot)) {
      return "snapshot " + oneLine(log.snapshot()) + ", expected " + oneLine(snapshot);
    }
    if (!log.configuration().equals(configuration)) {
      return "configuration " + oneLine(log.configuration()) + ", expected " + oneLine(configuration);
    }
    return null;
  }

  /** Checks {@code entries(lo, hi, maxBytes)} against the model for one range: the byte limit and its at-least-one rule. */
  String diffRange(LogStorage log, long lo, long hi, long maxBytes) {
    List<Entry> expected = new ArrayList<>();
    long bytes = 0;
    for (long i = lo; i < hi; i++) {
      bytes += get(i).getData().size();
      if (!expected.isEmpty() && bytes > maxBytes) {
        break;
      }
      expected.add(get(i));
    }
    List<Entry> got = log.entries(lo, hi, maxBytes);
    return got.equals(expected) ? null
        : "entries(" + lo + ", " + hi + ", " + maxBytes + ") returned " + got.size() + " entries, expected " + expected.size();
  }

  @Override
  public String toString() {
    return "(" + base + ", " + last() + "] commit " + hardState.getCommit() + " snapshot " + snapshot.getIndex();
  }

  private static String brief(Entry e) {
    return "[" + e.getIndex() + "/" + e.getTerm() + ", " + e.getData().size() + " bytes]";
  }

  private static String oneLine(com.google.protobuf.MessageLite m) {
    return "{" + m.toString().replace('\n', ' ').trim() + "}";
  }
}
