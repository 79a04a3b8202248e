package io.raftd.driver;

import io.raftd.proto.RaftMessage;

/** Fire-and-forget delivery to a peer (MicroRaft style one-way messages): loss is the protocol's problem. */
public interface Transport {
  void send(RaftMessage message);
}
