package io.raftd.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.proto.Entry;
import io.raftd.proto.EntryType;
import io.raftd.proto.HardState;
import io.raftd.raft.Config;
import io.raftd.raft.Proposal;
import io.raftd.raft.Role;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.TreeSet;
import java.util.function.UnaryOperator;

/**
 * Helpers for the scripted scenario tests: cluster set-ups, a network that disconnects whole members
 * (6.824 style), waiting for a settled leader, committing a proposal, and logs built from terms (the
 * paper's figures). Everything runs on the simulator's virtual clock.
 */
final class Scenarios {
  private Scenarios() {}

  /** A quiet cluster: no random faults or client proposals; pre-vote and check-quorum on. */
  static Simulation calm(long seed, int nodes) {
    return new Simulation(seed, FaultMix.calm(nodes), UnaryOperator.identity());
  }

  static Simulation calm(long seed, int nodes, UnaryOperator<Config> configure) {
    return new Simulation(seed, FaultMix.calm(nodes), configure);
  }

  /** A fault-free mix with the given election options and random client proposals per second. */
  static FaultMix quiet(int nodes, boolean preVote, boolean checkQuorum, double proposalsPerSecond) {
    return new FaultMix(nodes, 0, 0, 0, 2, 0, 0, 0, 0, 8, 1500, proposalsPerSecond, 0, 0, 0, 0, preVote, checkQuorum, 8,
        64 * 1024, 0, 0, 0);
  }

  /**
   * {@link FaultMix#calm} with snapshots on: each member snapshots every {@code snapshotEvery} applied
   * entries and then compacts its log, keeping {@code keepTail} entries (0: compacts up to the snapshot).
   */
  static FaultMix snapshotting(int nodes, int snapshotEvery, int keepTail) {
    return new FaultMix(nodes, 0, 0, 0, 2, 0, 0, 0, 0, 8, 1500, 0, 0, 0, snapshotEvery, keepTail, true, true, 8,
        64 * 1024, 0, 0, 0);
  }

  /**
   * A fault-free mix for membership scenarios: {@code nodes} voters, {@code spares} spare members (to be
   * added by a change, see {@link Simulation#startSpare}), the given election options and random client
   * proposals per second.
   */
  static FaultMix membership(int nodes, int spares, boolean preVote, boolean checkQuorum, double proposalsPerSecond) {
    return new FaultMix(nodes, 0, 0, 0, 2, 0, 0, 0, 0, 8, 1500, proposalsPerSecond, 0, 0, 0, 0, preVote, checkQuorum, 8,
        64 * 1024, 0, spares, 0);
  }

  // ---- a network of whole members (6.824's connect / disconnect) ----

  /** Which members are cut off from every other member; applied to the simulator's network. */
  static final class Links {
    private final Simulation sim;
    private final TreeSet<Integer> down = new TreeSet<>();

    Links(Simulation sim) {
      this.sim = sim;
    }

    void disconnect(int... members) {
      for (int m : members) {
        down.add(m);
      }
      apply();
    }

    void connect(int... members) {
      for (int m : members) {
        down.remove(m);
      }
      apply();
    }

    void connectAll() {
      down.clear();
      apply();
    }

    boolean connected(int member) {
      return !down.contains(member);
    }

    /** The live members that are connected. */
    List<SimNode> group() {
      List<SimNode> g = new ArrayList<>();
      for (SimNode n : sim.live()) {
        if (connected(n.index)) {
          g.add(n);
        }
      }
      return g;
    }

    private void apply() {
      SimNetwork net = sim.network();
      net.healAll();
      int size = sim.nodes().size();
      for (int m : down) {
        for (int other = 0; other < size; other++) {
          if (other != m) {
            net.block(m, other);
            net.block(other, m);
          }
        }
      }
    }
  }

  // ---- leaders and commits ----

  /**
   * The member of {@code group} that leads, once every member of the group agrees on its term and
   * leader (a settled leader); null if there is none.
   */
  static SimNode settledLeader(Collection<SimNode> group) {
    SimNode leader = null;
    for (SimNode n : group) {
      if (n.alive && n.node.status().role() == Role.LEADER) {
        if (leader != null) {
          return null;
        }
        leader = n;
      }
    }
    if (leader == null) {
      return null;
    }
    long term = leader.node.status().term();
    for (SimNode n : group) {
      if (n.node.status().term() != term || n.node.status().leader() != leader.id) {
        return null;
      }
    }
    return leader;
  }

  /** Runs until {@code group} has a settled leader, failing after {@code withinMs}. */
  static SimNode awaitLeader(Simulation sim, Collection<SimNode> group, long withinMs) {
    SimNode[] found = new SimNode[1];
    boolean ok = sim.runUntil(sim.queue().now() + withinMs, () -> (found[0] = settledLeader(group)) != null);
    assertTrue(ok, "no settled leader within " + withinMs + " ms:\n" + sim.describeNodes());
    return found[0];
  }

  static SimNode awaitLeader(Simulation sim, long withinMs) {
    return awaitLeader(sim, sim.live(), withinMs);
  }

  /** Every member of {@code group} holds entry {@code index} of {@code term}, has committed and applied it. */
  static boolean committedOn(Collection<SimNode> group, long index, long term) {
    for (SimNode n : group) {
      if (!n.alive || n.node.termAt(index) != term || n.node.status().commit() < index || n.applied < index) {
        return false;
      }
    }
    return true;
  }

  /** Starts the cluster, waits for a leader and commits one proposal on every member: the usual first step. */
  static SimNode startAndCommitOne(Simulation sim) {
    sim.start(false);
    SimNode leader = awaitLeader(sim, 1000);
    commitOne(sim, leader, sim.nodes(), 500);
    return leader;
  }

  /** Proposes through {@code leader} and waits until every member of {@code group} committed and applied it. */
  static Proposal commitOne(Simulation sim, SimNode leader, Collection<SimNode> group, long withinMs) {
    Proposal p = sim.clients.proposeTo(leader);
    assertTrue(p.appended(), "leader refused the proposal: " + p);
    boolean ok = sim.runUntil(sim.queue().now() + withinMs, () -> committedOn(group, p.index(), p.term()));
    assertTrue(ok, "proposal " + p.index() + " not committed on " + indexes(group) + " within " + withinMs
        + " ms:\n" + sim.describeNodes());
    return p;
  }

  /**
   * Proposes {@code count} entries through {@code leader}, pacing itself when the leader refuses for
   * too much uncommitted data; returns the last proposal. Fails if {@code leader} stops leading.
   */
  static Proposal proposeMany(Simulation sim, SimNode leader, int count) {
    Proposal last = null;
    int done = 0;
    long deadline = sim.queue().now() + 60_000;
    while (done < count) {
      assertTrue(sim.queue().now() < deadline, "could not propose " + count + " entries");
      assertEquals(Role.LEADER, leader.node.status().role(), "member " + leader.index + " stopped leading");
      Proposal p = sim.clients.proposeTo(leader);
      if (p.appended()) {
        last = p;
        done++;
      } else {
        sim.runFor(5);
      }
    }
    return last;
  }

  static String indexes(Collection<SimNode> group) {
    return group.stream().map(n -> String.valueOf(n.index)).toList().toString();
  }

  // ---- logs ----

  /** The terms of {@code n}'s log, index 1 first. */
  static List<Long> terms(SimNode n) {
    List<Long> t = new ArrayList<>();
    for (long i = 1; i <= n.node.status().lastIndex(); i++) {
      t.add(n.node.termAt(i));
    }
    return t;
  }

  /** {@code n}'s entries, index 1 first. */
  static List<Entry> entries(SimNode n) {
    List<Entry> out = new ArrayList<>();
    for (long i = 1; i <= n.node.status().lastIndex(); i++) {
      Entry e = n.node.entryAt(i);
      assertNotNull(e, "member " + n.index + " has no entry " + i);
      out.add(e);
    }
    return out;
  }

  static void assertSameLog(SimNode expected, SimNode actual) {
    assertEquals(entries(expected), entries(actual),
        "member " + actual.index + "'s log differs from member " + expected.index + "'s");
  }

  /**
   * Entries 1.. with the given terms. The data names index and term only, so two members' entries of
   * the same index and term are identical, as Log Matching requires.
   */
  static List<Entry> log(long... terms) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < terms.length; i++) {
      out.add(entry(i + 1, terms[i], "i" + (i + 1) + "-t" + terms[i]));
    }
    return out;
  }

  static Entry entry(long index, long term, String data) {
    return Entry.newBuilder().setIndex(index).setTerm(term).setType(EntryType.NORMAL)
        .setData(ByteString.copyFromUtf8(data)).build();
  }

  static long[] terms(long... t) {
    return t;
  }

  /**
   * Gives {@code n} a durable log and hard state before the simulation starts. Goes through the
   * WAL (a write plus its fsync), so the disk's record of what the host wrote matches.
   */
  static void preload(SimNode n, long term, long votedFor, long commit, List<Entry> entries) {
    HardState hs = HardState.newBuilder().setTerm(term).setVotedFor(votedFor).setCommit(commit).build();
    n.disk.write(null, hs, entries);
    n.disk.writeBatch();
    n.disk.sync();
  }
}
