package io.raftd.raft;

import io.raftd.proto.Event;
import io.raftd.proto.EventKind;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.RequestVote;
import io.raftd.proto.RequestVoteResponse;
import io.raftd.raft.quorum.Quorum;

/**
 * A pre-candidate (thesis §9.6) or candidate (paper §5.2): asks every voter, counts answers, and wins
 * with a majority (of both halves of a joint configuration). A pre-candidate that wins starts a real
 * election; a candidate that wins becomes leader; either one that loses, or hears from a leader of its
 * term, becomes a follower.
 */
final class CandidateRole implements RoleBehaviour {
  private final Raft r;
  private final boolean preVote;

  CandidateRole(Raft r, boolean preVote) {
    this.r = r;
    this.preVote = preVote;
  }

  /** Votes for itself and asks every other voter. */
  void start(boolean transfer) {
    long electionTerm = preVote ? r.term + 1 : r.term;
    r.report(Event.newBuilder().setKind(EventKind.ELECTION_STARTED).setTerm(electionTerm).setPreVote(preVote), 0,
        r.cfg.logger.member(r.id) + " starts " + (preVote ? "a pre-vote" : "an election") + " for term " + electionTerm
            + (transfer ? ": leadership was handed to it" : ""));
    r.tracker.recordVote(r.id, true);
    if (tally()) {
      return;
    }
    RequestVote.Builder rv = RequestVote.newBuilder()
        .setLastLogIndex(r.log.lastIndex())
        .setLastLogTerm(r.log.lastTerm())
        .setPreVote(preVote)
        .setTransfer(transfer && !r.cfg.is(BrokenVariant.TRANSFER_WITHOUT_FLAG));
    for (long voter : r.tracker.allVoters()) {
      if (voter != r.id) {
        // A candidate's requests wait for its new term and self-vote to be durable (Ready clause 2).
        r.send(r.message(voter).setTerm(electionTerm).setRequestVote(rv));
      }
    }
  }

  @Override
  public void tick() {
    r.electionElapsed++;
    if (r.pastElectionTimeout()) {
      r.electionElapsed = 0;
      r.campaign(false);
    }
  }

  @Override
  public void step(RaftMessage m) {
    if (m.hasAppendEntries() || m.hasHeartbeat() || m.hasInstallSnapshot()) {
      // Someone already won this term.
      r.becomeFollower(r.term, m.getFrom());
      r.behaviour.step(m);
    } else if (m.hasRequestVoteResponse()) {
      RequestVoteResponse resp = m.getRequestVoteResponse();
      if (resp.getPreVote() != preVote || (preVote && resp.getGranted() && m.getTerm() != r.term + 1)) {
        return;  // an answer to another kind of election, or to an earlier pre-vote round
      }
      r.tracker.recordVote(m.getFrom(), resp.getGranted());
      tally();
    }
  }

  /** @return true if the election is decided (and the role has changed) */
  private boolean tally() {
    Quorum.VoteResult result = r.tracker.tallyVotes();
    if (result != Quorum.VoteResult.PENDING) {
      reportOutcome(result == Quorum.VoteResult.WON);
    }
    if (result == Quorum.VoteResult.WON) {
      if (preVote) {
        r.becomeCandidate();
        ((CandidateRole) r.behaviour).start(false);
      } else {
        r.becomeLeader();
      }
      return true;
    }
    if (result == Quorum.VoteResult.LOST) {
      r.becomeFollower(r.term, 0);
      return true;
    }
    return false;
  }

  private void reportOutcome(boolean won) {
    long electionTerm = preVote ? r.term + 1 : r.term;
    int granted = r.tracker.votesGranted();
    int voters = r.tracker.allVoters().length;
    r.report(Event.newBuilder().setKind(won ? EventKind.ELECTION_WON : EventKind.ELECTION_LOST).setTerm(electionTerm)
        .setPreVote(preVote).setVotes(granted).setVoters(voters), 0, r.cfg.logger.member(r.id) + (won ? " won " : " lost ")
        + (preVote ? "the pre-vote" : "the election") + " for term " + electionTerm + " with " + granted + " of " + voters
        + " votes");
  }
}
