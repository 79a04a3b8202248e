package io.raftd.raft;

/** What {@link RawNode#transferLeadership} did. */
public enum TransferOutcome {
  /** The transfer is under way: proposals are refused until it completes or aborts (one election timeout). */
  STARTED,
  /** Only the leader can hand leadership over. */
  NOT_LEADER,
  /** The target is not a voter of the current configuration (or there is no other voter). */
  NOT_A_VOTER,
  /** The target already leads. */
  ALREADY_LEADER
}
