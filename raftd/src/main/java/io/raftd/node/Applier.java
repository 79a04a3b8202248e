package io.raftd.node;

import io.raftd.proto.Entry;
import java.util.List;

/**
 * Applies committed entries to the state machine, in index order; the host reports progress through
 * {@link ReadyProcessor#onApplied(long)}.
 */
public interface Applier {
  void apply(List<Entry> committed);
}
