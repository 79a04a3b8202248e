package io.raftd.raft;

import io.raftd.proto.EventKind;
import io.raftd.proto.TimeoutNow;
import io.raftd.raft.tracker.Progress;

/**
 * A leader handing leadership over (thesis §3.10): it refuses proposals meanwhile, brings the target up
 * to date, tells it to campaign at once (TimeoutNow), and gives up after an election timeout. Owned by
 * its {@link LeaderRole}.
 */
final class LeadershipTransfer {
  private final Raft r;
  private final LeaderRole leader;
  /** The member leadership is being handed to, 0 if none. */
  private long transferee;
  private int elapsed;
  private boolean timeoutNowSent;

  LeadershipTransfer(Raft r, LeaderRole leader) {
    this.r = r;
    this.leader = leader;
  }

  boolean inProgress() {
    return transferee != 0;
  }

  /** Hands leadership to {@code target}, or with 0 to the most up-to-date other voter. */
  TransferOutcome start(long target) {
    if (target == 0) {
      target = mostUpToDateVoter();
    }
    if (target == r.id) {
      return TransferOutcome.ALREADY_LEADER;
    }
    if (target == 0 || !r.tracker.isVoter(target)) {
      return TransferOutcome.NOT_A_VOTER;
    }
    // Asking again restarts the transfer (a TimeoutNow may have been lost).
    transferee = target;
    elapsed = 0;
    timeoutNowSent = false;
    r.counters.transfersStarted++;
    String started = r.cfg.logger.member(r.id) + " hands leadership of term " + r.term + " to " + r.cfg.logger.member(target);
    r.cfg.logger.info(started);
    r.report(EventKind.TRANSFER_STARTED, target, started);
    onAcknowledged(target);
    leader.sendAppend(target, true);
    return TransferOutcome.STARTED;
  }

  /**
   * The other voter with the highest match, among those heard from within the last election timeout if any
   * is: one gone quiet (stopped, or restarting with its old match still on record) would miss the TimeoutNow,
   * and the transfer would wait out an election timeout for nothing.
   */
  private long mostUpToDateVoter() {
    long best = 0;
    long bestMatch = -1;
    boolean bestActive = false;
    for (long id : r.tracker.allVoters()) {
      Progress pr = r.tracker.progress(id);
      if (id == r.id || pr == null) {
        continue;
      }
      boolean active = pr.recentActive();
      if ((active && !bestActive) || (active == bestActive && pr.match() > bestMatch)) {
        best = id;
        bestMatch = pr.match();
        bestActive = active;
      }
    }
    return best;
  }

  /** {@code from} acknowledged entries: once the target holds the whole log, it is told to campaign at once. */
  void onAcknowledged(long from) {
    if (from == transferee && !timeoutNowSent && r.tracker.progress(from).match() == r.log.lastIndex()) {
      timeoutNowSent = true;
      r.send(r.message(from).setTimeoutNow(TimeoutNow.getDefaultInstance()));
    }
  }

  /**
   * One tick: after an election timeout the transfer is abandoned and the leader resumes, unless it is no
   * longer a voter, in which case it steps down anyway.
   *
   * @return true if the leader stepped down
   */
  boolean tick() {
    if (transferee == 0 || ++elapsed < r.cfg.electionTicks) {
      return false;
    }
    r.counters.transfersAborted++;
    String aborted = r.cfg.logger.member(r.id) + " aborts the leadership transfer to " + r.cfg.logger.member(transferee)
        + ": it did not take over in time";
    r.cfg.logger.warn(aborted);
    r.report(EventKind.TRANSFER_ABORTED, transferee, aborted);
    transferee = 0;
    if (!r.tracker.isVoter(r.id)) {
      r.becomeFollower(r.term, 0);  // removed: it leads no longer, handed over or not
      return true;
    }
    return false;
  }
}
