package io.raftd.walformat;

/** What a WAL record holds; the byte is part of the on-disk format and never reused. */
public enum RecordType {
  /** A log entry (protobuf {@code Entry}); one at an index at or below the last replaces the suffix from it. */
  ENTRY(1),
  /** The hard state (protobuf {@code HardState}): term, vote and commit. The newest one counts. */
  HARD_STATE(2),
  /**
   * A snapshot this member took (protobuf {@code SnapshotMetadata}), durable in the snapshot store: the
   * log may be compacted up to it, and recovery starts the log after the newest one.
   */
  SNAPSHOT_TAKEN(3),
  /** A snapshot installed from the leader: the whole log before it is replaced, the log restarts after it. */
  SNAPSHOT_INSTALLED(4),
  /**
   * The segment is closed: the log continues in the segment named in the body (protobuf
   * {@code SegmentSeal}), which was durable before this record was written. Always alone in the last frame
   * of a segment; it changes nothing in the log.
   */
  SEGMENT_SEALED(5);

  public final byte code;

  RecordType(int code) {
    this.code = (byte) code;
  }

  /** The type with this code, or null if the code is unknown (a damaged or future record). */
  public static RecordType of(byte code) {
    for (RecordType t : values()) {
      if (t.code == code) {
        return t;
      }
    }
    return null;
  }
}
