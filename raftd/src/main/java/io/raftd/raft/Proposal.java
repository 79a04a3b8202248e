package io.raftd.raft;

/**
 * What became of a proposal: appended at (index, term), or refused before it was appended (safe to
 * retry, on the leader if this member is not it).
 */
public record Proposal(long index, long term, Refusal refusal) {
  /** Why a proposal was not appended. */
  public enum Refusal {
    /** This member is not the leader; {@link RawNode#status()} names the leader it knows. */
    NOT_LEADER,
    /** The leader holds too many uncommitted bytes; retry once some commit. */
    TOO_MUCH_UNCOMMITTED,
    /** The leader is handing leadership over; retry on the new leader. */
    TRANSFERRING,
    /** A membership change is still in progress (uncommitted, unapplied or joint); retry once it is done. */
    CHANGE_IN_PROGRESS,
    /** The entry is over {@link Config#maxEntryBytes}: no retry can succeed. */
    TOO_LARGE
  }

  public boolean appended() {
    return refusal == null;
  }

  static Proposal refused(Refusal why) {
    return new Proposal(0, 0, why);
  }
}
