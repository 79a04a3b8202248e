package io.raftd.sim;

import io.raftd.proto.Entry;
import io.raftd.proto.RaftMessage;
import io.raftd.raft.Role;
import io.raftd.raft.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * The safety properties of the paper's Figure 3 and more, checked incrementally after every event:
 * Election Safety, Leader Append-Only, Log Matching, Leader Completeness, State Machine Safety, one vote
 * per member per term across restarts, terms and commit indexes that never decrease, and the core's log
 * being exactly what its host wrote. A global oracle
 * (index → entry) holds everything any member committed or applied, kept across restarts, so a lost or
 * contradicted committed entry is caught as soon as any member lacks or contradicts it.
 */
final class Invariants {
  /** Thrown at the first violated property; the simulator reports the seed and the trace. */
  static final class Violation extends RuntimeException {
    Violation(String message) {
      super(message);
    }
  }

  /** oracle.get(i - 1) is the entry committed at index i. */
  private final List<Entry> oracle = new ArrayList<>();
  /** oracleChain.get(i) is the state (hash chain) of a state machine that applied entries 1..i. */
  private final List<Long> oracleChain = new ArrayList<>(List.of(0L));
  /** term → the leader of that term. Never iterated, so hash order cannot leak into a run. */
  private final HashMap<Long, Long> leaderOfTerm = new HashMap<>();
  /** (member, term) → the candidate it granted its vote to. */
  private final HashMap<String, Long> voteOf = new HashMap<>();
  private final Observed[] observed;
  private final long[] durableTerm;

  /** What was last seen of a member in its current life. */
  private static final class Observed {
    long term;
    long commit;
    io.raftd.proto.Configuration configuration;
    Role role = Role.FOLLOWER;
    long leaderLastIndex;
    long leaderLastTerm;
  }

  private final List<SimNode> nodes;

  Invariants(List<SimNode> nodes) {
    this.nodes = nodes;
    observed = new Observed[nodes.size()];
    durableTerm = new long[nodes.size()];
    for (int i = 0; i < nodes.size(); i++) {
      observed[i] = new Observed();
    }
  }

  long committedInOracle() {
    return oracle.size();
  }

  /** The state after applying {@code e} to {@code state}: a hash chain of every entry applied. */
  static long chain(long state, Entry e) {
    long h = (state ^ e.getIndex()) * 0x100000001b3L;
    h = (h ^ e.getTerm()) * 0x100000001b3L;
    return (h ^ e.getData().hashCode()) * 0x100000001b3L;
  }

  Entry oracleEntry(long index) {
    return index >= 1 && index <= oracle.size() ? oracle.get((int) index - 1) : null;
  }

  /** After every event, for every live member. */
  void check(SimNode n) {
    Status s = n.node.status();
    Observed o = observed[n.index];
    if (s.term() < o.term) {
      fail(n, "term went back from " + o.term + " to " + s.term());
    }
    if (s.commit() < o.commit) {
      fail(n, "commit went back from " + o.commit + " to " + s.commit());
    }
    // The Ready contract end to end: once a member has carried out its Readys, the host has written
    // exactly the log the core believes it has.
    // Checked at the last index and at the index the core believes durable (where its view switches
    // from its own memory to storage).
    if (s.lastIndex() != n.disk.writtenLastIndex()) {
      fail(n, "the core's log ends at " + s.lastIndex() + " but the host wrote up to " + n.disk.writtenLastIndex());
    }
    for (long i : new long[] {s.lastIndex(), s.persisted()}) {
      if (n.node.termAt(i) != n.disk.writtenTerm(i)) {
        fail(n, "the core's log has term " + n.node.termAt(i) + " at " + i + " but the host wrote term "
            + n.disk.writtenTerm(i));
      }
    }
    if (s.role() == Role.LEADER) {
      Long other = leaderOfTerm.putIfAbsent(s.term(), n.id);
      if (other != null && other != n.id) {
        fail(n, "Election Safety: two leaders in term " + s.term() + ": " + other + " and " + n.id);
      }
      boolean newLeadership = o.role != Role.LEADER || o.term != s.term();
      if (newLeadership) {
        checkLeaderCompleteness(n);
      } else if (n.node.termAt(o.leaderLastIndex) != o.leaderLastTerm || s.lastIndex() < o.leaderLastIndex) {
        fail(n, "Leader Append-Only: leader of term " + s.term() + " lost or changed entry " + o.leaderLastIndex);
      }
      o.leaderLastIndex = s.lastIndex();
      o.leaderLastTerm = n.node.termAt(s.lastIndex());
      checkOneChangeAtATime(n, s);
    }
    // Entries below the first index came in a snapshot, whose state is checked when it is restored.
    for (long i = Math.max(o.commit + 1, s.firstIndex()); i <= s.commit(); i++) {
      record(n, i, n.node.entryAt(i), "committed");
    }
    var configuration = n.node.configuration();
    if (s.role() == Role.LEADER && s.commit() > o.commit) {
      // The commit was decided under the configuration in force before this event, or (if one took
      // effect during it) possibly under the new one.
      boolean changed = o.configuration != null && !o.configuration.equals(configuration);
      if (!changed || !committedByMajorities(n, s.commit(), configuration)) {
        checkCommittedByMajorities(n, s.commit(), o.configuration != null ? o.configuration : configuration);
      }
    }
    o.configuration = configuration;
    o.term = s.term();
    o.commit = s.commit();
    o.role = s.role();
  }

  /**
   * One membership change at a time (thesis §4.1): a leader's log never holds more than one configuration
   * entry its state machine has not yet applied.
   */
  private void checkOneChangeAtATime(SimNode leader, Status s) {
    int unapplied = 0;
    for (long i = Math.max(leader.applied + 1, s.firstIndex()); i <= s.lastIndex(); i++) {
      if (leader.node.entryAt(i).getType() == io.raftd.proto.EntryType.CONFIG && ++unapplied > 1) {
        fail(leader, "holds two configuration entries it has not applied (the second at " + i + "):"
            + " a membership change was proposed while another was in progress");
      }
    }
  }

  /**
   * A leader just committed {@code index}: a majority of each voter set of its configuration (both halves
   * while joint; learners never count) must hold that entry durably (or in a durable snapshot), or be
   * behind a vote barrier that covers it. A repaired member's stale acknowledgement may still count at the
   * leader; its barrier keeps it from voting for a log that lacks the entry, as holding it would.
   */
  private void checkCommittedByMajorities(SimNode leader, long index, io.raftd.proto.Configuration c) {
    if (!committedByMajorities(leader, index, c)) {
      fail(leader, "committed entry " + index + " (term " + leader.node.termAt(index) + ") is not durable on a majority"
          + " of each voter set of " + com.google.protobuf.TextFormat.shortDebugString(c));
    }
  }

  private boolean committedByMajorities(SimNode leader, long index, io.raftd.proto.Configuration c) {
    long term = leader.node.termAt(index);
    for (List<Long> voters : List.of(c.getVotersList(), c.getOutgoingVotersList())) {
      int holding = 0;
      for (long id : voters) {
        for (SimNode m : nodes) {
          if (m.id == id && (holdsDurably(m, index, term) || m.barrierIndex >= index)) {
            holding++;
          }
        }
      }
      if (!voters.isEmpty() && holding <= voters.size() / 2) {
        return false;
      }
    }
    return true;
  }

  private static boolean holdsDurably(SimNode m, long index, long term) {
    // A member whose disk was lost held what it acknowledged until then: its acknowledgement was sound.
    var storage = m.disk.durableView();
    if (index < storage.firstIndex() - 1) {
      return true;  // in a durable snapshot, which holds only committed state
    }
    return index <= storage.lastIndex() && storage.term(index) == term;
  }

  private void checkLeaderCompleteness(SimNode n) {
    for (long i = n.node.status().firstIndex(); i <= oracle.size(); i++) {
      Entry mine = n.node.entryAt(i);
      if (mine == null || !mine.equals(oracle.get((int) i - 1))) {
        fail(n, "Leader Completeness: new leader lacks committed entry " + i);
      }
    }
  }

  /** A member applies {@code e}: it must be the entry committed at that index (State Machine Safety). */
  void onApply(SimNode n, Entry e) {
    if (e.getIndex() != n.applied + 1) {
      fail(n, "applied entry " + e.getIndex() + " after " + n.applied);
    }
    record(n, e.getIndex(), e, "applied");
  }

  private void record(SimNode n, long index, Entry e, String how) {
    if (e == null) {
      fail(n, "has no entry at " + how + " index " + index);
    }
    if (index <= oracle.size()) {
      Entry known = oracle.get((int) index - 1);
      if (!known.equals(e)) {
        fail(n, how + " entry " + index + " (term " + e.getTerm() + ") contradicts committed entry of term "
            + known.getTerm() + ": a committed entry was lost or overwritten");
      }
    } else if (index == oracle.size() + 1) {
      oracle.add(e);
      oracleChain.add(chain(oracleChain.get(oracleChain.size() - 1), e));
    } else {
      fail(n, how + " entry " + index + " beyond the committed prefix " + oracle.size());
    }
  }

  /**
   * A member restores a snapshot: its applied index never goes back, and the snapshot holds exactly the
   * state of the committed prefix it claims to.
   */
  void onRestore(SimNode n, io.raftd.proto.SnapshotMetadata snapshot, SimNode.Snapshot file) {
    if (file == null) {
      fail(n, "restores snapshot " + snapshot.getId() + " whose file it does not have");
    }
    if (snapshot.getIndex() < n.applied) {
      fail(n, "applied index would go back from " + n.applied + " to " + snapshot.getIndex() + " (stale snapshot installed)");
    }
    if (snapshot.getIndex() >= oracleChain.size()) {
      fail(n, "snapshot " + snapshot.getIndex() + " is beyond the committed prefix " + oracle.size());
    }
    if (file.stateHash() != oracleChain.get((int) snapshot.getIndex())) {
      fail(n, "snapshot " + snapshot.getId() + " does not hold the state of the committed prefix up to " + snapshot.getIndex());
    }
  }

  /** Every message a member sends: a vote, once granted in a term, is never granted to another. */
  void onSend(SimNode n, RaftMessage m) {
    if (m.hasRequestVoteResponse() && m.getRequestVoteResponse().getGranted() && !m.getRequestVoteResponse().getPreVote()) {
      Long before = voteOf.putIfAbsent(n.index + "/" + m.getTerm(), m.getTo());
      if (before != null && before != m.getTo()) {
        fail(n, "voted twice in term " + m.getTerm() + ": for " + before + " and " + m.getTo());
      }
    }
  }

  /** A member restarts: its durable term never went back, and its durable committed prefix is intact. */
  void onRestart(SimNode n) {
    var storage = n.disk.storage();
    long term = storage.hardState().getTerm();
    if (term < durableTerm[n.index]) {
      fail(n, "durable term went back from " + durableTerm[n.index] + " to " + term);
    }
    durableTerm[n.index] = term;
    long commit = storage.hardState().getCommit();
    if (commit > storage.lastIndex()) {
      fail(n, "durable commit " + commit + " beyond its durable log end " + storage.lastIndex());
    }
    for (long i = storage.firstIndex(); i <= commit; i++) {
      record(n, i, storage.entries(i, i + 1, Long.MAX_VALUE).get(0), "recovered committed");
    }
    // A prefix is compacted only once a durable snapshot covers it: else those entries are gone for good.
    var snapshot = storage.snapshot();
    boolean hasFile = snapshot.getIndex() > 0 && n.disk.snapshotFile(snapshot) != null;
    if (storage.firstIndex() - 1 > 0 && (storage.firstIndex() - 1 > snapshot.getIndex() || !hasFile)) {
      fail(n, "its log starts at " + storage.firstIndex() + " but its newest durable snapshot file covers only up to "
          + (hasFile ? snapshot.getIndex() : 0));
    }
    Observed o = new Observed();
    o.commit = commit;
    o.term = term;
    observed[n.index] = o;
  }

  /** Log Matching across live members: where two logs hold an entry of the same term, they agree up to it. */
  void checkLogMatching(List<SimNode> live) {
    for (int a = 0; a < live.size(); a++) {
      for (int b = a + 1; b < live.size(); b++) {
        SimNode x = live.get(a);
        SimNode y = live.get(b);
        long last = Math.min(x.node.status().lastIndex(), y.node.status().lastIndex());
        long common = last;
        while (common > 0 && x.node.termAt(common) != y.node.termAt(common)) {
          common--;
        }
        for (long i = common; i >= 1; i--) {
          Entry ex = x.node.entryAt(i);
          Entry ey = y.node.entryAt(i);
          if (ex == null || ey == null) {
            break;  // compacted into a snapshot on one of them
          }
          if (!ex.equals(ey)) {
            fail(x, "Log Matching: members " + x.id + " and " + y.id + " agree on entry " + common
                + " but differ at " + i);
          }
        }
      }
    }
  }

  private static void fail(SimNode n, String what) {
    throw new Violation("member " + n.index + " (id " + n.id + "): " + what);
  }
}
