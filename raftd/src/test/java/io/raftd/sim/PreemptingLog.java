package io.raftd.sim;

import io.raftd.proto.Entry;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.raft.ForwardingLogStorage;
import io.raftd.raft.LogStorage;
import java.util.List;

/**
 * The core's view of a member's WAL in the host simulator, with a {@link SimHostRuntime#preempt} point
 * before each read of the log's bounds and contents: where, in a real member, the WAL writer thread could
 * publish between two reads of one RaftLoop step. Counts the points at which the writer made a snapshot
 * record durable in the middle of a step (the window of issue 12's first bug).
 */
final class PreemptingLog extends ForwardingLogStorage {
  private final SimHostRuntime runtime;
  /** Preemption points at which the durable snapshot changed under the step. */
  long snapshotsMidStep;

  PreemptingLog(LogStorage wal, SimHostRuntime runtime) {
    super(wal);
    this.runtime = runtime;
  }

  private void preempt() {
    SnapshotMetadata before = log.snapshot();
    runtime.preempt();
    if (log.snapshot() != before) {
      snapshotsMidStep++;
    }
  }

  @Override
  public long firstIndex() {
    preempt();
    return log.firstIndex();
  }

  @Override
  public long lastIndex() {
    preempt();
    return log.lastIndex();
  }

  @Override
  public long term(long index) {
    preempt();
    return log.term(index);
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    preempt();
    return log.entries(lo, hi, maxBytes);
  }
}
