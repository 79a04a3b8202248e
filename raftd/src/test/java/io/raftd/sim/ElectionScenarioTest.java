package io.raftd.sim;

import static io.raftd.sim.Scenarios.awaitLeader;
import static io.raftd.sim.Scenarios.calm;
import static io.raftd.sim.Scenarios.commitOne;
import static io.raftd.sim.Scenarios.committedOn;
import static io.raftd.sim.Scenarios.settledLeader;
import static io.raftd.sim.Scenarios.startAndCommitOne;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.raft.Proposal;
import io.raftd.raft.Role;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * Scripted election scenarios on the simulated cluster (after the MIT 6.824 lab 2A tests and thesis
 * §4.2.3, §9.6): first election, re-election, no leader without a quorum, many elections under random
 * disconnections, and the two ways a partitioned member comes back (pre-vote keeps it from raising the
 * term; without pre-vote a member stuck at a higher term is freed). Invariants, Election Safety among
 * them, are checked after every event.
 */
class ElectionScenarioTest {

  @Test
  void initialElectionElectsOneLeaderAndTheTermStaysStableWithoutFaults() {
    Simulation sim = calm(101, 3);
    sim.start(false);
    SimNode leader = awaitLeader(sim, 2 * Simulation.MAX_ELECTION_TIMEOUT_MS);
    long term = leader.node.status().term();
    assertTrue(term >= 1);
    // The leader's no-op commits everywhere.
    assertTrue(sim.runUntil(sim.queue().now() + 200, () -> committedOn(sim.nodes(), 1, term)));
    long[] campaigns = sim.nodes().stream().mapToLong(n -> n.node.counters().campaigns()).toArray();

    sim.runFor(3000);  // 15 maximum election timeouts

    assertSame(leader, settledLeader(sim.nodes()), "leadership changed without faults:\n" + sim.describeNodes());
    for (SimNode n : sim.nodes()) {
      assertEquals(term, n.node.status().term(), "member " + n.index + "'s term moved without faults");
      assertEquals(campaigns[n.index], n.node.counters().campaigns(), "member " + n.index + " campaigned again");
    }
    assertEquals(1, sim.leadersElectedSoFar());
  }

  @Test
  void reElectionAfterTheLeaderIsDisconnectedAndTheOldLeaderRejoiningDoesNotDisturbTheNewOne() {
    Simulation sim = calm(102, 3);
    Scenarios.Links links = new Scenarios.Links(sim);
    sim.start(false);
    SimNode first = awaitLeader(sim, 1000);
    long firstTerm = first.node.status().term();
    commitOne(sim, first, sim.nodes(), 500);

    links.disconnect(first.index);
    SimNode second = awaitLeader(sim, links.group(), 1000);
    assertNotEquals(first, second);
    long secondTerm = second.node.status().term();
    assertTrue(secondTerm > firstTerm);
    commitOne(sim, second, links.group(), 500);

    links.connect(first.index);
    assertTrue(sim.runUntil(sim.queue().now() + 1000, () -> first.node.status().term() == secondTerm
        && first.node.status().leader() == second.id && first.node.status().commit() == second.node.status().commit()),
        "the old leader did not rejoin as a follower:\n" + sim.describeNodes());
    sim.runFor(1000);

    assertSame(second, settledLeader(sim.nodes()), "the rejoining old leader disturbed the new one");
    assertEquals(secondTerm, second.node.status().term(), "the new leader's term changed when the old one rejoined");
    assertEquals(Role.FOLLOWER, first.node.status().role());
    commitOne(sim, second, sim.nodes(), 500);
  }

  @Test
  void noLeaderIsElectedWithoutAQuorumAndOneIsWhenTheQuorumReturns() {
    Simulation sim = calm(103, 3);
    Scenarios.Links links = new Scenarios.Links(sim);
    SimNode leader = startAndCommitOne(sim);
    SimNode follower = sim.nodes().get((leader.index + 1) % 3);
    SimNode remaining = sim.nodes().get((leader.index + 2) % 3);
    long remainingCampaigns = remaining.node.counters().campaigns();
    long electedBefore = sim.leadersElectedSoFar();

    // Leader and one follower cut off: no two members can talk to each other.
    links.disconnect(leader.index, follower.index);
    sim.runFor(10 * Simulation.MAX_ELECTION_TIMEOUT_MS);

    for (SimNode n : sim.nodes()) {
      assertNotEquals(Role.LEADER, n.node.status().role(), "member " + n.index + " leads without a quorum");
    }
    assertTrue(leader.node.counters().checkQuorumStepDowns() > 0, "the cut-off leader did not step down");
    assertTrue(remaining.node.counters().campaigns() > remainingCampaigns, "the remaining member never tried");
    assertEquals(electedBefore, sim.leadersElectedSoFar(), "a leader was elected without a quorum");

    // The quorum returns: a leader is elected among the two and commits.
    links.connect(follower.index);
    SimNode newLeader = awaitLeader(sim, links.group(), 1000);
    commitOne(sim, newLeader, links.group(), 500);

    links.connectAll();
    SimNode last = awaitLeader(sim, 1000);
    commitOne(sim, last, sim.nodes(), 500);
  }

  @Test
  void manyElectionsWithRandomDisconnectionsAmongFiveNodes() {
    Simulation sim = calm(104, 5);
    Scenarios.Links links = new Scenarios.Links(sim);
    Random random = new Random(104);
    sim.start(false);
    awaitLeader(sim, 1000);
    int leaderDisconnected = 0;
    for (int iteration = 0; iteration < 25; iteration++) {
      // Cut two random members off (a minority, so the other three must keep or elect a leader).
      SimNode leader = settledLeader(links.group());
      int a = random.nextInt(5);
      int b = (a + 1 + random.nextInt(4)) % 5;
      links.connectAll();
      links.disconnect(a, b);
      if (leader != null && (leader.index == a || leader.index == b)) {
        leaderDisconnected++;
      }
      List<SimNode> group = links.group();
      SimNode current = awaitLeader(sim, group, 2000);
      commitOne(sim, current, group, 1000);
      sim.runFor(random.nextInt(300));
    }
    links.connectAll();
    SimNode leader = awaitLeader(sim, 1000);
    assertNotNull(leader);
    commitOne(sim, leader, sim.nodes(), 1000);
    // Election Safety (one leader per term) was checked after every event; leadership really moved.
    assertTrue(leaderDisconnected >= 5, "only " + leaderDisconnected + " leader disconnections");
    assertTrue(sim.leadersElectedSoFar() >= leaderDisconnected + 1,
        "elections " + sim.leadersElectedSoFar() + " for " + leaderDisconnected + " leader disconnections");
  }

  @Test
  void partitionedFollowerWithPreVoteRejoinsWithoutRaisingTheLeadersTerm() {
    Simulation sim = calm(114, 3);
    Scenarios.Links links = new Scenarios.Links(sim);
    sim.start(false);
    SimNode leader = awaitLeader(sim, 1000);
    long term = leader.node.status().term();
    commitOne(sim, leader, sim.nodes(), 500);
    SimNode follower = sim.nodes().get((leader.index + 1) % 3);
    long campaignsBefore = follower.node.counters().campaigns();

    links.disconnect(follower.index);
    Proposal last = null;
    for (int i = 0; i < 10; i++) {
      last = commitOne(sim, leader, links.group(), 500);
    }
    sim.runFor(10 * Simulation.MAX_ELECTION_TIMEOUT_MS);
    assertTrue(follower.node.counters().campaigns() > campaignsBefore + 3, "the partitioned follower never campaigned");
    assertEquals(term, follower.node.status().term(), "pre-vote let the partitioned follower raise its term");

    links.connectAll();
    Proposal caughtUp = last;
    assertTrue(sim.runUntil(sim.queue().now() + 1000, () -> committedOn(sim.nodes(), caughtUp.index(), caughtUp.term())),
        "the rejoined follower did not catch up:\n" + sim.describeNodes());
    sim.runFor(1000);

    assertSame(leader, settledLeader(sim.nodes()), "the rejoining follower disturbed the leader");
    for (SimNode n : sim.nodes()) {
      assertEquals(term, n.node.status().term(), "member " + n.index + "'s term changed");
    }
    assertEquals(0, leader.node.counters().steppedDownForHigherTerm());
    assertEquals(1, sim.leadersElectedSoFar());
    commitOne(sim, leader, sim.nodes(), 500);
  }

  @Test
  void nodeStuckAtAHigherTermWithoutPreVoteIsFreedAndRejoinsAsAFollower() {
    Simulation sim = new Simulation(115, Scenarios.quiet(3, false, true, 0), UnaryOperator.identity());
    Scenarios.Links links = new Scenarios.Links(sim);
    sim.start(false);
    SimNode leader = awaitLeader(sim, 1000);
    long term = leader.node.status().term();
    commitOne(sim, leader, sim.nodes(), 500);
    SimNode stuck = sim.nodes().get((leader.index + 1) % 3);

    // Cut off without pre-vote, the member campaigns again and again, each time in a higher term. The
    // majority commits meanwhile, so its log falls behind and it cannot win once back.
    links.disconnect(stuck.index);
    for (int i = 0; i < 5; i++) {
      commitOne(sim, leader, links.group(), 500);
    }
    sim.runFor(5 * Simulation.MAX_ELECTION_TIMEOUT_MS);
    long stuckTerm = stuck.node.status().term();
    assertTrue(stuckTerm > term + 2, "the cut-off member's term did not climb: " + stuckTerm);
    assertEquals(term, leader.node.status().term());

    links.connectAll();
    assertTrue(sim.runUntil(sim.queue().now() + 3000, () -> {
      SimNode l = settledLeader(sim.nodes());
      return l != null && l != stuck && stuck.node.status().commit() == l.node.status().commit();
    }), "the member stuck at a higher term was not freed:\n" + sim.describeNodes());

    SimNode newLeader = settledLeader(sim.nodes());
    assertEquals(Role.FOLLOWER, stuck.node.status().role());
    assertTrue(newLeader.node.status().term() >= stuckTerm, "the cluster did not move past the stuck term");
    long freed = sim.nodes().stream()
        .mapToLong(n -> n.node.counters().steppedDownForHigherTerm() + n.node.counters().answeredStaleTerm()).sum();
    assertTrue(stuck.node.counters().answeredStaleTerm() > 0, "the stuck member never answered the old leader's term");
    assertTrue(freed > 0);
    Proposal p = commitOne(sim, newLeader, sim.nodes(), 1000);
    assertEquals(p.term(), stuck.node.termAt(p.index()));
  }

  @Test
  void oldLeaderThatStillBelievesItLeadsRejoinsAsAFollowerOfTheNewLeader() {
    // The paper's rules alone (no pre-vote, no check-quorum): the cut-off leader keeps believing it leads
    // until it hears the new term, and the new leader is not disturbed when it does.
    Simulation sim = new Simulation(116, Scenarios.quiet(3, false, false, 0), UnaryOperator.identity());
    Scenarios.Links links = new Scenarios.Links(sim);
    sim.start(false);
    SimNode old = awaitLeader(sim, 1000);
    long oldTerm = old.node.status().term();
    commitOne(sim, old, sim.nodes(), 500);
    links.disconnect(old.index);
    Proposal lost = sim.clients.proposeTo(old);  // appended in the old term; can never commit
    assertTrue(lost.appended());
    SimNode next = awaitLeader(sim, links.group(), 1000);
    long nextTerm = next.node.status().term();
    commitOne(sim, next, links.group(), 500);
    assertEquals(Role.LEADER, old.node.status().role(), "without check-quorum the cut-off leader keeps leading");
    assertEquals(oldTerm, old.node.status().term());

    links.connectAll();
    assertTrue(sim.runUntil(sim.queue().now() + 1000, () -> old.node.status().role() == Role.FOLLOWER
        && old.node.status().leader() == next.id));
    Proposal p = commitOne(sim, next, sim.nodes(), 500);
    assertSame(next, settledLeader(sim.nodes()));
    assertEquals(nextTerm, next.node.status().term(), "the old leader's return disturbed the new leader");
    assertNotEquals(lost.term(), old.node.termAt(lost.index()), "the old leader kept its uncommitted entry");
    assertTrue(old.node.truncations() > 0);
    Scenarios.assertSameLog(next, old);
    assertTrue(p.index() > lost.index());
  }
}
