package io.raftd.host;

import io.raftd.proto.Configuration;
import io.raftd.raft.Role;
import io.raftd.raft.Status;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * On a leader: notices a member falling more than a margin (membership.catch_up_entries) behind the commit
 * index, and catching up again; and, every few seconds, how a learner that is behind is doing, so that an
 * operator watching sees a new member's catch-up move. Judges nothing in a leadership's first election
 * timeout: a new leader knows no member's log until it hears back. RaftLoop only.
 */
final class LagWatch {
  /** Told of each change, once, and of a learner's progress every {@link #PROGRESS_EVERY_NANOS}. */
  interface Listener {
    void fellBehind(long member, long behind);

    void caughtUp(long member, long behindMillis);

    /** @param entriesPerSecond how fast its log grew since the last report */
    void learnerProgress(long member, long behind, long entriesPerSecond);
  }

  static final long PROGRESS_EVERY_NANOS = TimeUnit.SECONDS.toNanos(5);

  private final long margin;
  private final long graceNanos;
  private final Listener listener;
  /** When this member last became leader; -1 while it is not. */
  private long leaderSince = -1;
  private final Map<Long, Long> behindSince = new HashMap<>();
  /** Each learner behind: when its progress was last told, and its match index then. */
  private final Map<Long, long[]> lastProgress = new HashMap<>();

  /**
   * @param margin entries behind the commit index that a member may be without being behind
   * @param graceNanos how long a new leader waits before judging (an election timeout)
   */
  LagWatch(long margin, long graceNanos, Listener listener) {
    this.margin = margin;
    this.graceNanos = graceNanos;
    this.listener = listener;
  }

  /**
   * @param match each member's match index as the leader knows it
   * @param now the runtime's nanoTime()
   */
  void check(Status s, Configuration c, Map<Long, Long> match, long now) {
    if (s.role() != Role.LEADER) {
      leaderSince = -1;
      behindSince.clear();
      lastProgress.clear();
      return;
    }
    if (leaderSince < 0) {
      leaderSince = now;
    }
    if (now - leaderSince < graceNanos) {
      return;
    }
    Set<Long> learners = new HashSet<>(c.getLearnersList());
    Set<Long> watched = new HashSet<>(c.getVotersList());
    watched.addAll(c.getOutgoingVotersList());
    watched.addAll(learners);
    watched.remove(s.id());
    behindSince.keySet().retainAll(watched);
    lastProgress.keySet().retainAll(learners);
    for (long member : watched) {
      Long matched = match.get(member);
      if (matched == null) {
        continue;
      }
      long behind = Math.max(0, s.commit() - matched);
      Long since = behindSince.get(member);
      if (behind > margin && since == null) {
        behindSince.put(member, now);
        listener.fellBehind(member, behind);
      } else if (behind <= margin && since != null) {
        behindSince.remove(member);
        lastProgress.remove(member);
        listener.caughtUp(member, TimeUnit.NANOSECONDS.toMillis(now - since));
      }
      if (behind > margin && learners.contains(member)) {
        long[] last = lastProgress.get(member);
        if (last == null) {
          lastProgress.put(member, new long[] {now, matched});
        } else if (now - last[0] >= PROGRESS_EVERY_NANOS) {
          long rate = (matched - last[1]) * TimeUnit.SECONDS.toNanos(1) / (now - last[0]);
          lastProgress.put(member, new long[] {now, matched});
          listener.learnerProgress(member, behind, rate);
        }
      }
    }
  }
}
