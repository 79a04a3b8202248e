package io.raftd.sim;

import static io.raftd.sim.Scenarios.awaitLeader;
import static io.raftd.sim.Scenarios.commitOne;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.Entry;
import io.raftd.raft.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Crash-restart scenarios (after the 6.824 lab 2C persistence tests) under steady client load: single
 * members, leaders included, and the whole cluster at once. A crash keeps only what was fsynced, plus
 * whatever part of the unsynced writes the seeded crash model lets survive. Everything acknowledged
 * before a crash must survive it: the invariants' committed-entry oracle catches a lost entry at once,
 * and the final check requires every acknowledged entry applied on every member.
 */
class RestartScenarioTest {

  @Test
  void restartsOfSingleNodesLeadersIncludedLoseNothingAcknowledged() {
    Simulation sim = new Simulation(131, Scenarios.quiet(5, true, true, 100), UnaryOperator.identity());
    Random random = new Random(131);
    sim.start(false);
    awaitLeader(sim, 1000);
    int leaderCrashes = 0;
    for (int round = 0; round < 10; round++) {
      sim.runFor(100 + random.nextInt(300));
      SimNode leader = sim.leader();
      SimNode victim = round % 2 == 0 && leader != null ? leader : sim.nodes().get(random.nextInt(5));
      if (victim.node.status().role() == Role.LEADER) {
        leaderCrashes++;
      }
      long acknowledgedBefore = sim.stats.acknowledged;
      sim.crashNow(victim);
      assertFalse(victim.alive);
      sim.runFor(50 + random.nextInt(400));
      sim.faults.restart(victim);
      // The restarted member catches up with the others.
      SimNode now = awaitLeader(sim, 2000);
      commitOne(sim, now, sim.nodes(), 1000);
      assertTrue(sim.stats.acknowledged > acknowledgedBefore);
    }
    long electionsBeforeHeal = sim.leadersElectedSoFar();
    sim.healAndCheckLiveness();

    assertEquals(10, sim.stats.crashes);
    assertEquals(10, sim.stats.restarts);
    assertTrue(leaderCrashes >= 5, "leader crashes: " + leaderCrashes);
    assertTrue(electionsBeforeHeal >= leaderCrashes + 1, "elections: " + electionsBeforeHeal);
    assertTrue(sim.stats.acknowledged >= 100, "acknowledged: " + sim.stats.acknowledged);
  }

  @Test
  void restartsOfTheWholeClusterLoseNothingAcknowledged() {
    Simulation sim = new Simulation(132, Scenarios.quiet(3, true, true, 100), UnaryOperator.identity());
    Random random = new Random(132);
    sim.start(false);
    awaitLeader(sim, 1000);
    int writesInFlightAtCrash = 0;
    for (int round = 0; round < 4; round++) {
      sim.runFor(200 + random.nextInt(300));
      // Everything any member has committed, and the proposals acknowledged so far.
      SimNode leader = sim.leader();
      List<Entry> committed = new ArrayList<>();
      long commit = sim.nodes().stream().mapToLong(n -> n.node.status().commit()).max().orElseThrow();
      SimNode holder = sim.nodes().stream().filter(n -> n.node.status().commit() == commit).findFirst().orElseThrow();
      for (long i = 1; i <= commit; i++) {
        committed.add(holder.node.entryAt(i));
      }
      long acknowledged = sim.stats.acknowledged;
      assertTrue(leader != null && commit > 0);

      // Power fails everywhere at once, with writes in flight.
      for (SimNode n : sim.nodes()) {
        writesInFlightAtCrash += n.disk.pendingWrites();
        sim.crashNow(n);
      }
      assertTrue(sim.live().isEmpty());
      sim.runFor(100 + random.nextInt(200));
      for (SimNode n : sim.nodes()) {
        sim.faults.restart(n);
      }

      SimNode next = awaitLeader(sim, 2000);
      commitOne(sim, next, sim.nodes(), 1000);
      for (SimNode n : sim.nodes()) {
        for (Entry e : committed) {
          assertEquals(e, n.node.entryAt(e.getIndex()), "member " + n.index + " lost committed entry " + e.getIndex()
              + " in whole-cluster restart " + round);
        }
      }
      assertTrue(sim.stats.acknowledged > acknowledged, "nothing acknowledged after restart " + round);
    }
    sim.healAndCheckLiveness();
    assertEquals(12, sim.stats.crashes);
    assertTrue(writesInFlightAtCrash > 0, "no crash struck with writes in flight");
    assertTrue(sim.stats.acknowledged >= 100, "acknowledged: " + sim.stats.acknowledged);
  }
}
