package io.raftd.sim;

import static io.raftd.sim.Scenarios.assertSameLog;
import static io.raftd.sim.Scenarios.calm;
import static io.raftd.sim.Scenarios.log;
import static io.raftd.sim.Scenarios.preload;
import static io.raftd.sim.Scenarios.settledLeader;
import static io.raftd.sim.Scenarios.terms;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.Entry;
import io.raftd.proto.RaftMessage;
import io.raftd.raft.Config;
import io.raftd.raft.Role;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

/**
 * The extended Raft paper's Figures 7 and 8, built step by step on the simulated cluster: real nodes,
 * disks and network, with every invariant (State Machine Safety included, through the committed-entry
 * oracle) checked after every event.
 */
class PaperFigureScenarioTest {

  /**
   * Figure 7: the leader for term 8 and followers (a)-(f), some missing entries, some with extra
   * uncommitted entries, one both. The leader is elected (it has the most up-to-date log of a majority)
   * and forces every follower's log to duplicate its own.
   */
  @Test
  void figure7LeaderBringsFollowersAToFIntoAgreementWithItsLog() {
    long[] leaderLog = terms(1, 1, 1, 4, 4, 5, 5, 6, 6, 6);
    long[][] followers = {
        terms(1, 1, 1, 4, 4, 5, 5, 6, 6),           // (a) missing one entry
        terms(1, 1, 1, 4),                          // (b) missing many
        terms(1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 6),     // (c) one extra entry of term 6
        terms(1, 1, 1, 4, 4, 5, 5, 6, 6, 6, 7, 7),  // (d) two extra entries of term 7
        terms(1, 1, 1, 4, 4, 4, 4),                 // (e) missing entries, extra entries of term 4
        terms(1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3),     // (f) leader of terms 2 and 3, uncommitted
    };
    long[] currentTerms = {7, 6, 4, 6, 7, 4, 3};
    Simulation sim = calm(109, 7);
    List<SimNode> nodes = sim.nodes();
    preload(nodes.get(0), currentTerms[0], 0, 0, log(leaderLog));
    for (int i = 0; i < followers.length; i++) {
      preload(nodes.get(i + 1), currentTerms[i + 1], 0, 0, log(followers[i]));
    }
    sim.start(false);
    SimNode leader = nodes.get(0);
    // Its election timer has not fired yet: it campaigns first, as in the figure.
    leader.node.campaign();
    leader.processor.drain();

    assertTrue(sim.runUntil(sim.queue().now() + 100, () -> leader.node.status().role() == Role.LEADER),
        "the Figure 7 leader was not elected:\n" + sim.describeNodes());
    assertEquals(8, leader.node.status().term(), "the Figure 7 leader leads term 8");
    assertTrue(sim.runUntil(sim.queue().now() + 1000, () -> nodes.stream().allMatch(
        n -> terms(n).equals(terms(leader)) && n.node.status().commit() == leader.node.status().lastIndex())),
        "the followers did not converge:\n" + sim.describeNodes());

    assertEquals(List.of(1L, 1L, 1L, 4L, 4L, 5L, 5L, 6L, 6L, 6L, 8L), terms(leader), "the leader's log plus its no-op");
    assertSame(leader, settledLeader(nodes));
    for (SimNode n : nodes) {
      assertSameLog(leader, n);
    }
    // (a) and (b) only lacked entries; (c)-(f) had conflicting entries truncated.
    assertEquals(0, nodes.get(1).node.truncations(), "(a)");
    assertEquals(0, nodes.get(2).node.truncations(), "(b)");
    for (int i = 3; i <= 6; i++) {
      assertTrue(nodes.get(i).node.truncations() > 0, "follower (" + (char) ('a' + i - 1) + ") truncated nothing");
    }
  }

  /**
   * The paper's rules alone, with elections only when the test asks for them: no pre-vote, no
   * check-quorum, an election timeout far beyond the scenario; and AppendEntries of at most 50 bytes
   * of data, so entry 2 (100 bytes) travels alone.
   */
  private static final UnaryOperator<Config> SCRIPTED = c -> c.toBuilder()
      .preVote(false).checkQuorum(false).electionTicks(1000).maxBatchBytes(50).build();

  private static final int S1 = 0;
  private static final int S2 = 1;
  private static final int S3 = 2;
  private static final int S4 = 3;
  private static final int S5 = 4;

  /**
   * Figure 8 up to (c): S1, leader of term 2, appended entry 2 and crashed; S5 led term 3 and appended
   * its own entry 2 (S3 and S4 voted for it). S5 is down; S1 is elected for term 4 and replicates its
   * term-2 entry to S2 and S3. With {@code cutAfterEntry2}, S1's links to S2 and S3 fail right after
   * they receive entry 2, so its term-4 no-op stays on S1 alone (Figure 8 (c)); otherwise the no-op
   * reaches them too (Figure 8 (e)). S4 never hears from S1.
   */
  private static Simulation figure8UpToC(long seed, boolean cutAfterEntry2) {
    Simulation sim = calm(seed, 5, SCRIPTED);
    List<SimNode> s = sim.nodes();
    Entry first = Scenarios.entry(1, 1, "x");
    Entry fromTerm2 = Scenarios.entry(2, 2, "term-2 " + "-".repeat(93));
    Entry fromTerm3 = Scenarios.entry(2, 3, "term-3 " + "-".repeat(93));
    preload(s.get(S1), 3, 0, 1, List.of(first, fromTerm2));
    preload(s.get(S2), 2, 0, 1, List.of(first));
    preload(s.get(S3), 3, s.get(S5).id, 1, List.of(first));
    preload(s.get(S4), 3, s.get(S5).id, 1, List.of(first));
    preload(s.get(S5), 3, s.get(S5).id, 1, List.of(first, fromTerm3));
    sim.start(false);
    sim.crashNow(s.get(S5));
    SimNetwork net = sim.network();
    net.block(S1, S4);

    s.get(S1).node.campaign();
    s.get(S1).processor.drain();
    boolean[] cut = new boolean[5];
    boolean[] cutNext = new boolean[5];
    sim.runUntilObserved(sim.queue().now() + 500, () -> false, e -> {
      for (int to : new int[] {S2, S3}) {
        if (cutNext[to] && !cut[to]) {
          net.block(S1, to);
          cut[to] = true;
        }
        if (cutAfterEntry2 && e.kind().equals("deliver") && e.node() == to && e.detail() instanceof RaftMessage m
            && m.hasAppendEntries() && m.getAppendEntries().getEntriesCount() > 0 && lastIndex(m) == 2) {
          cutNext[to] = true;  // let this delivery through, block everything after it
        }
      }
    });
    SimNode s1 = s.get(S1);
    assertEquals(Role.LEADER, s1.node.status().role(), "S1 was not elected:\n" + sim.describeNodes());
    assertEquals(4, s1.node.status().term());
    assertEquals(cutAfterEntry2, cut[S2] && cut[S3]);
    return sim;
  }

  private static long lastIndex(RaftMessage m) {
    var entries = m.getAppendEntries().getEntriesList();
    return entries.isEmpty() ? m.getAppendEntries().getPrevLogIndex() : entries.get(entries.size() - 1).getIndex();
  }

  @Test
  void figure8OldTermEntryOnAMajorityIsNotCommittedByCountingAndAFutureLeaderMayOverwriteIt() {
    Simulation sim = figure8UpToC(110, true);
    List<SimNode> s = sim.nodes();
    SimNode s1 = s.get(S1);

    // (c): entry 2 of term 2 is on S1, S2 and S3, a majority, and S1 knows it...
    for (int i : new int[] {S1, S2, S3}) {
      assertEquals(2, s.get(i).node.termAt(2), "S" + (i + 1) + " lacks the term-2 entry");
    }
    assertEquals(List.of(1L, 2L, 4L), terms(s1), "S1 holds its term-4 no-op, alone");
    assertEquals(List.of(1L, 2L), terms(s.get(S2)));
    assertEquals(List.of(1L, 2L), terms(s.get(S3)));
    assertTrue(s1.node.progress().get(s.get(S2).id).contains("match=2"), s1.node.progress().toString());
    assertTrue(s1.node.progress().get(s.get(S3).id).contains("match=2"), s1.node.progress().toString());
    // ...yet it is not committed: S1 counts replicas only for entries of its own term (§5.4.2).
    for (SimNode n : sim.live()) {
      assertEquals(1, n.node.status().commit(), "S" + (n.index + 1) + " committed the term-2 entry by counting");
    }

    // (d): S1 crashes; S5 comes back and, with the votes of S2, S3 and S4, leads a new term.
    sim.crashNow(s1);
    sim.network().healAll();
    SimNode s5 = s.get(S5);
    sim.faults.restart(s5);
    s5.node.campaign();  // term 4: S2 and S3 already voted for S1 in it
    s5.processor.drain();
    sim.runFor(50);
    assertNotEquals(Role.LEADER, s5.node.status().role());
    s5.node.campaign();  // term 5
    s5.processor.drain();
    assertTrue(sim.runUntil(sim.queue().now() + 100, () -> s5.node.status().role() == Role.LEADER),
        "S5 was not elected:\n" + sim.describeNodes());
    assertEquals(5, s5.node.status().term());

    // S5 overwrites the term-2 entry that was on a majority with its own term-3 entry and commits it:
    // safe, because it was never committed (the invariants' oracle would catch a lost committed entry).
    List<SimNode> up = sim.live();
    assertTrue(sim.runUntil(sim.queue().now() + 500, () -> up.stream().allMatch(n -> n.node.status().commit() >= 3
        && n.node.termAt(2) == 3)), "S5 did not overwrite entry 2:\n" + sim.describeNodes());
    assertEquals(List.of(1L, 3L, 5L), terms(s5));
    assertTrue(s.get(S2).node.truncations() > 0 && s.get(S3).node.truncations() > 0);

    // S1 returns and loses its uncommitted entries 2 and 3 too.
    sim.faults.restart(s1);
    assertTrue(sim.runUntil(sim.queue().now() + 500, () -> terms(s1).equals(terms(s5)) && s1.node.status().commit() >= 3),
        "S1 did not converge:\n" + sim.describeNodes());
    assertTrue(s1.node.truncations() > 0);
    for (SimNode n : s) {
      assertSameLog(s5, n);
    }
  }

  @Test
  void figure8eCurrentTermEntryOnAMajorityCommitsTheOldEntryAndS5CannotWin() {
    Simulation sim = figure8UpToC(111, false);
    List<SimNode> s = sim.nodes();
    SimNode s1 = s.get(S1);

    // (e): S1's term-4 no-op reached S2 and S3 as well: committing it commits entry 2 of term 2.
    assertTrue(sim.runUntil(sim.queue().now() + 200, () -> s.subList(S1, S3 + 1).stream()
        .allMatch(n -> n.node.status().commit() == 3)), "the no-op did not commit:\n" + sim.describeNodes());
    assertEquals(List.of(1L, 2L, 4L), terms(s.get(S2)));
    assertEquals(List.of(1L, 2L, 4L), terms(s.get(S3)));

    // S1 crashes; S5 cannot win: S2 and S3 hold a more up-to-date log (and the committed entries).
    sim.crashNow(s1);
    sim.network().healAll();
    SimNode s5 = s.get(S5);
    sim.faults.restart(s5);
    for (int attempt = 0; attempt < 3; attempt++) {
      s5.node.campaign();
      s5.processor.drain();
      sim.runFor(50);
      assertNotEquals(Role.LEADER, s5.node.status().role(), "S5 was elected without the committed entries");
    }
    // S2 can win, and S5 then learns entry 2 of term 2.
    SimNode s2 = s.get(S2);
    s2.node.campaign();
    s2.processor.drain();
    assertTrue(sim.runUntil(sim.queue().now() + 500, () -> s5.node.termAt(2) == 2 && s5.node.status().commit() >= 4),
        "S5 did not learn the committed entries:\n" + sim.describeNodes());
    assertEquals(Role.LEADER, s2.node.status().role());
    assertTrue(s5.node.truncations() > 0, "S5 kept its term-3 entry");
    List<SimNode> up = new ArrayList<>(sim.live());
    for (SimNode n : up) {
      assertEquals(2, n.node.termAt(2));
    }
  }
}
