package io.raftd.client;

import java.util.TreeSet;

/**
 * A session's sequence numbers: hands out the next one and tracks those still awaiting an answer, so every
 * request can tell the cluster the lowest pending one.
 *
 * <p>Handing out a number and marking it pending is one step under the lock. Were they two, a thread could
 * take number 5, another take 6 and report 6 as the lowest pending before 5 is marked; the cluster then
 * forgets everything below 6 and answers 5 as stale, a write the client never got an answer for.
 */
final class PendingSequence {
  private final TreeSet<Long> pending = new TreeSet<>();
  private long next = 1;

  /** The next sequence number, already pending. */
  synchronized long begin() {
    long seq = next++;
    pending.add(seq);
    return seq;
  }

  /** {@code seq} has its answer (or the client gave up on it). */
  synchronized void end(long seq) {
    pending.remove(seq);
  }

  /** The lowest number still awaiting an answer, or the next to be handed out when none is. */
  synchronized long lowestPending() {
    return pending.isEmpty() ? next : pending.first();
  }
}
