package io.raftd.walformat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SegmentSeal;
import io.raftd.proto.SnapshotMetadata;

/**
 * The replay rules: what a WAL's records, read oldest first, make of the log. An entry at or below the
 * last index replaces the suffix from it; an installed snapshot restarts the log after it; a taken
 * snapshot lets the log be compacted up to it; the newest hard state counts. Entries that begin after a
 * gap (the segments before them were deleted by compaction) restart the log there, and the newest
 * snapshot must then cover the gap. At the end the log starts right after the newest snapshot. Recovery
 * and the offline tools replay through this one class, into their own {@link Log}.
 */
public final class WalReplay implements SegmentScanner.Visitor {
  /** Where the replayed entries go: recovery's log index, or the offline tools' table. */
  public interface Log {
    /** The compaction point: the log holds entries base + 1 .. last. */
    long base();

    long last();

    /** The term of the entry at {@code index} (base included). */
    long term(long index);

    /** Adds {@code e}, whose record is at {@code offset} of the segment being read, first dropping every entry at or after its index. */
    void append(Entry e, long offset, int length);

    /** Replaces everything with an empty log after {@code index}. */
    void reset(long index, long term, Configuration configuration);

    /** Drops the entries up to {@code index} (at most the last). */
    void compactTo(long index);

    /** Sets the term and configuration at the base: those of the snapshot the log starts after. */
    void rebase(long term, Configuration configuration);
  }

  private final Log log;
  /** The log's base is not known: entries began after a gap. */
  private boolean baseUnknown;
  private HardState hardState = HardState.getDefaultInstance();
  private SnapshotMetadata snapshot = SnapshotMetadata.getDefaultInstance();
  private long entries;
  private String segment = "";
  private String error;

  public WalReplay(Log log) {
    this.log = log;
  }

  /** The records that follow come from this segment (named in messages). */
  public void segment(String name) {
    this.segment = name;
  }

  @Override
  public void record(RecordType type, byte[] body, long offset, int length) {
    if (error != null) {
      return;
    }
    try {
      switch (type) {
        case ENTRY -> entry(Entry.parseFrom(body), offset, length);
        case HARD_STATE -> hardState = HardState.parseFrom(body);
        case SNAPSHOT_INSTALLED -> {
          snapshot = SnapshotMetadata.parseFrom(body);
          restartAfter(snapshot);
        }
        case SNAPSHOT_TAKEN -> taken(SnapshotMetadata.parseFrom(body));
        case SEGMENT_SEALED -> SegmentSeal.parseFrom(body);  // where the log goes on is WalScan's business
      }
    } catch (InvalidProtocolBufferException e) {
      error = segment + " at offset " + offset + ": a " + type + " record passes its checksum but does not decode ("
          + e.getMessage() + ")";
    }
  }

  private void entry(Entry e, long offset, int length) {
    long i = e.getIndex();
    if (i <= log.base() || i > log.last() + 1) {
      log.reset(i - 1, 0, Configuration.getDefaultInstance());
      baseUnknown = true;
    }
    log.append(e, offset, length);
    entries++;
  }

  /** A snapshot this member took, its file durable: the log may be compacted up to it. */
  public void taken(SnapshotMetadata s) {
    if (s.getIndex() > snapshot.getIndex()) {
      snapshot = s;
    }
    if (s.getIndex() >= log.last()) {
      restartAfter(s);
    } else if (s.getIndex() > log.base() || (baseUnknown && s.getIndex() == log.base())) {
      // The snapshot covers the log up to its index: what came before it (even a gap) no longer matters.
      log.compactTo(s.getIndex());
      log.rebase(s.getTerm(), s.getConfiguration());
      baseUnknown = false;
    }
  }

  private void restartAfter(SnapshotMetadata s) {
    log.reset(s.getIndex(), s.getTerm(), s.getConfiguration());
    baseUnknown = false;
  }

  /** A record that passed its checksum but did not decode (replay stopped there), or null. */
  public String error() {
    return error;
  }

  /**
   * After the last record: the log starts right after the newest snapshot (a tail kept before it in
   * memory is not kept across restarts).
   *
   * @return what makes the log unusable (a snapshot contradicting the log, or entries after a gap no
   *     snapshot covers), or null
   */
  public String finish() {
    if (snapshot.getIndex() > log.base()) {
      if (snapshot.getIndex() >= log.last()) {
        log.reset(snapshot.getIndex(), snapshot.getTerm(), snapshot.getConfiguration());
      } else {
        if (!baseUnknown && log.term(snapshot.getIndex()) != snapshot.getTerm()) {
          return "snapshot " + snapshot.getIndex() + " has term " + snapshot.getTerm() + " but the log holds term "
              + log.term(snapshot.getIndex()) + " there";
        }
        log.compactTo(snapshot.getIndex());
        log.rebase(snapshot.getTerm(), snapshot.getConfiguration());
      }
      baseUnknown = false;
    }
    if (baseUnknown) {
      return "the WAL's entries start at " + (log.base() + 1) + " but no snapshot covers the entries before them"
          + " (segments deleted by hand?)";
    }
    return null;
  }

  /** The newest hard state. */
  public HardState hardState() {
    return hardState;
  }

  /** The newest snapshot recorded (taken or installed). */
  public SnapshotMetadata snapshot() {
    return snapshot;
  }

  /** Entry records replayed. */
  public long entries() {
    return entries;
  }
}
