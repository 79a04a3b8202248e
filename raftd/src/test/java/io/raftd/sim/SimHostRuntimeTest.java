package io.raftd.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.host.Lane;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The host simulator's scheduler: seeded interleavings that replay, lanes that stay in order, virtual time. */
class SimHostRuntimeTest {
  /** Three lanes hand work to each other (as the RaftLoop, the WAL writer and the apply lane do). */
  private static List<String> run(long seed) {
    SimHostRuntime rt = new SimHostRuntime(seed, 0);
    List<String> order = new ArrayList<>();
    Lane[] lanes = {rt.lane("a", (c, t) -> { }), rt.lane("b", (c, t) -> { }), rt.lane("c", (c, t) -> { })};
    for (Lane l : lanes) {
      l.start();
    }
    for (int i = 0; i < 5; i++) {
      for (int k = 0; k < 3; k++) {
        String name = "abc".charAt(k) + "" + i;
        Lane next = lanes[(k + 1) % 3];
        lanes[k].post(() -> {
          order.add(name);
          next.post(() -> order.add(name + ">"));
        });
      }
    }
    while (rt.step()) {
      // until nothing is left
    }
    return order;
  }

  @Test
  void aSeedReplaysItsInterleavingAndSeedsDiffer() {
    List<String> first = run(7);
    List<String> replay = run(7);  // a second run of the same seed, on a fresh runtime
    assertEquals(first, replay, "seed 7 interleaved its lanes differently the second time");
    Set<List<String>> orders = new HashSet<>();
    for (long seed = 1; seed <= 20; seed++) {
      orders.add(run(seed));
    }
    assertTrue(orders.size() > 10, "20 seeds gave only " + orders.size() + " interleavings");
  }

  @Test
  void eachLaneRunsItsTasksInTheOrderPosted() {
    for (long seed = 1; seed <= 20; seed++) {
      List<String> order = run(seed);
      for (String lane : List.of("a", "b", "c")) {
        List<String> own = order.stream().filter(s -> s.startsWith(lane) && !s.endsWith(">")).toList();
        assertEquals(List.of(lane + 0, lane + 1, lane + 2, lane + 3, lane + 4), own, "seed " + seed);
      }
      assertEquals(30, order.size());
    }
  }

  @Test
  void timeMovesOnlyWhenNoLaneHasWorkToTheNextTimerDue() {
    SimHostRuntime rt = new SimHostRuntime(1, 1_000);
    Lane lane = rt.lane("a", (c, t) -> { });
    lane.start();
    List<String> fired = new ArrayList<>();
    lane.schedule(5_000_000, () -> fired.add("5 ms at " + rt.nanoTime()));
    Runnable cancel = lane.schedule(3_000_000, () -> fired.add("cancelled"));
    lane.schedule(1_000_000, () -> fired.add("1 ms at " + rt.nanoTime()));
    lane.post(() -> fired.add("now at " + rt.nanoTime()));
    cancel.run();
    rt.runUntil(10_000_000);
    assertEquals(List.of("now at 0", "1 ms at 1000000", "5 ms at 5000000"), fired);
    assertEquals(10_000_000, rt.nanoTime());
    assertEquals(1_010, rt.currentTimeMillis());
    assertFalse(rt.step(), "work left");
  }

  @Test
  void aTaskThatThrowsStopsItsMemberThroughItsLanesFatal() {
    SimHostRuntime rt = new SimHostRuntime(1, 0);
    AtomicReference<String> stopped = new AtomicReference<>();
    Lane lane = rt.lane("wal-writer", (component, cause) -> stopped.set(component + ": " + cause.getMessage()));
    lane.start();
    lane.post(() -> {
      throw new IllegalStateException("fsync failed");
    });
    rt.step();
    assertEquals("wal-writer: fsync failed", stopped.get());
  }
}
