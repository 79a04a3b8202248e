package io.raftd.node;

import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import java.util.List;

/**
 * Makes hard state and entries durable. Writes become durable in the order they were started; the host
 * reports each one, in that order, through {@link ReadyProcessor#onWriteDurable()}.
 */
public interface LogWriter {
  /**
   * Starts a write. If {@code entries} begins at or below the last stored index, the stored suffix from
   * that index is replaced. The hard state is written after the entries, so a crash can never keep a
   * commit index without the entries it covers.
   *
   * @param hardState the new hard state, or null if unchanged
   * @param sync false if the write need not be fsynced before it counts as durable (a commit-only change)
   */
  void write(HardState hardState, List<Entry> entries, boolean sync);
}
