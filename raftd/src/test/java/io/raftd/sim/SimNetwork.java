package io.raftd.sim;

import io.raftd.proto.RaftMessage;
import java.util.SplittableRandom;

/**
 * A faulty network between simulated members: drops, duplicates, delays (sometimes beyond an election
 * timeout, which also reorders) and partitions of any subsets, one-way included. A blocked link loses
 * messages both when they are sent and when they would arrive.
 */
final class SimNetwork {
  private final Simulation sim;
  private final SplittableRandom rnd;
  private final boolean[][] blocked;
  private FaultMix mix;
  private boolean faulty = true;

  long sent;
  long dropped;
  long duplicated;
  long delayedLong;
  long partitionedDrops;
  /** Messages by body type, and entry payload bytes in AppendEntries: for the message-count scenarios. */
  final long[] byType = new long[RaftMessage.BodyCase.values().length];
  long appendEntryBytes;

  SimNetwork(Simulation sim, SplittableRandom rnd, FaultMix mix, int nodes) {
    this.sim = sim;
    this.rnd = rnd;
    this.mix = mix;
    this.blocked = new boolean[nodes][nodes];
  }

  /** After heal: no more loss, duplication or long delays. */
  void calm() {
    faulty = false;
  }

  void block(int from, int to) {
    blocked[from][to] = true;
  }

  void healAll() {
    for (boolean[] row : blocked) {
      java.util.Arrays.fill(row, false);
    }
  }

  /** False once healed: no more loss, duplication or long delays. */
  boolean faulty() {
    return faulty;
  }

  boolean isBlocked(int from, int to) {
    return blocked[from][to];
  }

  void send(int from, int to, RaftMessage m) {
    sent++;
    byType[m.getBodyCase().ordinal()]++;
    if (m.hasAppendEntries()) {
      m.getAppendEntries().getEntriesList().forEach(e -> appendEntryBytes += e.getData().size());
    }
    if (blocked[from][to]) {
      partitionedDrops++;
      return;
    }
    if (faulty && rnd.nextDouble() < mix.dropRate()) {
      dropped++;
      return;
    }
    schedule(from, to, m);
    if (faulty && rnd.nextDouble() < mix.duplicateRate()) {
      duplicated++;
      schedule(from, to, m);
    }
  }

  private void schedule(int from, int to, RaftMessage m) {
    long delay = 1 + rnd.nextInt(mix.maxDelayMs());
    if (faulty && rnd.nextDouble() < mix.longDelayRate()) {
      delayedLong++;
      delay = 150 + rnd.nextInt(600);
    }
    sim.queue().after(delay, "deliver", to, m, () -> {
      if (blocked[from][to]) {
        partitionedDrops++;
      } else {
        sim.deliver(to, m);
      }
    });
  }
}
