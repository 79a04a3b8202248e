package io.raftd.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Proves the simulator catches a host that breaks the durability order around snapshots: compacting the
 * log before the snapshot covering it is durable, so a crash leaves entries that exist nowhere.
 */
class HostBrokenVariantTest {
  private static final int MAX_SCHEDULES = Integer.getInteger("sim.variantMaxSchedules", 20000);

  @Test
  void randomSearchCatchesCompactionBeforeTheSnapshotIsDurable() {
    SimBatch.Caught caught = SimBatch.firstFailure(1, MAX_SCHEDULES, Integer.getInteger("sim.threads", 2),
        UnaryOperator.identity(), Simulation.HostBug.COMPACT_BEFORE_SNAPSHOT_DURABLE);
    System.out.printf("broken variant COMPACT_BEFORE_SNAPSHOT_DURABLE: caught after %d schedules (seed %d): %s%n",
        caught.schedules(), caught.seed(), caught.firstLine());
    assertTrue(caught.schedules() > 0, "not caught within " + MAX_SCHEDULES + " schedules");
    assertTrue(ReplayMain.replay(caught.seed()).endsWith("passed"), "seed " + caught.seed() + " fails without the bug too");
  }
}
