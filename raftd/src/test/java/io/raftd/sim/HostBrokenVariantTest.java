package io.raftd.sim;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.UnaryOperator;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Proves the simulator's random search catches each deliberate storage bug: acknowledging a batch
 * before its fsync; deleting segments before the snapshot record covering them is durable; skipping the
 * directory fsync after a segment is renamed into place or deleted; recovering from a lost segment as
 * if a crash had torn the last batch. Each is caught by the states it makes reachable (lost acknowledged
 * entries, a term that went back or a second vote in a term, or a data directory that no longer
 * recovers).
 */
class HostBrokenVariantTest {
  private static final int MAX_SCHEDULES = Integer.getInteger("sim.variantMaxSchedules", 20000);

  @ParameterizedTest
  @EnumSource(value = Simulation.HostBug.class, names = "NONE", mode = EnumSource.Mode.EXCLUDE)
  void randomSearchCatchesTheStorageBug(Simulation.HostBug bug) {
    SimBatch.Caught caught = SimBatch.firstFailure(1, MAX_SCHEDULES, Integer.getInteger("sim.threads", 2),
        UnaryOperator.identity(), bug);
    System.out.printf("broken variant %s: caught after %d schedules (seed %d): %s%n",
        bug, caught.schedules(), caught.seed(), caught.firstLine());
    assertTrue(caught.schedules() > 0, "not caught within " + MAX_SCHEDULES + " schedules");
    assertTrue(ReplayMain.replay(caught.seed()).endsWith("passed"), "seed " + caught.seed() + " fails without the bug too");
  }
}
