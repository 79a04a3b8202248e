package io.raftd.raft.tracker;

/**
 * What the leader knows of one follower's log (paper Figure 2: nextIndex, matchIndex), and how it is
 * currently replicating to it:
 * <ul>
 *   <li>PROBE: the leader does not know where the logs diverge; it sends one AppendEntries at a time
 *       and waits for the answer (or the next heartbeat response) before probing again.</li>
 *   <li>REPLICATE: the logs agree up to {@code match}; the leader streams entries optimistically,
 *       advancing {@code next} as it sends, bounded by the in-flight window.</li>
 *   <li>SNAPSHOT: the follower needs entries the leader has compacted; the host streams it a snapshot
 *       and nothing else is sent until the host reports the outcome or the follower acknowledges it.</li>
 * </ul>
 * Invariant: {@code match < next}. {@code match} goes down only when the follower shows it lost entries it
 * acknowledged (see {@link #maybeDecrTo}).
 */
public final class Progress {
  public enum State { PROBE, REPLICATE, SNAPSHOT }

  private long match;
  private long next;
  private State state = State.PROBE;
  /** In PROBE: an AppendEntries is outstanding, send no other until a response or heartbeat response. */
  private boolean probeSent;
  /** Set by any message from the follower; read and cleared by the leader's check-quorum. */
  private boolean recentActive;
  private final Inflights inflights;
  /** In SNAPSHOT: the index of the snapshot being sent. */
  private long pendingSnapshot;
  /** {@link #match} at the previous {@link #stalledSinceLastCheck()}: tells a stalled window from a busy one. */
  private long matchAtLastCheck;

  public Progress(long next, int maxInflight) {
    this.next = next;
    this.inflights = new Inflights(maxInflight);
  }

  public long match() {
    return match;
  }

  public long next() {
    return next;
  }

  public State state() {
    return state;
  }

  public boolean recentActive() {
    return recentActive;
  }

  public void setRecentActive(boolean active) {
    this.recentActive = active;
  }

  public Inflights inflights() {
    return inflights;
  }

  public void becomeProbe() {
    // Leaving REPLICATE, resume from the first index not known to match.
    state = State.PROBE;
    next = match + 1;
    probeSent = false;
    inflights.reset();
  }

  /** The follower is sent the snapshot ending at {@code index}. */
  public void becomeSnapshot(long index) {
    state = State.SNAPSHOT;
    pendingSnapshot = index;
    probeSent = false;
    inflights.reset();
  }

  /**
   * The host reports how sending the snapshot ended. Either way, probe next: after a delivered snapshot,
   * just past it (the follower acknowledges it too); after a failure, from the match, which sends a
   * snapshot again if the entries are still gone.
   */
  public void snapshotDone(boolean delivered) {
    if (state != State.SNAPSHOT) {
      return;
    }
    long after = delivered ? pendingSnapshot : match;
    becomeProbe();
    next = Math.max(next, after + 1);
    pendingSnapshot = 0;
  }

  public long pendingSnapshot() {
    return pendingSnapshot;
  }

  public void becomeReplicate() {
    state = State.REPLICATE;
    next = match + 1;
    probeSent = false;
    inflights.reset();
  }

  /**
   * A heartbeat response arrived: in PROBE the leader may probe again; in REPLICATE with a full window,
   * one slot is freed, so one more AppendEntries goes out: if earlier ones were lost, the follower
   * rejects it and the leader backs up at once, instead of waiting for the stall check.
   */
  public void onHeartbeatResponse() {
    if (state == State.PROBE) {
      probeSent = false;
    } else if (state == State.REPLICATE && inflights.full()) {
      inflights.freeFirst();
    }
  }

  /**
   * Called once per election timeout. True if, in REPLICATE, messages have been in flight since the
   * previous call without a single acknowledgement: they were most likely lost (a lost AppendEntries is
   * otherwise noticed only when a later one is rejected, and there may be none), so the leader should
   * fall back to PROBE and resend from the first unmatched index.
   */
  public boolean stalledSinceLastCheck() {
    boolean stalled = state == State.REPLICATE && inflights.count() > 0 && match == matchAtLastCheck;
    matchAtLastCheck = match;
    return stalled;
  }

  /** True if no AppendEntries may be sent now: a probe is outstanding or the window is full. */
  public boolean isPaused() {
    return switch (state) {
      case PROBE -> probeSent;
      case REPLICATE -> inflights.full();
      case SNAPSHOT -> true;
    };
  }

  /** Records that an AppendEntries ending at {@code lastIndex} (with {@code count} entries) was sent. */
  public void sentEntries(long lastIndex, int count) {
    if (state == State.REPLICATE) {
      if (count > 0) {
        next = lastIndex + 1;
        inflights.add(lastIndex);
      }
    } else {
      probeSent = true;
    }
  }

  /**
   * A success acknowledged the follower's log up to {@code index}.
   *
   * @return false if the acknowledgement is stale (already known)
   */
  public boolean maybeUpdate(long index) {
    boolean updated = false;
    if (match < index) {
      match = index;
      updated = true;
      probeSent = false;
    }
    next = Math.max(next, index + 1);
    return updated;
  }

  /**
   * A rejection of the AppendEntries whose prev index was {@code rejected}; {@code newNext} is where the
   * conflict hint says to retry.
   *
   * @return false if the rejection is stale and must be ignored
   */
  public boolean maybeDecrTo(long rejected, long newNext) {
    if (state == State.SNAPSHOT) {
      return false;  // an answer to an AppendEntries sent before the snapshot
    }
    if (state == State.REPLICATE) {
      // Rejections at or below match come from messages overtaken by later successes.
      if (rejected <= match) {
        return false;
      }
      next = match + 1;
      return true;
    }
    // In PROBE only the answer to the index just probed counts.
    if (next - 1 != rejected) {
      return false;
    }
    if (rejected <= match) {
      // The follower no longer holds an entry it acknowledged: an operator truncated its log (raftctl wal
      // repair). What it kept is a prefix of what it acknowledged, so it still matches up to where the
      // hint says its log now ends; resume from there (else the leader would probe this index forever).
      match = Math.min(match, newNext - 1);
    }
    next = Math.max(Math.min(rejected, newNext), match + 1);
    probeSent = false;
    return true;
  }

  @Override
  public String toString() {
    return state + " match=" + match + " next=" + next + (probeSent ? " paused" : "")
        + " inflight=" + inflights.count() + (state == State.SNAPSHOT ? " snapshot=" + pendingSnapshot : "");
  }
}
