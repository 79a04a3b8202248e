package io.raftd.raft;

import java.util.Map;

/**
 * A read-only view of one member for hosts, operators and tests.
 *
 * @param progress on a leader, each member's state as "match next state"; empty otherwise
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
    Map<Long, String> progress) {}
