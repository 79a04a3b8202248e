package io.raftd.host;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * When a snapshot is due: the entry bound alone while the last snapshot is small; for a large one, only once
 * the log since holds log_percent of its size, so a large state is not rewritten every few thousand entries
 * nor every snapshot.bytes; the byte bound, or that share if larger, whatever the entries.
 */
class SnapshotPolicyTest {
  private static final long MIB = 1 << 20;
  private final ApplyWorker.SnapshotPolicy policy = new ApplyWorker.SnapshotPolicy(10_000, 64 * MIB, 5_000, 100);

  @Test
  void aSmallStateSnapshotsByEntriesAlone() {
    assertFalse(policy.due(9_999, 1_000, 0));
    assertTrue(policy.due(10_000, 1_000, 0), "no snapshot yet");
    assertTrue(policy.due(10_000, 1_000, MIB - 1), "a snapshot under 1 MiB costs little to rewrite");
  }

  @Test
  void aLargeStateWaitsUntilTheLogHoldsItsShare() {
    long state = 150 * MIB;  // 550,000 keys of 256 bytes, about
    assertFalse(policy.due(10_000, 3 * MIB, state), "10,000 puts of 300 bytes: 3 MiB of log for 150 MiB rewritten");
    assertFalse(policy.due(200_000, 60 * MIB, state));
    assertFalse(policy.due(220_000, 64 * MIB, state), "64 MiB of log would rewrite 150 MiB of state");
    assertTrue(policy.due(520_000, 150 * MIB, state), "the log since holds as much as the snapshot");
    ApplyWorker.SnapshotPolicy half = new ApplyWorker.SnapshotPolicy(10_000, 1024 * MIB, 5_000, 50);
    assertFalse(half.due(10_000, 74 * MIB, state));
    assertTrue(half.due(10_000, 75 * MIB, state), "50 percent of 150 MiB");
  }

  @Test
  void theByteBoundHoldsForAStateSmallerThanIt() {
    assertFalse(policy.due(1_000, 64 * MIB - 1, 10 * MIB));
    assertTrue(policy.due(1_000, 64 * MIB, 10 * MIB), "a restart replays at most snapshot.bytes of a small state's log");
    assertTrue(policy.due(1_000, 64 * MIB, 0), "no snapshot yet");
  }

  @Test
  void zeroPercentIsTheEntryBoundAlone() {
    ApplyWorker.SnapshotPolicy entriesAlone = new ApplyWorker.SnapshotPolicy(10_000, 64 * MIB, 5_000, 0);
    assertTrue(entriesAlone.due(10_000, 1, 150 * MIB));
    assertTrue(entriesAlone.due(1, 64 * MIB, 150 * MIB), "and the byte bound alone");
  }
}
