package io.raftd.driver;

import com.google.protobuf.ByteString;
import io.raftd.raft.Ready;
import io.raftd.raft.ReadState;

/**
 * The host's clients waiting on reads and proposals, and its lifecycle: told what the core decided about
 * them.
 */
public interface Waiters {
  /** The read may be served now from the state machine, which has applied at least {@code read.index()}. */
  void readReady(ReadState read);

  /** The read cannot be served here (no leader, leadership lost, no answer): safe to retry. */
  void readFailed(ByteString context);

  /** This member stopped leading: its proposals above {@code lost.commit()} have an unknown outcome. */
  void leadershipLost(Ready.LeadershipLost lost);

  /** This member was removed from the cluster: the host fails every waiter and stops it. */
  void removedFromCluster();

  /**
   * This member's vote barrier was lifted and everything it wrote up to then is durable: the host deletes
   * its record of the barrier.
   */
  void voteBarrierLifted();
}
