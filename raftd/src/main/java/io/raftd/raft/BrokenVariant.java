package io.raftd.raft;

/**
 * Deliberate protocol bugs that the randomized simulator must catch. Selected only through
 * {@link Config#brokenVariant}, a package-private field that only tests set: the one sanctioned test
 * hook in production code. {@link #NONE} in every real deployment.
 */
enum BrokenVariant {
  NONE,
  /** Commit an entry of an earlier term by counting replicas (paper Figure 8). */
  COMMIT_OLD_TERM_BY_COUNTING,
  /** Send a vote grant before the vote is durable. */
  VOTE_REPLY_BEFORE_DURABLE,
  /** Grant votes without the election restriction (paper §5.4.1). */
  VOTE_FOR_OUT_OF_DATE_LOG,
  /** Acknowledge appended entries before they are durable. */
  ACK_BEFORE_DURABLE,
  /** The leader counts its own entries toward commit as soon as it appends them. */
  LEADER_COUNTS_SELF_BEFORE_PERSISTED,
  /**
   * A follower takes its commit index from its own last index rather than from the prefix the
   * AppendEntries verified: on every AppendEntries, accepted or rejected, commit = min(leaderCommit,
   * own last index). (With fast backtracking an accepted AppendEntries always reaches the first
   * divergent entry, so the bug shows where the consistency check fails: a follower with a stale suffix
   * commits it.)
   */
  FOLLOWER_COMMIT_FROM_OWN_LAST_INDEX,
  /** A follower truncates its log after a shorter, stale AppendEntries. */
  TRUNCATE_ON_STALE_APPEND,
  /** onPersisted is honoured although the entry at that index was overwritten by a later term. */
  PERSISTED_IGNORES_TERM,
  /** A leader answers ReadIndex before an entry of its own term is committed. */
  READ_BEFORE_FIRST_COMMIT,
  /** A read counts a confirmation round that started before it was registered. */
  READ_COUNTS_EARLIER_ROUND,
  /** A follower serves a read before it has applied up to the read index. */
  FOLLOWER_READ_BEFORE_APPLIED,
  /** A follower installs a snapshot at or below its commit index. */
  STALE_SNAPSHOT_INSTALLED,
  /** A TimeoutNow campaign does not set the transfer flag, so voters in their lease ignore it. */
  TRANSFER_WITHOUT_FLAG,
  /** While joint, a leader commits with a majority of C_new alone. */
  COMMIT_JOINT_WITH_NEW_MAJORITY_ONLY,
  /** Learners count toward the commit quorum. */
  LEARNER_COUNTED_IN_QUORUM,
  /** A leader accepts a second membership change while one is still pending. */
  SECOND_CHANGE_WHILE_PENDING,
  /** A leader elected while the configuration is joint does not leave it. */
  NEW_LEADER_STAYS_JOINT,
  /** A member whose log was truncated ignores its vote barrier: it votes and campaigns at once. */
  VOTE_BARRIER_IGNORED
}
