package io.raftd.storage;

/**
 * Deliberate storage bugs, for proving that the simulator's random search catches each one. Only tests
 * can choose one (through the package-private {@code WriteAheadLog.open}); production always runs NONE.
 */
enum BrokenStorage {
  NONE,
  /** sync() reports the batch durable without forcing it. */
  ACKNOWLEDGE_BEFORE_FSYNC,
  /** A taken snapshot's record is trusted, and segments deleted, before the record is durable. */
  COMPACT_BEFORE_SNAPSHOT_DURABLE,
  /** No directory fsync after a segment is renamed into place or deleted. */
  SKIP_DIRECTORY_FSYNC,
  /**
   * Recovery reads the damage only a lost segment leaves (a sealed newest segment, a cut one, an empty
   * WAL beside a cluster record) as a torn tail, and starts with what is left.
   */
  LOST_SEGMENT_READ_AS_TORN_TAIL
}
