package io.raftd.metrics;

import io.raftd.proto.NodeStatus;
import io.raftd.raft.Counters;

/**
 * What a member's metrics and health checks read from it when asked, from any thread: values its lanes
 * publish anyway (nothing here waits for the RaftLoop).
 */
public interface MemberReadings {
  /** This member's status, as {@code raftctl status --node} shows it. */
  NodeStatus status();

  /** The core's counters as of the last tick. */
  Counters core();

  io.raftd.transport.Counters peerPort();

  io.raftd.transport.Counters adminPort();

  int peerConnections();

  int adminConnections();

  int openSessions();

  long expiredSessions();

  long leaderChanges();

  long snapshotsFailed();
}
