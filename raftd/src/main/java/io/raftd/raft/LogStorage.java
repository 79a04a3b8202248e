package io.raftd.raft;

import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import java.util.List;

/**
 * The durable log as the core sees it: read-only. Every write reaches storage through a {@link Ready}
 * that the host persists; the core keeps entries that are not yet durable in its own memory and reads
 * those from there. Implementations hold entries {@code [firstIndex(), lastIndex()]}; {@code term} is
 * also defined at {@code firstIndex() - 1} (the entry a snapshot ends with, or index 0 of term 0).
 * Invariant: {@code firstIndex() - 1 <= snapshot().getIndex()}: a prefix is compacted only once a
 * durable snapshot covers it.
 *
 * <p><b>Threads.</b> The host may make entries durable (append, truncate a suffix the core no longer holds
 * as stable, install a snapshot the core handed it) on another thread while the core steps: those change
 * nothing the core reads from here during a step. Compaction does (the first index moves, entries and
 * terms below it go), so it becomes visible only on the core's own thread, between steps, and only after
 * the core has been told of the snapshot that covers it ({@link RawNode#snapshotTaken}).
 */
public interface LogStorage {
  /** The hard state last made durable; a new member gets term 0. */
  HardState hardState();

  /**
   * The configuration in force at {@code firstIndex() - 1}: the bootstrap configuration (empty for a
   * member that joins later), or the one the compacted prefix or installed snapshot ended with. The
   * configuration entries in the log then apply on top of it.
   */
  Configuration configuration();

  /** The newest durable snapshot (index 0 if none): what the leader sends a follower that needs it. */
  SnapshotMetadata snapshot();

  long firstIndex();

  long lastIndex();

  /** The term of the entry at {@code index}, for {@code firstIndex() - 1 <= index <= lastIndex()}. */
  long term(long index);

  /**
   * Entries {@code [lo, hi)} (within the stored range), stopping once their data exceeds
   * {@code maxBytes} but always returning at least one entry.
   */
  List<Entry> entries(long lo, long hi, long maxBytes);
}
