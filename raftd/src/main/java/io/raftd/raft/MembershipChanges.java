package io.raftd.raft;

import io.raftd.proto.ConfChange;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.EntryType;
import io.raftd.proto.EventKind;
import io.raftd.raft.confchange.ConfChanges;
import io.raftd.raft.tracker.Progress;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A leader's side of membership changes (paper §6): every change goes C_old → C_old,new → C_new, one at a
 * time; any leader that finds a joint configuration applied with nothing pending leaves it (auto-leave);
 * a leader that is not a voter of the new configuration hands over; and learners the configuration marks
 * for promotion are promoted, by a change of their own, once they have caught up (within
 * {@link Config#catchUpMargin} entries of the commit index, answering, for {@link Config#catchUpTicks}
 * ticks): a voter that joins far behind would make every commit wait for it (thesis §4.2.1). Owned by its
 * {@link LeaderRole}.
 */
final class MembershipChanges {
  private final Raft r;
  private final LeaderRole leader;
  /**
   * The newest configuration entry this leader may not build on yet: until it is applied, no other
   * change is proposed. Starts at this leader's no-op, so a new leader first applies everything before
   * its term (configuration entries included) and an entry of its own.
   */
  private long pendingConfIndex;
  /** The joint configuration in force was proposed by this leader (else it was elected while joint). */
  private boolean proposedJoint;
  /** Ticks each learner to promote has been caught up, in a row. */
  private final Map<Long, Integer> caughtUpTicks = new HashMap<>();

  MembershipChanges(Raft r, LeaderRole leader, long noopIndex) {
    this.r = r;
    this.leader = leader;
    this.pendingConfIndex = noopIndex;
  }

  /**
   * Enters C_old,new for {@code change}. Refused while a change is in progress; an invalid change throws
   * IllegalArgumentException naming the problem.
   */
  Proposal propose(ConfChange change) {
    boolean pending = pendingConfIndex > r.log.applying && !r.cfg.is(BrokenVariant.SECOND_CHANGE_WHILE_PENDING);
    if (pending || ConfChanges.isJoint(r.tracker.configuration())) {
      return Proposal.refused(Proposal.Refusal.CHANGE_IN_PROGRESS);
    }
    Configuration joint = ConfChanges.enterJoint(r.tracker.configuration(), change);
    r.counters.jointEntered++;
    r.counters.learnerPromotions += change.getPromoteLearnersCount();
    proposedJoint = true;
    long index = append(joint);
    r.report(EventKind.MEMBERSHIP_PROPOSED, 0, r.cfg.logger.member(r.id) + " proposes the joint configuration "
        + describe(joint) + " at " + index);
    return new Proposal(index, r.term, null);
  }

  private long append(Configuration c) {
    Entry e = Entry.newBuilder().setTerm(r.term).setIndex(r.log.lastIndex() + 1)
        .setType(EntryType.CONFIG).setData(c.toByteString()).build();
    pendingConfIndex = e.getIndex();
    leader.append(List.of(e));
    r.noteConfigurations(List.of(e));
    leader.broadcastAppend();
    return e.getIndex();
  }

  /**
   * A tick: a joint configuration left behind by a transfer given up is left now; learners to promote that
   * have caught up for long enough are promoted, all in one change.
   */
  void tick() {
    maybeLeaveJoint();
    Configuration c = r.tracker.configuration();
    if (c.getAutoPromoteCount() == 0) {
      caughtUpTicks.clear();
      return;
    }
    caughtUpTicks.keySet().retainAll(c.getAutoPromoteList());
    ConfChange.Builder promote = ConfChange.newBuilder();
    for (long id : c.getAutoPromoteList()) {
      Progress pr = r.tracker.progress(id);
      boolean caughtUp = pr != null && pr.match() + r.cfg.catchUpMargin >= r.log.committed;
      int ticks = caughtUp ? caughtUpTicks.merge(id, 1, Integer::sum) : 0;
      if (!caughtUp) {
        caughtUpTicks.remove(id);
      }
      // Answering now too (heard from since the last check-quorum): a learner that stopped while caught up
      // with an idle cluster stays a learner.
      if (ticks >= r.cfg.catchUpTicks && pr.recentActive()) {
        promote.addPromoteLearners(id);
      }
    }
    boolean pending = pendingConfIndex > r.log.applying || ConfChanges.isJoint(c);
    if (promote.getPromoteLearnersCount() > 0 && !pending && !leader.transferring()) {
      r.counters.autoPromotions++;
      String promotes = r.cfg.logger.member(r.id) + " promotes " + names(promote.getPromoteLearnersList())
          + " to voter: caught up with the commit index for " + r.cfg.catchUpTicks + " ticks";
      r.cfg.logger.info(promotes);
      r.report(EventKind.LEARNER_PROMOTED, promote.getPromoteLearners(0), promotes);
      propose(promote.build());
    }
  }

  /**
   * Entries were handed out to apply: a joint configuration in force with nothing pending is left at
   * once (auto-leave), whoever proposed it.
   */
  void onApplying() {
    maybeLeaveJoint();
  }

  /**
   * Leaves a joint configuration in force with nothing pending. Not while leadership is being handed over:
   * the target was told to campaign because it holds the whole log, and an entry appended now would make
   * its log too short to be voted for (thesis §3.10: the leader appends nothing during a transfer); the
   * next leader leaves it, or this one does at a tick once the transfer is given up.
   */
  private void maybeLeaveJoint() {
    Configuration c = r.tracker.configuration();
    if (!ConfChanges.isJoint(c) || pendingConfIndex > r.log.applying || leader.transferring()) {
      return;
    }
    if (!proposedJoint) {
      if (r.cfg.is(BrokenVariant.NEW_LEADER_STAYS_JOINT)) {
        return;
      }
      r.counters.autoLeavesByNewLeader++;
    }
    r.counters.jointLeft++;
    proposedJoint = false;
    Configuration left = ConfChanges.leaveJoint(c);
    long index = append(left);
    r.report(EventKind.MEMBERSHIP_PROPOSED, 0, r.cfg.logger.member(r.id) + " proposes leaving the joint configuration for "
        + describe(left) + " at " + index);
  }

  private String describe(Configuration c) {
    return "voters " + names(c.getVotersList()) + (c.getOutgoingVotersCount() > 0 ? " joint with "
        + names(c.getOutgoingVotersList()) : "") + (c.getLearnersCount() > 0 ? ", learners " + names(c.getLearnersList()) : "");
  }

  private List<String> names(List<Long> ids) {
    return ids.stream().map(r.cfg.logger::member).toList();
  }

  /** A configuration took effect: new members are replicated to; a leader no longer a voter hands over. */
  void onConfigurationApplied() {
    leader.broadcastAppend();
    if (!ConfChanges.isJoint(r.tracker.configuration()) && !r.tracker.isVoter(r.id)) {
      r.counters.leaderRemovals++;
      r.cfg.logger.info(r.cfg.logger.member(r.id) + " is not a voter of the new configuration: handing leadership over");
      if (leader.transferLeadership(0) != TransferOutcome.STARTED) {
        r.becomeFollower(r.term, 0);
      }
    }
  }
}
