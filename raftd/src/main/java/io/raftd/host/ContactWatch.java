package io.raftd.host;

import io.raftd.proto.Configuration;
import io.raftd.raft.Role;
import io.raftd.raft.Status;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * Notices a member falling silent for an election timeout, and hearing from it again: a peer frozen for
 * 40 s (a stopped process, a full GC, a partition that keeps the TCP connection up) is then two log
 * lines, where the transport, whose connection never broke, says nothing. Watches only whom this member
 * should hear from: a leader, every other member of its configuration; anyone else, its leader.
 * RaftLoop only.
 */
final class ContactWatch {
  /** Told of each change, once. */
  interface Listener {
    void contactLost(long member, long silentMillis);

    void contactRegained(long member, long silentMillis);
  }

  private final long timeoutNanos;
  private final Listener listener;
  /** Since when each watched member has been watched: silence counts from there at the earliest. */
  private final Map<Long, Long> watchedSince = new HashMap<>();
  /** The members found silent, with when they were last heard before. */
  private final Map<Long, Long> lost = new HashMap<>();

  ContactWatch(long timeoutNanos, Listener listener) {
    this.timeoutNanos = timeoutNanos;
    this.listener = listener;
  }

  /**
   * @param lastHeard the runtime's nanoTime() of the last message from each member
   * @param now the runtime's nanoTime() now
   */
  void check(Status s, Configuration c, Map<Long, Long> lastHeard, long now) {
    Set<Long> watched = new HashSet<>();
    if (s.role() == Role.LEADER) {
      watched.addAll(c.getVotersList());
      watched.addAll(c.getLearnersList());
      watched.addAll(c.getOutgoingVotersList());
    } else if (s.leader() != 0) {
      watched.add(s.leader());
    }
    watched.remove(s.id());
    watchedSince.keySet().retainAll(watched);
    lost.keySet().retainAll(watched);
    for (long member : watched) {
      long since = watchedSince.computeIfAbsent(member, m -> now);
      Long heard = lastHeard.get(member);
      long last = heard == null ? since : Math.max(heard, since);
      Long lostAfter = lost.get(member);
      if (lostAfter == null && now - last > timeoutNanos) {
        lost.put(member, last);
        listener.contactLost(member, (now - last) / 1_000_000);
      } else if (lostAfter != null && last > lostAfter) {
        lost.remove(member);
        listener.contactRegained(member, (last - lostAfter) / 1_000_000);
      }
    }
  }
}
