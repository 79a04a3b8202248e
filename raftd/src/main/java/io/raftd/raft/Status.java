package io.raftd.raft;

/** A read-only view of one member for hosts, operators and tests; cheap enough to take after every input. */
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
    long snapshotIndex) {}
