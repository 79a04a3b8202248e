package io.raftd.transport;

/** Who this member is on the peer port: its member id, and its cluster id once bootstrap has decided it. */
final class Identity {
  /** The Hello's protocol_version this transport speaks and accepts. */
  static final int PROTOCOL_VERSION = 1;

  final long selfId;
  private volatile long clusterId;

  Identity(long selfId, long clusterId) {
    this.selfId = selfId;
    this.clusterId = clusterId;
  }

  long clusterId() {
    return clusterId;
  }

  void setClusterId(long clusterId) {
    this.clusterId = clusterId;
  }
}
