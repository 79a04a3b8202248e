package io.raftd.sim;

/** What happened in one schedule, or (added up) in a batch: the figures the coverage floors are set on. */
final class ScheduleStats {
  long schedules;
  long events;
  long proposals;
  long acknowledged;
  long commits;
  long elections;
  long crashes;
  long restarts;
  long partitions;
  long leaderCrashesWithUnsyncedEntries;
  long crashesLosingUnsyncedData;
  /** Restarts whose WAL recovery found, reported and dropped a torn last batch. */
  long walTornTails;
  long truncations;
  long windowsFilled;
  long staleTermFreed;
  long persistedIgnored;
  long readsChecked;
  long followerReadsChecked;
  long readsFailed;
  long readsWaitedForCommit;
  long snapshotsTaken;
  long snapshotsStreamed;
  long snapshotsInstalled;
  long staleSnapshotsIgnored;
  long transfersCompleted;
  long transfersAborted;
  long membershipChangesProposed;
  long membersRemoved;
  long jointEntered;
  long jointLeft;
  long autoLeavesByNewLeader;
  long learnerPromotions;
  long autoPromotions;
  long leaderRemovals;
  long removedAnswered;
  /** Stopped members whose WAL was cut short by a simulated repair, and so restarted behind a vote barrier. */
  long repairs;
  /** Restarts at which part of the member's durable WAL was lost (a segment deleted or cut, or all of them). */
  long segmentsLost;
  /** Of those, restarts recovery refused (the member is lost for good), and restarts it accepted. */
  long restartsRefused;
  long segmentLossesAccepted;
  long barriersLifted;
  long votesBarred;
  long campaignsBarred;
  long messages;
  long dropped;
  long duplicated;
  long delayedLong;

  void add(ScheduleStats o) {
    schedules += o.schedules;
    events += o.events;
    proposals += o.proposals;
    acknowledged += o.acknowledged;
    commits += o.commits;
    elections += o.elections;
    crashes += o.crashes;
    restarts += o.restarts;
    partitions += o.partitions;
    leaderCrashesWithUnsyncedEntries += o.leaderCrashesWithUnsyncedEntries;
    crashesLosingUnsyncedData += o.crashesLosingUnsyncedData;
    walTornTails += o.walTornTails;
    truncations += o.truncations;
    windowsFilled += o.windowsFilled;
    staleTermFreed += o.staleTermFreed;
    persistedIgnored += o.persistedIgnored;
    readsChecked += o.readsChecked;
    followerReadsChecked += o.followerReadsChecked;
    readsFailed += o.readsFailed;
    readsWaitedForCommit += o.readsWaitedForCommit;
    snapshotsTaken += o.snapshotsTaken;
    snapshotsStreamed += o.snapshotsStreamed;
    snapshotsInstalled += o.snapshotsInstalled;
    staleSnapshotsIgnored += o.staleSnapshotsIgnored;
    transfersCompleted += o.transfersCompleted;
    transfersAborted += o.transfersAborted;
    membershipChangesProposed += o.membershipChangesProposed;
    membersRemoved += o.membersRemoved;
    jointEntered += o.jointEntered;
    jointLeft += o.jointLeft;
    autoLeavesByNewLeader += o.autoLeavesByNewLeader;
    learnerPromotions += o.learnerPromotions;
    autoPromotions += o.autoPromotions;
    leaderRemovals += o.leaderRemovals;
    removedAnswered += o.removedAnswered;
    repairs += o.repairs;
    segmentsLost += o.segmentsLost;
    restartsRefused += o.restartsRefused;
    segmentLossesAccepted += o.segmentLossesAccepted;
    barriersLifted += o.barriersLifted;
    votesBarred += o.votesBarred;
    campaignsBarred += o.campaignsBarred;
    messages += o.messages;
    dropped += o.dropped;
    duplicated += o.duplicated;
    delayedLong += o.delayedLong;
  }
}
