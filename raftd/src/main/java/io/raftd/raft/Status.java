package io.raftd.raft;

/**
 * A read-only view of one member for hosts, operators and tests; cheap enough to take after every input.
 *
 * @param voteBarrierIndex the vote barrier still in force (0: none): this member neither votes nor
 *     campaigns until it has committed up to it
 * @param leaderCommit the leader's commit index: its own on a leader; on another member the highest its
 *     leader of this term told it in an AppendEntries (0 until one arrives), so its distance behind
 */
public record Status(
    long id,
    Role role,
    long term,
    long votedFor,
    long leader,
    long commit,
    long applied,
    long persisted,
    long firstIndex,
    long lastIndex,
    long snapshotIndex,
    long voteBarrierIndex,
    long leaderCommit) {}
