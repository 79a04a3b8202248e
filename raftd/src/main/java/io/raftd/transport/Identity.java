package io.raftd.transport;

import java.util.function.LongPredicate;

/**
 * Who this member is on the peer port: its member id, its cluster id once bootstrap has decided it, the
 * keys it authenticates peers with, and which member ids may open Raft and snapshot connections to it.
 */
final class Identity {
  /** The Hello's protocol_version this transport speaks and accepts: 2 is the authenticated handshake. */
  static final int PROTOCOL_VERSION = 2;

  final long selfId;
  final ClusterKeys keys;
  private volatile long clusterId;
  /** Until the owner says otherwise, no member id may open a Raft or snapshot connection. */
  private volatile LongPredicate admitted = id -> false;

  Identity(long selfId, long clusterId, ClusterKeys keys) {
    this.selfId = selfId;
    this.clusterId = clusterId;
    this.keys = keys;
  }

  long clusterId() {
    return clusterId;
  }

  void setClusterId(long clusterId) {
    this.clusterId = clusterId;
  }

  /** Whether {@code memberId} may send Raft messages and snapshots to this member. */
  boolean admits(long memberId) {
    return memberId != selfId && memberId != 0 && admitted.test(memberId);
  }

  void setAdmitted(LongPredicate admitted) {
    this.admitted = admitted;
  }
}
