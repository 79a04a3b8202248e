package io.raftd.driver;

import io.raftd.proto.Entry;
import io.raftd.proto.SnapshotMetadata;
import java.util.List;

/**
 * Applies committed entries to the state machine, in index order; the host reports progress through
 * {@link ReadyProcessor#onApplied(long)}.
 */
public interface Applier {
  void apply(List<Entry> committed);

  /**
   * Replaces the state machine's state with the snapshot (whose file is durable), then reports
   * {@code snapshot.getIndex()} applied; called before any entry after it is applied.
   */
  void restore(SnapshotMetadata snapshot);
}
