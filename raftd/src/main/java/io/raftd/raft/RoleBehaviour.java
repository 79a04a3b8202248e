package io.raftd.raft;

import io.raftd.proto.RaftMessage;

/** What one role does with time, messages and durable writes once the shared term rules have run. */
interface RoleBehaviour {
  void tick();

  /** A message of the current term (vote requests are handled by {@link Raft} for every role). */
  void step(RaftMessage m);

  /** The host made more of the log durable. */
  default void onPersisted() {}
}
