package io.raftd.transport;

import io.raftd.raft.MemberId;
/**
 * Who this member is on the peer port: its member id, its cluster id once bootstrap has decided it, the
 * keys it authenticates peers with, its TLS (if configured), and the members it knows: which ids may open
 * Raft and snapshot connections to it, and the names their certificates must hold.
 */
final class Identity {
  /** The Hello's protocol_version this transport speaks and accepts: 2 is the authenticated handshake. */
  static final int PROTOCOL_VERSION = 2;

  /** Set once, before any member is admitted; a joining member may take the id its cluster gave it (setSelfId). */
  volatile long selfId;
  final ClusterKeys keys;
  /** Mutual TLS on every peer connection, or null for plain TCP. */
  final PeerTls tls;
  private volatile long clusterId;
  /** Until the owner says otherwise, no member id may open a Raft or snapshot connection. */
  private volatile PeerTransport.Membership membership = PeerTransport.Membership.NONE;

  Identity(long selfId, long clusterId, ClusterKeys keys, PeerTls tls) {
    this.selfId = selfId;
    this.clusterId = clusterId;
    this.keys = keys;
    this.tls = tls;
  }

  long clusterId() {
    return clusterId;
  }

  void setClusterId(long clusterId) {
    this.clusterId = clusterId;
  }

  void setSelfId(long selfId) {
    this.selfId = selfId;
  }

  /** Whether {@code memberId} may send Raft messages and snapshots to this member. */
  boolean admits(long memberId) {
    return memberId != selfId && memberId != 0 && membership.admits(memberId);
  }

  /** The name {@code memberId}'s certificate must hold, or null if this member does not know it. */
  String nameOf(long memberId) {
    return membership.nameOf(memberId);
  }

  /** How log lines name a member: {@code name(hex)}, the one form ({@link MemberId#label}). */
  String label(long memberId) {
    return MemberId.label(nameOf(memberId), memberId);
  }

  void setMembership(PeerTransport.Membership membership) {
    this.membership = membership;
  }
}
