package io.raftd.driver;

import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import java.util.List;

/**
 * Makes hard state and entries durable: every write is fsynced before it is reported (a commit-only change
 * is never a write of its own; see {@link ReadyProcessor}). Writes become durable in the order they were started; the host
 * reports each one, in that order, through {@link ReadyProcessor#onWriteDurable()}.
 */
public interface LogWriter {
  /**
   * Starts a write, in this order: a snapshot from the leader replaces the whole stored log; then
   * entries (if they begin at or below the last stored index, the stored suffix from that index is
   * replaced); then the hard state, so a crash can never keep a commit index without the entries it
   * covers.
   *
   * @param snapshot an installed snapshot (its file already durable) the log now starts after, or null
   * @param hardState the new hard state, or null if unchanged
   */
  void write(SnapshotMetadata snapshot, HardState hardState, List<Entry> entries);
}
