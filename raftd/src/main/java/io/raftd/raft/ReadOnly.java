package io.raftd.raft;

import com.google.protobuf.ByteString;
import io.raftd.raft.tracker.ProgressTracker;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;

/**
 * The leader's ReadIndex queue (thesis §6.4). A read is registered with the commit index at that moment
 * (once an entry of the leader's term is committed; until then it waits) and needs a leadership
 * confirmation round that started after it was registered. Rounds are numbered; heartbeats carry the
 * newest round and responses echo it, so a response confirms every round up to the one it echoes. All
 * reads registered while no round is running share the next one; a round starts at once when reads
 * wait and none is running, else as soon as the running one is confirmed. Owned by the leader.
 *
 * <p>Invariant: {@code pending} is ordered by round, and every read in it has {@code round > confirmed}.
 */
final class ReadOnly {
  /** A registered read: from this member (from == 0) or forwarded by a follower. */
  record Request(ByteString context, long from, long index, long round) {}

  private final ArrayList<Request> waitingForCommit = new ArrayList<>();
  private final ArrayDeque<Request> pending = new ArrayDeque<>();
  /** The newest round started. */
  private long round;
  /** The newest round a quorum has confirmed. */
  private long confirmed;
  /** Highest round each member has echoed; the leader's own entry is always the newest round. */
  private final TreeMap<Long, Long> echoed = new TreeMap<>();
  private final boolean countEarlierRound;

  ReadOnly(boolean countEarlierRound) {
    this.countEarlierRound = countEarlierRound;
  }

  /** Registers a read; {@code termCommitted} says whether an entry of the leader's term is committed. */
  void add(ByteString context, long from, long commit, boolean termCommitted) {
    if (!termCommitted) {
      waitingForCommit.add(new Request(context, from, 0, 0));
      return;
    }
    // A read needs a round that starts after now; the broken variant accepts the round already running.
    long needed = countEarlierRound ? Math.max(round, 1) : round + 1;
    pending.add(new Request(context, from, commit, needed));
  }

  /** The leader's first entry of its term committed at {@code commit}: the waiting reads register now. */
  void termCommitted(long commit) {
    for (Request r : waitingForCommit) {
      add(r.context(), r.from(), commit, true);
    }
    waitingForCommit.clear();
  }

  int waitingForCommitCount() {
    return waitingForCommit.size();
  }

  /** True if reads wait for a round and none is running: the caller starts one with {@link #startRound}. */
  boolean wantsRound() {
    return !pending.isEmpty() && pending.peekLast().round() > round && confirmed >= round;
  }

  long startRound() {
    return ++round;
  }

  /** The newest round: what heartbeats carry. */
  long round() {
    return round;
  }

  /**
   * Member {@code from} echoed {@code echo}; returns the reads whose round a quorum (with the leader)
   * has now confirmed.
   */
  List<Request> confirm(long from, long echo, long self, ProgressTracker tracker) {
    echoed.merge(from, echo, Math::max);
    echoed.put(self, round);
    long quorumRound = tracker.quorumIndex(id -> echoed.getOrDefault(id, 0L));
    return release(Math.min(quorumRound, round));
  }

  /** Reads whose round is already confirmed (none, unless the broken variant let one count an old round). */
  List<Request> releaseConfirmed() {
    return release(confirmed);
  }

  private List<Request> release(long upTo) {
    confirmed = Math.max(confirmed, upTo);
    List<Request> ready = new ArrayList<>();
    while (!pending.isEmpty() && pending.peek().round() <= confirmed) {
      ready.add(pending.poll());
    }
    return ready;
  }

  /** Leadership is over: every read not yet released. */
  List<Request> drain() {
    List<Request> all = new ArrayList<>(waitingForCommit);
    all.addAll(pending);
    waitingForCommit.clear();
    pending.clear();
    return all;
  }
}
