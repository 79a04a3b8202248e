package io.raftd.raft;

import com.google.protobuf.ByteString;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.EntryType;
import io.raftd.proto.Event;
import io.raftd.proto.EventKind;
import io.raftd.proto.HardState;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.ReadIndexRequest;
import io.raftd.proto.ReadIndexResponse;
import io.raftd.proto.Removed;
import io.raftd.proto.RequestVote;
import io.raftd.proto.RequestVoteResponse;
import io.raftd.raft.confchange.ConfChanges;
import io.raftd.raft.tracker.ProgressTracker;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeSet;

/**
 * One member's Raft state and the rules every role shares (paper Figure 2, "Rules for Servers: All
 * Servers"): terms, votes, role transitions and the election timer. What a role does with a message
 * lives in {@link FollowerRole}, {@link CandidateRole} and {@link LeaderRole}. Owned by one thread.
 *
 * <p><b>When a configuration takes effect: on apply</b> (as etcd does). A configuration entry changes
 * who votes, who counts toward commit and who is replicated to only once it is committed and handed to
 * the host to apply; so it is never rolled back by a truncation, and the configuration in force at any
 * applied index is exactly what a snapshot at that index records. Joint consensus keeps this safe: a
 * leader proposes one change at a time, only once everything it holds is applied, and while a
 * configuration is joint every decision needs majorities of both halves.
 */
final class Raft {
  final Config cfg;
  final long id;
  final RaftLog log;
  final ProgressTracker tracker;
  final Counters counters = new Counters();
  private final SplittableRandom random;

  /** Paper: currentTerm. Invariant: never decreases. */
  long term;
  /** Paper: votedFor, in {@link #term}; 0 = none. Invariant: set at most once per term. */
  long votedFor;
  /** The leader of {@link #term} as far as this member knows; 0 = unknown. */
  long leader;
  Role role;
  RoleBehaviour behaviour;

  /** Ticks since the election timer was last reset; on a leader, since the last check-quorum. */
  int electionElapsed;
  /** Ticks since the leader last sent heartbeats. */
  int heartbeatElapsed;
  /** This timer's election timeout, drawn from [electionTicks, electionTicks + electionSpread). */
  int randomizedElectionTimeout;

  /** Messages that may leave at once (Ready contract, clause 3). */
  final List<RaftMessage> messages = new ArrayList<>();
  /** Messages that leave once this Ready's writes are durable. */
  final List<RaftMessage> messagesAfterPersist = new ArrayList<>();

  /** This member's side of ReadIndex: forwarded reads, reads waiting for apply, what to report. */
  final MemberReads reads;
  /** Set when this member stops leading, until handed out in a Ready. */
  Ready.LeadershipLost leadershipLost;
  /** This member campaigns because its leader handed over (TimeoutNow). */
  private boolean campaignByTransfer;
  /**
   * Ticks left in which this member, asked by its leader to take over (TimeoutNow) before it applied the
   * configuration that makes it a voter, campaigns as soon as that configuration applies; 0: not asked.
   * The leader has committed the promotion (it hands over only to its voters) and waits an election
   * timeout for the transfer, so the wait here is half of one: after that a late campaign would only
   * disrupt a leader that gave up.
   */
  private int transferAwaitingPromotion;
  /**
   * The highest commit index a leader of this member's term told it in an AppendEntries (heartbeats carry
   * only what this member is known to hold): how far behind a learner is. 0 in a new term until one arrives.
   */
  long leaderCommit;
  /** The newest snapshot the host reported durable or this member installed. */
  long snapshotIndex;
  /** Every member id seen in any configuration, applied or only in the log: messages from others are dropped. */
  private final TreeSet<Long> knownMembers = new TreeSet<>();
  /** A member answered this one with Removed. */
  private boolean toldRemoved;
  /**
   * The vote barrier still in force (index 0: none), from {@link Config#voteBarrierIndex}: this member
   * may have acknowledged entries up to {@code voteBarrierIndex}, in terms up to {@code voteBarrierTerm},
   * that its log no longer holds. Raft's safety rests on voters keeping what they acknowledged: a vote
   * from it could elect a leader that lacks a committed entry, and as leader it would overwrite them.
   * So it neither grants (pre-)votes nor campaigns until {@link #maybeLiftVoteBarrier} lifts it.
   * Invariant: once 0, it stays 0.
   */
  long voteBarrierIndex;
  private long voteBarrierTerm;
  /** The barrier was lifted and the host has not been told yet (Ready.voteBarrierLifted). */
  boolean voteBarrierLifted;

  Raft(Config cfg, LogStorage storage) {
    this.cfg = cfg;
    this.id = cfg.id;
    this.random = new SplittableRandom(cfg.seed);
    this.reads = new MemberReads(cfg, counters);
    HardState hs = storage.hardState();
    if (cfg.applied > storage.lastIndex()) {
      throw new IllegalArgumentException("the state machine has applied " + cfg.applied
          + " but the log ends at " + storage.lastIndex());
    }
    // Whatever the state machine applied was committed, even if the newest commit index was not yet durable.
    this.log = new RaftLog(storage, Math.max(hs.getCommit(), cfg.applied), cfg.applied);
    this.tracker = new ProgressTracker(configurationAt(storage, cfg.applied), cfg.maxInflight);
    knownMembers.addAll(ConfChanges.members(tracker.configuration()));
    if (log.lastIndex() >= log.firstIndex()) {
      noteConfigurations(log.entries(Math.max(log.firstIndex(), cfg.applied + 1), log.lastIndex() + 1, Long.MAX_VALUE));
    }
    this.term = hs.getTerm();
    this.votedFor = hs.getVotedFor();
    this.snapshotIndex = storage.snapshot().getIndex();
    this.voteBarrierIndex = cfg.voteBarrierIndex;
    this.voteBarrierTerm = cfg.voteBarrierTerm;
    becomeFollower(term, 0);
    if (voteBarrierIndex != 0) {
      String barrier = cfg.logger.member(id) + " starts behind a vote barrier: it neither votes nor campaigns until it has"
          + " committed up to " + voteBarrierIndex + " in term " + voteBarrierTerm + " or later";
      cfg.logger.info(barrier);
      report(EventKind.VOTE_BARRIER_SET, 0, barrier);
      maybeLiftVoteBarrier();
    }
  }

  /** The configuration in force once entries up to {@code applied} are applied: the stored one, then the log's. */
  private static Configuration configurationAt(LogStorage storage, long applied) {
    Configuration c = storage.configuration();
    if (applied >= storage.firstIndex()) {
      for (Entry e : storage.entries(storage.firstIndex(), applied + 1, Long.MAX_VALUE)) {
        if (e.getType() == EntryType.CONFIG) {
          c = ConfChanges.parse(e);
        }
      }
    }
    return c;
  }

  /** Entries appended to the log: the members their configurations name may talk to us. */
  void noteConfigurations(List<Entry> entries) {
    for (Entry e : entries) {
      if (e.getType() == EntryType.CONFIG) {
        knownMembers.addAll(ConfChanges.members(ConfChanges.parse(e)));
      }
    }
  }

  /** A configuration takes effect (an applied configuration entry, or an installed snapshot's). */
  void applyConfiguration(Configuration c) {
    tracker.setConfiguration(c, log.lastIndex());
    knownMembers.addAll(ConfChanges.members(c));
    if (transferAwaitingPromotion > 0 && role == Role.FOLLOWER && promotable()) {
      transferAwaitingPromotion = 0;
      counters.transfersAfterPromotion++;
      campaign(true);
    }
    if ((role == Role.CANDIDATE || role == Role.PRE_CANDIDATE) && !promotable()) {
      becomeFollower(term, 0);  // no longer a voter: its election must not make it leader
    }
    if (role == Role.LEADER) {
      ((LeaderRole) behaviour).onConfigurationApplied();
    }
  }

  /**
   * This member was removed from the cluster and its host should stop it: it was told so, or it applied
   * a configuration that removed it (also before a restart). A leader is not done until it has handed
   * over or given up, so it reports its removal only once it no longer leads.
   */
  boolean removedFromCluster() {
    return toldRemoved || (role != Role.LEADER && !tracker.isMember(id)
        && tracker.configuration().getRemovedList().contains(id));
  }

  HardState hardState() {
    return HardState.newBuilder().setTerm(term).setVotedFor(votedFor).setCommit(log.committed).build();
  }

  // ---- role transitions (paper Figure 4) ----

  void becomeFollower(long newTerm, long newLeader) {
    if (role == Role.LEADER) {
      ((LeaderRole) behaviour).end();
      leadershipLost = new Ready.LeadershipLost(term, log.committed);
    }
    campaignByTransfer = false;
    reset(newTerm);
    leader = newLeader;
    role = Role.FOLLOWER;
    behaviour = new FollowerRole(this);
  }

  /** Thesis §9.6: ask whether an election could be won, without disturbing anyone's term. */
  void becomePreCandidate() {
    // The term and vote stay: a pre-candidate has not started an election.
    electionElapsed = 0;
    resetRandomizedElectionTimeout();
    leader = 0;
    tracker.resetVotes();
    role = Role.PRE_CANDIDATE;
    behaviour = new CandidateRole(this, true);
  }

  void becomeCandidate() {
    reset(term + 1);
    votedFor = id;
    role = Role.CANDIDATE;
    behaviour = new CandidateRole(this, false);
  }

  void becomeLeader() {
    reset(term);
    leader = id;
    role = Role.LEADER;
    counters.leadersElected++;
    if (campaignByTransfer) {
      counters.transfersCompleted++;
      campaignByTransfer = false;
      report(EventKind.TRANSFER_COMPLETED, 0, cfg.logger.member(id) + " took over leadership handed to it, at term " + term);
    }
    cfg.logger.info(cfg.logger.member(id) + " became leader at term " + term);
    LeaderRole lr = new LeaderRole(this);
    behaviour = lr;
    lr.start();
  }

  private void reset(long newTerm) {
    if (term != newTerm) {
      term = newTerm;
      votedFor = 0;
      leaderCommit = 0;
      reads.failForwarded();
    }
    leader = 0;
    electionElapsed = 0;
    heartbeatElapsed = 0;
    transferAwaitingPromotion = 0;
    resetRandomizedElectionTimeout();
    tracker.resetVotes();
  }

  private void resetRandomizedElectionTimeout() {
    randomizedElectionTimeout = cfg.electionTicks + random.nextInt(cfg.electionSpread);
  }

  boolean pastElectionTimeout() {
    return electionElapsed >= randomizedElectionTimeout;
  }

  /**
   * The leader this member follows hands over to it (TimeoutNow). Before the configuration that makes it a
   * voter has applied here it cannot campaign yet: it does as soon as that applies, if that is soon.
   */
  void leaderHandsOver() {
    if (promotable()) {
      campaign(true);
    } else {
      transferAwaitingPromotion = Math.max(1, cfg.electionTicks / 2);
    }
  }

  /** A tick of a follower: an unanswered hand-over request expires (see {@link #transferAwaitingPromotion}). */
  void tickTransferWait() {
    if (transferAwaitingPromotion > 0 && --transferAwaitingPromotion == 0) {
      counters.transfersNeverPromoted++;
    }
  }

  /** A member that may start elections: a voter of the current configuration. */
  boolean promotable() {
    return tracker.isVoter(id);
  }

  /** Starts an election: with pre-vote first if configured, unless a leader asked us to (TimeoutNow). */
  void campaign(boolean transfer) {
    if (!promotable() || term >= RawNode.MAX_TERM) {
      return;
    }
    maybeLiftVoteBarrier();
    if (voteBarrierIndex != 0) {
      counters.campaignsBarred++;
      return;
    }
    counters.campaigns++;
    campaignByTransfer = transfer;
    if (cfg.preVote && !transfer) {
      becomePreCandidate();
    } else {
      becomeCandidate();
    }
    ((CandidateRole) behaviour).start(transfer);
  }

  // ---- messages ----

  RaftMessage.Builder message(long to) {
    return RaftMessage.newBuilder().setClusterId(cfg.clusterId).setFrom(id).setTo(to).setTerm(term);
  }

  void send(RaftMessage.Builder m) {
    messages.add(m.build());
  }

  /** Sends once this Ready's writes are durable (acknowledgements and vote grants). */
  void sendAfterPersist(RaftMessage.Builder m) {
    messagesAfterPersist.add(m.build());
  }

  void tick() {
    reads.tick();
    behaviour.tick();
  }

  /** A linearizable read (thesis §6.4): on the leader, registered with it; on a follower, forwarded to the leader. */
  void readIndex(ByteString context) {
    if (role == Role.LEADER) {
      ((LeaderRole) behaviour).readIndex(context, 0);
    } else if (leader != 0) {
      reads.forwarded(context);
      send(message(leader).setReadIndex(ReadIndexRequest.newBuilder().setContext(context)));
    } else {
      reads.fail(context);
    }
  }

  /**
   * Lifts the vote barrier once this member has caught up: it has committed up to the barrier's index in
   * a term at least the barrier's. Its log then holds every committed entry up to there (a follower
   * commits only what its leader verified matches, and committed entries are the same in every log), so
   * every entry it may have acknowledged and lost that matters, a committed one, is back; and in that
   * term it has heard from a leader, so it will not vote again in a term it may have voted in before the
   * truncation (as far as the barrier's term records). A sole voter has no one else's commitments to
   * protect: its barrier is lifted at once. The host deletes its record once this member's writes up to
   * here are durable (Ready.voteBarrierLifted), so a crash cannot leave the truncated log without it.
   */
  void maybeLiftVoteBarrier() {
    if (voteBarrierIndex == 0) {
      return;
    }
    long[] voters = tracker.allVoters();
    boolean alone = voters.length == 1 && voters[0] == id;
    boolean caughtUp = term >= voteBarrierTerm && log.committed >= voteBarrierIndex;
    if (caughtUp || alone || cfg.is(BrokenVariant.VOTE_BARRIER_IGNORED)) {
      String lifted = cfg.logger.member(id) + " lifts its vote barrier at " + voteBarrierIndex + " (term " + voteBarrierTerm
          + "): " + (alone ? "it is the only voter" : "it has committed up to " + log.committed + " in term " + term);
      cfg.logger.info(lifted);
      report(EventKind.VOTE_BARRIER_LIFTED, 0, lifted);
      voteBarrierIndex = 0;
      voteBarrierTerm = 0;
      voteBarrierLifted = true;
    }
  }

  /** Applies the term rules every role shares, then hands the message to the current role. */
  void step(RaftMessage m) {
    stepMessage(m);
    maybeLiftVoteBarrier();
  }

  private void stepMessage(RaftMessage m) {
    if (m.getTerm() > RawNode.MAX_TERM) {
      counters.droppedBeyondMaxTerm++;
      return;
    }
    if (!admit(m)) {
      return;
    }
    if (m.getTerm() > term && !stepHigherTerm(m)) {
      return;
    }
    if (m.getTerm() < term) {
      stepLowerTerm(m);
      return;
    }
    if (m.hasRequestVote()) {
      handleRequestVote(m);
    } else if (m.hasReadIndexResponse()) {
      reads.answered(m.getReadIndexResponse(), log.applied);
    } else if (m.hasReadIndex() && role == Role.LEADER) {
      ((LeaderRole) behaviour).readIndex(m.getReadIndex().getContext(), m.getFrom());
    } else if (m.hasReadIndex()) {
      send(message(m.getFrom()).setReadIndexResponse(
          ReadIndexResponse.newBuilder().setContext(m.getReadIndex().getContext()).setOk(false)));
    } else {
      behaviour.step(m);
    }
  }

  /**
   * Who may talk to this member: the right cluster and member id; not a removed member (answered with
   * Removed); requests from any other id; answers only from ids seen in some configuration.
   *
   * @return false if the message was dropped (and counted) or answered here
   */
  private boolean admit(RaftMessage m) {
    if (m.getClusterId() != cfg.clusterId) {
      counters.droppedWrongCluster++;
      return false;
    }
    if (m.getTo() != id) {
      counters.droppedUnknownMember++;
      return false;
    }
    if (!tracker.isMember(m.getFrom()) && tracker.configuration().getRemovedList().contains(m.getFrom())
        && !m.hasTimeoutNow()) {
      // Thesis §4.2.3: a removed member must not disrupt the cluster; tell it, so its host stops it. A
      // TimeoutNow is the exception: it is how a removed leader hands over (it may arrive just after
      // the receiver applied the configuration that removed the sender).
      counters.removedAnswered++;
      send(message(m.getFrom()).setRemoved(Removed.getDefaultInstance()));
      return false;
    }
    if (m.hasRemoved()) {
      toldRemoved = true;
      return false;
    }
    // A member may not know yet of members added after the configuration it has (it learns of them from
    // the log, which they may be the ones to send): requests from any id not removed are heard. Answers
    // only come from members we asked, so an answer from an id never seen is dropped.
    boolean request = m.hasAppendEntries() || m.hasHeartbeat() || m.hasInstallSnapshot() || m.hasTimeoutNow()
        || m.hasRequestVote() || m.hasReadIndex();
    if (!request && !knownMembers.contains(m.getFrom())) {
      counters.droppedUnknownMember++;
      return false;
    }
    return true;
  }

  /** @return false if the message is ignored */
  private boolean stepHigherTerm(RaftMessage m) {
    if (m.hasRequestVote()) {
      boolean inLease = leader != 0 && electionElapsed < cfg.electionTicks;
      // A leader hands over to a member that holds its whole log and so shares its term: the transfer's
      // election is at exactly that term + 1, which is ours while we follow it. A transfer flag at any
      // other term is no hand-over from our leader, and waives no lease.
      boolean handOver = m.getRequestVote().getTransfer() && m.getTerm() == term + 1;
      if ((cfg.checkQuorum || m.getRequestVote().getPreVote()) && inLease && !handOver) {
        // Thesis §4.2.3: a member in contact with a leader ignores elections (no term change, no reply),
        // so a partitioned or removed member cannot disrupt a healthy cluster.
        counters.ignoredInLease++;
        if (m.getRequestVote().getPreVote()) {
          counters.preVotesRefused++;
          preVoteRefused(m, "it hears from its leader " + cfg.logger.member(leader));
        }
        return false;
      }
      if (m.getRequestVote().getPreVote()) {
        return true;  // a pre-vote never changes our term
      }
      becomeFollower(m.getTerm(), 0);
      return true;
    }
    if (m.hasRequestVoteResponse() && m.getRequestVoteResponse().getPreVote()
        && m.getRequestVoteResponse().getGranted()) {
      return true;  // a granted pre-vote carries the term we asked for, not the voter's
    }
    if (role == Role.LEADER && m.hasAppendEntriesResponse()) {
      counters.steppedDownForHigherTerm++;
    }
    boolean fromLeader = m.hasAppendEntries() || m.hasHeartbeat();
    becomeFollower(m.getTerm(), fromLeader ? m.getFrom() : 0);
    return true;
  }

  private void stepLowerTerm(RaftMessage m) {
    if (m.hasAppendEntries() || m.hasHeartbeat()) {
      // The sender believes it leads an older term. Answering with our term makes it step down (paper
      // Figure 2: "reply false if term < currentTerm"); this is what frees a member stuck at a higher
      // term, which the lease would otherwise keep out, or which cannot reach the leader itself (its
      // own configuration may be older and not name the leader).
      counters.answeredStaleTerm++;
      send(message(m.getFrom()).setAppendEntriesResponse(
          io.raftd.proto.AppendEntriesResponse.newBuilder().setSuccess(false)));
    } else if (m.hasRequestVote() && m.getRequestVote().getPreVote()) {
      counters.preVotesRefused++;
      preVoteRefused(m, "the candidate's term is behind this member's, " + term);
      send(message(m.getFrom()).setRequestVoteResponse(
          RequestVoteResponse.newBuilder().setPreVote(true).setGranted(false)));
    } else {
      counters.droppedStaleTerm++;
    }
  }

  /**
   * Paper §5.2 and §5.4.1, thesis §9.6: one vote per term, only for a log at least as up to date; none at
   * all behind a vote barrier.
   */
  private void handleRequestVote(RaftMessage m) {
    RequestVote rv = m.getRequestVote();
    boolean preVote = rv.getPreVote();
    boolean canVote = votedFor == m.getFrom()
        || (votedFor == 0 && leader == 0)
        || (preVote && m.getTerm() > term);
    boolean upToDate = cfg.is(BrokenVariant.VOTE_FOR_OUT_OF_DATE_LOG)
        || log.isUpToDate(rv.getLastLogIndex(), rv.getLastLogTerm());
    RequestVoteResponse.Builder resp = RequestVoteResponse.newBuilder().setPreVote(preVote);
    boolean barred = voteBarrierIndex != 0;
    if (canVote && upToDate && barred) {
      counters.votesBarred++;
    }
    if (canVote && upToDate && !barred) {
      resp.setGranted(true);
      // A pre-vote grant carries the requested term; a real one is made durable before it leaves.
      RaftMessage.Builder out = message(m.getFrom()).setTerm(m.getTerm()).setRequestVoteResponse(resp);
      if (preVote) {
        send(out);
      } else {
        electionElapsed = 0;
        votedFor = m.getFrom();
        sendAfterPersist(out);
      }
    } else {
      if (preVote) {
        counters.preVotesRefused++;
        preVoteRefused(m, !upToDate ? "the candidate's log (last index " + rv.getLastLogIndex() + ", term "
            + rv.getLastLogTerm() + ") is behind this member's" : barred ? "this member is behind a vote barrier"
            : "this member follows " + cfg.logger.member(leader));
      }
      send(message(m.getFrom()).setRequestVoteResponse(resp.setGranted(false)));
    }
  }

  private void preVoteRefused(RaftMessage m, String why) {
    report(Event.newBuilder().setKind(EventKind.PRE_VOTE_REFUSED).setTerm(m.getTerm()).setPreVote(true), m.getFrom(),
        cfg.logger.member(id) + " refused " + cfg.logger.member(m.getFrom()) + " a pre-vote for term " + m.getTerm()
            + ": " + why);
  }

  /** Reports an event at this term and last index (see {@link RaftLogger#event}). */
  void report(EventKind kind, long peer, String text) {
    report(Event.newBuilder().setKind(kind), peer, text);
  }

  /** Reports an event, its term this member's unless set. */
  void report(Event.Builder event, long peer, String text) {
    if (event.getTerm() == 0) {
      event.setTerm(term);
    }
    event.setIndex(log.lastIndex()).setText(text);
    if (peer != 0) {
      event.setPeer(cfg.logger.member(peer));
    }
    cfg.logger.event(event);
  }

  /** A new leader's no-op (paper §5.4.2, §8): lets it commit, and so learn, everything before it. */
  Entry noop() {
    return Entry.newBuilder().setTerm(term).setIndex(log.lastIndex() + 1).setType(EntryType.NOOP).build();
  }

  /** The host reports entries up to {@code index} durable with {@code term}. */
  void onPersisted(long index, long entryTerm) {
    boolean accepted = cfg.is(BrokenVariant.PERSISTED_IGNORES_TERM)
        ? forcePersisted(index)
        : log.stableTo(index, entryTerm);
    if (!accepted) {
      counters.persistedIgnored++;
      return;
    }
    behaviour.onPersisted();
  }

  private boolean forcePersisted(long index) {
    if (index > log.lastIndex()) {
      return false;
    }
    log.stableTo(index, log.term(index));
    log.persisted = Math.max(log.persisted, index);
    return true;
  }
}
