package io.raftd.raft;

/**
 * What the core has counted since it was created: read by the host for metrics and by the simulator for
 * its coverage floors. Only the core increments them.
 */
public final class Counters implements Cloneable {
  long campaigns;
  long preVotesRefused;
  long leadersElected;
  long droppedStaleTerm;
  long droppedUnknownMember;
  long droppedWrongCluster;
  long ignoredInLease;
  long answeredStaleTerm;
  long steppedDownForHigherTerm;
  long inflightWindowFull;
  long persistedIgnored;
  long proposalsDropped;
  long checkQuorumStepDowns;
  long readsWaitedForCommit;
  long followerReads;
  long readsFailed;
  long snapshotsSent;
  long snapshotsInstalled;
  long staleSnapshotsIgnored;
  long transfersStarted;
  long transfersCompleted;
  long transfersAborted;
  long removedAnswered;
  long jointEntered;
  long jointLeft;
  long autoLeavesByNewLeader;
  long learnerPromotions;
  long autoPromotions;
  long leaderRemovals;
  long votesBarred;
  long campaignsBarred;
  long droppedBeyondMaxTerm;
  long timeoutNowIgnored;
  long transfersAfterPromotion;
  long transfersNeverPromoted;

  /** A copy, as of now, for another thread to read (these fields are the core's alone, and not volatile). */
  public Counters copy() {
    try {
      return (Counters) clone();
    } catch (CloneNotSupportedException e) {
      throw new AssertionError(e);
    }
  }

  /** Elections this member started (pre-vote or real). */
  public long campaigns() {
    return campaigns;
  }

  /** Pre-votes this member refused or, in contact with a leader, ignored: elections it kept from starting. */
  public long preVotesRefused() {
    return preVotesRefused;
  }

  public long leadersElected() {
    return leadersElected;
  }

  /** Messages from an older term dropped without an answer. */
  public long droppedStaleTerm() {
    return droppedStaleTerm;
  }

  /** Messages from a member id this configuration does not know, or addressed to another id. */
  public long droppedUnknownMember() {
    return droppedUnknownMember;
  }

  public long droppedWrongCluster() {
    return droppedWrongCluster;
  }

  /** Vote requests ignored because this member heard from a leader within the election timeout. */
  public long ignoredInLease() {
    return ignoredInLease;
  }

  /** Messages with a term above {@link RawNode#MAX_TERM}, which no correct member sends: dropped. */
  public long droppedBeyondMaxTerm() {
    return droppedBeyondMaxTerm;
  }

  /** TimeoutNow messages not from the leader this member follows in its term: no election started. */
  public long timeoutNowIgnored() {
    return timeoutNowIgnored;
  }

  /** Hand-overs (TimeoutNow) that arrived before this member's promotion applied, and campaigned once it did. */
  public long transfersAfterPromotion() {
    return transfersAfterPromotion;
  }

  /** Hand-overs that arrived before this member's promotion applied and expired waiting for it. */
  public long transfersNeverPromoted() {
    return transfersNeverPromoted;
  }

  /** Lower-term AppendEntries or heartbeats answered with this member's term, to free a stuck node. */
  public long answeredStaleTerm() {
    return answeredStaleTerm;
  }

  /** A leader that learned of a higher term from a follower's answer and stepped down. */
  public long steppedDownForHigherTerm() {
    return steppedDownForHigherTerm;
  }

  /** Times a follower's pipelined window filled up. */
  public long inflightWindowFull() {
    return inflightWindowFull;
  }

  /** onPersisted reports ignored because the entry was overwritten meanwhile. */
  public long persistedIgnored() {
    return persistedIgnored;
  }

  public long proposalsDropped() {
    return proposalsDropped;
  }

  public long checkQuorumStepDowns() {
    return checkQuorumStepDowns;
  }

  /** Reads a new leader held until an entry of its term was committed. */
  public long readsWaitedForCommit() {
    return readsWaitedForCommit;
  }

  /** Reads this member served with a read index from its leader. */
  public long followerReads() {
    return followerReads;
  }

  /** Reads that failed (leadership lost, no leader, no answer): safe to retry. */
  public long readsFailed() {
    return readsFailed;
  }

  public long snapshotsSent() {
    return snapshotsSent;
  }

  public long snapshotsInstalled() {
    return snapshotsInstalled;
  }

  /** Snapshots at or below the commit index, ignored. */
  public long staleSnapshotsIgnored() {
    return staleSnapshotsIgnored;
  }

  public long transfersStarted() {
    return transfersStarted;
  }

  /** Elections this member won because a leader handed over to it (TimeoutNow). */
  public long transfersCompleted() {
    return transfersCompleted;
  }

  /** Messages from removed member ids, answered with Removed. */
  public long removedAnswered() {
    return removedAnswered;
  }

  /** Joint configurations this member, as leader, appended (entered) and left. */
  public long jointEntered() {
    return jointEntered;
  }

  public long jointLeft() {
    return jointLeft;
  }

  /** Joint configurations this member left as a leader that had not proposed them (elected meanwhile). */
  public long autoLeavesByNewLeader() {
    return autoLeavesByNewLeader;
  }

  public long learnerPromotions() {
    return learnerPromotions;
  }

  /** Changes this member, as leader, proposed to promote learners that had caught up. */
  public long autoPromotions() {
    return autoPromotions;
  }

  /** Times this member, as leader, found itself removed and handed over. */
  public long leaderRemovals() {
    return leaderRemovals;
  }

  /** (Pre-)votes this member would have granted but withheld because of its vote barrier. */
  public long votesBarred() {
    return votesBarred;
  }

  /** Elections (timer, TimeoutNow or the host's request) this member did not start because of its vote barrier. */
  public long campaignsBarred() {
    return campaignsBarred;
  }

  /** Transfers this member gave up after an election timeout, resuming as leader. */
  public long transfersAborted() {
    return transfersAborted;
  }
}
