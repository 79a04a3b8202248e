package io.raftd.driver;

import com.google.protobuf.ByteString;
import io.raftd.raft.ReadState;
import io.raftd.raft.Ready;

/** Waiters that ignore what the core decided; a test overrides what it watches. */
class IgnoringWaiters implements Waiters {
  @Override
  public void readReady(ReadState read) {}

  @Override
  public void readFailed(ByteString context) {}

  @Override
  public void leadershipLost(Ready.LeadershipLost lost) {}

  @Override
  public void removedFromCluster() {}

  @Override
  public void voteBarrierLifted() {}
}
