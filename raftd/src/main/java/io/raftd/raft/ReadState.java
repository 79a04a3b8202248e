package io.raftd.raft;

import com.google.protobuf.ByteString;

/**
 * A linearizable read that may now be served (thesis §6.4): leadership was confirmed by a quorum after
 * the read was registered, {@code index} was the leader's commit index then, and this member has applied
 * at least that far. The host serves it from its state machine as it is now.
 */
public record ReadState(ByteString context, long index) {}
