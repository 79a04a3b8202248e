package io.raftd.raft;

import com.google.protobuf.ByteString;
import io.raftd.proto.AppendEntries;
import io.raftd.proto.AppendEntriesResponse;
import io.raftd.proto.ConfChange;
import io.raftd.proto.Entry;
import io.raftd.proto.EntryType;
import io.raftd.proto.EventKind;
import io.raftd.proto.Heartbeat;
import io.raftd.proto.InstallSnapshot;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.ReadIndexResponse;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.raft.quorum.Quorum;
import io.raftd.raft.tracker.Progress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.function.LongUnaryOperator;

/**
 * A leader (paper Figure 2, "Leaders"; §5.3 replication, §5.4.2 commit rule): appends a no-op of its
 * term at once, replicates with per-follower progress (probe, then pipelined replicate within a bounded
 * window), backs up quickly with the followers' conflict hints, commits by counting only entries of its
 * own term, sends heartbeats, and steps down without a quorum (check-quorum, thesis §6.2). It also
 * serves ReadIndex (thesis §6.4, queue in {@link ReadOnly}), sends a snapshot to a follower whose next
 * entry it has compacted, and hands leadership over on request (thesis §3.10).
 */
final class LeaderRole implements RoleBehaviour {
  private final Raft r;
  /** (index, data bytes) of entries this leader appended that are not yet committed; the no-op is exempt. */
  private final ArrayDeque<long[]> uncommitted = new ArrayDeque<>();
  private long uncommittedBytes;
  private final ReadOnly reads;
  private final LeadershipTransfer transfer;
  private MembershipChanges membership;
  /**
   * New entries wait to be sent, and whether the followers must also hear of an advanced commit index (an
   * AppendEntries even with no entries). Proposals and commits only mark this; the AppendEntries leave once,
   * when the host next takes a Ready ({@link #sendDueAppends}): a burst of proposals and acknowledgements
   * between two Readys costs one AppendEntries per follower, not one per proposal.
   */
  private boolean appendsDue;
  private boolean commitDue;

  LeaderRole(Raft r) {
    this.r = r;
    this.reads = new ReadOnly(r.cfg.is(BrokenVariant.READ_COUNTS_EARLIER_ROUND));
    this.transfer = new LeadershipTransfer(r, this);
  }

  void start() {
    r.tracker.resetProgress(r.log.lastIndex());
    Progress self = r.tracker.progress(r.id);
    self.maybeUpdate(r.log.persisted);
    self.becomeReplicate();
    Entry noop = r.noop();
    membership = new MembershipChanges(r, this, noop.getIndex());
    append(List.of(noop));
    broadcastAppend();
  }

  Proposal proposeConfigChange(ConfChange change) {
    return transfer.inProgress() ? Proposal.refused(Proposal.Refusal.TRANSFERRING) : membership.propose(change);
  }

  boolean transferring() {
    return transfer.inProgress();
  }

  /** Entries were handed out to apply (see {@link MembershipChanges#onApplying}). */
  void onApplying() {
    membership.onApplying();
  }

  void onConfigurationApplied() {
    membership.onConfigurationApplied();
  }

  TransferOutcome transferLeadership(long target) {
    return transfer.start(target);
  }

  Proposal propose(ByteString data) {
    if (transfer.inProgress()) {
      return Proposal.refused(Proposal.Refusal.TRANSFERRING);
    }
    long size = data.size();
    if (uncommittedBytes > 0 && uncommittedBytes + size > r.cfg.maxUncommittedBytes) {
      return Proposal.refused(Proposal.Refusal.TOO_MUCH_UNCOMMITTED);
    }
    Entry e = Entry.newBuilder().setTerm(r.term).setIndex(r.log.lastIndex() + 1)
        .setType(EntryType.NORMAL).setData(data).build();
    uncommitted.add(new long[] {e.getIndex(), size});
    uncommittedBytes += size;
    append(List.of(e));
    appendsDue = true;
    return new Proposal(e.getIndex(), e.getTerm(), null);
  }

  void append(List<Entry> entries) {
    r.log.append(entries);
    if (r.cfg.is(BrokenVariant.LEADER_COUNTS_SELF_BEFORE_PERSISTED)) {
      r.tracker.progress(r.id).maybeUpdate(r.log.lastIndex());
      maybeCommit();
    }
  }

  @Override
  public void tick() {
    r.heartbeatElapsed++;
    r.electionElapsed++;
    if (transfer.tick()) {
      return;
    }
    if (r.electionElapsed >= r.cfg.electionTicks) {
      r.electionElapsed = 0;
      resendStalled();
      if (r.cfg.checkQuorum) {
        if (!r.tracker.quorumActive(r.id)) {
          r.counters.checkQuorumStepDowns++;
          r.cfg.logger.warn(r.cfg.logger.member(r.id) + " steps down at term " + r.term
              + ": no quorum heard from within an election timeout");
          r.becomeFollower(r.term, 0);
          return;
        }
        r.tracker.resetRecentActive();
      }
    }
    if (r.heartbeatElapsed >= r.cfg.heartbeatTicks) {
      r.heartbeatElapsed = 0;
      broadcastHeartbeat();
    }
    membership.tick();
  }

  private void resendStalled() {
    r.tracker.forEachMember(id -> {
      Progress pr = r.tracker.progress(id);
      if (id != r.id && pr.stalledSinceLastCheck()) {
        pr.becomeProbe();
        sendAppend(id, true);
      }
    });
  }

  @Override
  public void step(RaftMessage m) {
    Progress pr = r.tracker.progress(m.getFrom());
    if (pr == null) {
      return;
    }
    if (m.hasAppendEntriesResponse()) {
      pr.setRecentActive(true);
      handleAppendResponse(m.getFrom(), pr, m.getAppendEntriesResponse());
    } else if (m.hasHeartbeatResponse()) {
      pr.setRecentActive(true);
      pr.onHeartbeatResponse();
      release(reads.confirm(m.getFrom(), m.getHeartbeatResponse().getRound(), r.id, r.tracker));
      maybeStartReadRound();
      if (pr.match() < r.log.lastIndex()) {
        // Even with nothing new to send: an AppendEntries the follower cannot match makes it answer
        // with where its log ends, which recovers lost AppendEntries at once.
        sendAppend(m.getFrom(), true);
      }
    }
  }

  // ---- ReadIndex (thesis §6.4) ----

  /** Registers a read from this member ({@code from == 0}) or from a follower. */
  void readIndex(ByteString context, long from) {
    boolean termCommitted = r.log.term(r.log.committed) == r.term || r.cfg.is(BrokenVariant.READ_BEFORE_FIRST_COMMIT);
    if (!termCommitted) {
      r.counters.readsWaitedForCommit++;
    }
    reads.add(context, from, r.log.committed, termCommitted);
    release(reads.releaseConfirmed());
    maybeStartReadRound();
  }

  private void maybeStartReadRound() {
    if (reads.wantsRound()) {
      long round = reads.startRound();
      broadcastHeartbeat();
      release(reads.confirm(r.id, round, r.id, r.tracker));  // a one-voter cluster confirms at once
    }
  }

  private void release(List<ReadOnly.Request> confirmed) {
    for (ReadOnly.Request read : confirmed) {
      if (read.from() == 0) {
        r.reads.confirmed(new ReadState(read.context(), read.index()), r.log.applied);
      } else {
        r.send(r.message(read.from()).setReadIndexResponse(ReadIndexResponse.newBuilder()
            .setContext(read.context()).setIndex(read.index()).setOk(true)));
      }
    }
  }

  /** Leadership ends: every read not yet confirmed fails (safe to retry). */
  void end() {
    for (ReadOnly.Request read : reads.drain()) {
      if (read.from() == 0) {
        r.reads.fail(read.context());
      } else {
        r.send(r.message(read.from()).setReadIndexResponse(
            ReadIndexResponse.newBuilder().setContext(read.context()).setOk(false)));
      }
    }
  }

  // ---- snapshots ----

  /** The host reports how streaming a snapshot to {@code peer} ended. */
  void onSnapshotStatus(long peer, boolean delivered) {
    Progress pr = r.tracker.progress(peer);
    if (pr == null || pr.state() != Progress.State.SNAPSHOT) {
      return;
    }
    if (delivered) {
      pr.setRecentActive(true);  // a snapshot transfer counts as contact
    }
    pr.snapshotDone(delivered);
    sendAppend(peer, true);
  }

  private void sendSnapshot(long to, Progress pr) {
    SnapshotMetadata snapshot = r.log.storedSnapshot();
    r.counters.snapshotsSent++;
    r.report(EventKind.SNAPSHOT_SENT, to, r.cfg.logger.member(r.id) + " sends " + r.cfg.logger.member(to)
        + " its snapshot at " + snapshot.getIndex() + " (term " + snapshot.getTerm() + "): the entries it needs are compacted");
    r.send(r.message(to).setInstallSnapshot(InstallSnapshot.newBuilder().setMetadata(snapshot)));
    pr.becomeSnapshot(snapshot.getIndex());
  }

  @Override
  public void onPersisted() {
    // The leader counts itself toward commit only through what is durable on its own disk (and not at
    // all once the configuration in force no longer has it).
    Progress self = r.tracker.progress(r.id);
    if (self != null) {
      self.maybeUpdate(r.log.persisted);
    }
    if (maybeCommit()) {
      commitDue = true;
    }
  }

  private void handleAppendResponse(long from, Progress pr, AppendEntriesResponse resp) {
    if (!resp.getSuccess()) {
      if (pr.maybeDecrTo(resp.getRejectedIndex(), nextFromHint(resp))) {
        if (pr.state() == Progress.State.REPLICATE) {
          pr.becomeProbe();
        }
        sendAppend(from, true);
      }
      return;
    }
    boolean advanced = pr.maybeUpdate(resp.getMatchIndex());
    switch (pr.state()) {
      case PROBE -> pr.becomeReplicate();
      case SNAPSHOT -> {
        if (pr.match() >= pr.pendingSnapshot()) {
          pr.becomeReplicate();
        }
      }
      case REPLICATE -> pr.inflights().freeLE(resp.getMatchIndex());
    }
    transfer.onAcknowledged(from);
    if (advanced && maybeCommit()) {
      commitDue = true;
    } else {
      sendAppend(from, false);
    }
  }

  /**
   * Where to probe next after a rejection: just past our last entry of the follower's conflicting term
   * if we have that term, else the first index the follower holds with it (or its log end).
   */
  private long nextFromHint(AppendEntriesResponse resp) {
    long hintTerm = resp.getHintTerm();
    if (hintTerm == 0) {
      return resp.getHintIndex();
    }
    long i = Math.min(resp.getRejectedIndex(), r.log.lastIndex());
    while (i > 0 && r.log.term(i) > hintTerm) {
      i--;
    }
    return r.log.term(i) == hintTerm ? i + 1 : resp.getHintIndex();
  }

  /** Paper §5.4.2 (Figure 8): only an entry of the leader's own term is committed by counting. */
  private boolean maybeCommit() {
    long index = committedIndex();
    if (index <= r.log.committed) {
      return false;
    }
    if (r.log.term(index) != r.term && !r.cfg.is(BrokenVariant.COMMIT_OLD_TERM_BY_COUNTING)) {
      return false;
    }
    boolean firstOfTerm = r.log.term(r.log.committed) != r.term;
    r.log.commitTo(index);
    while (!uncommitted.isEmpty() && uncommitted.peek()[0] <= index) {
      uncommittedBytes -= uncommitted.poll()[1];
    }
    if (firstOfTerm && r.log.term(index) == r.term) {
      reads.termCommitted(index);
      maybeStartReadRound();
    }
    return true;
  }

  /** The index a majority of each voter set has durably: C_old and C_new both while joint; learners never count. */
  private long committedIndex() {
    LongUnaryOperator match = id -> {
      Progress p = r.tracker.progress(id);
      return p == null ? 0 : p.match();
    };
    if (r.cfg.is(BrokenVariant.COMMIT_JOINT_WITH_NEW_MAJORITY_ONLY)) {
      return Quorum.committedIndex(r.tracker.voters(), match);
    }
    if (r.cfg.is(BrokenVariant.LEARNER_COUNTED_IN_QUORUM)) {
      long[] withLearners = java.util.stream.LongStream.concat(java.util.Arrays.stream(r.tracker.voters()),
          r.tracker.configuration().getLearnersList().stream().mapToLong(Long::longValue)).toArray();
      return Quorum.committedIndex(withLearners, r.tracker.outgoingVoters(), match);
    }
    return r.tracker.committedIndex();
  }

  /** Whether proposals or a commit advance wait for {@link #sendDueAppends}. */
  boolean appendsDue() {
    return appendsDue || commitDue;
  }

  /**
   * Sends each follower the entries it lacks, and, if the commit index advanced, an AppendEntries even
   * without entries to carry it. Called when the host takes a Ready, so that the waiting appends leave in it.
   */
  void sendDueAppends() {
    if (!appendsDue && !commitDue) {
      return;
    }
    boolean carryCommit = commitDue;
    appendsDue = false;
    commitDue = false;
    r.tracker.forEachMember(id -> {
      if (id != r.id) {
        sendAppend(id, carryCommit);
      }
    });
  }

  void broadcastAppend() {
    r.tracker.forEachMember(id -> {
      if (id != r.id) {
        sendAppend(id, true);
      }
    });
  }

  /**
   * Sends what the follower lacks: one probe in PROBE, or in REPLICATE as many batches as the window
   * allows. With {@code sendIfEmpty} an AppendEntries without entries still goes (to carry the commit
   * index or probe); otherwise nothing is sent when there is nothing new.
   */
  void sendAppend(long to, boolean sendIfEmpty) {
    Progress pr = r.tracker.progress(to);
    long last = r.log.lastIndex();
    while (!pr.isPaused()) {
      long prev = pr.next() - 1;
      if (prev < r.log.firstIndex() - 1) {
        sendSnapshot(to, pr);  // the entries it needs are compacted away
        return;
      }
      List<Entry> entries = pr.next() <= last ? r.log.entries(pr.next(), last + 1, r.cfg.maxBatchBytes) : List.of();
      if (entries.isEmpty() && !sendIfEmpty) {
        return;
      }
      r.send(r.message(to).setAppendEntries(AppendEntries.newBuilder()
          .setPrevLogIndex(prev)
          .setPrevLogTerm(r.log.term(prev))
          .addAllEntries(entries)
          .setLeaderCommit(r.log.committed)));
      pr.sentEntries(prev + entries.size(), entries.size());
      if (pr.inflights().full()) {
        r.counters.inflightWindowFull++;
      }
      if (pr.state() != Progress.State.REPLICATE || pr.next() > last) {
        return;
      }
      sendIfEmpty = false;
    }
  }

  private void broadcastHeartbeat() {
    r.tracker.forEachMember(id -> {
      if (id != r.id) {
        Progress pr = r.tracker.progress(id);
        // Never tell a follower to commit past what it is known to hold.
        r.send(r.message(id).setHeartbeat(Heartbeat.newBuilder()
            .setCommit(Math.min(r.log.committed, pr.match()))
            .setRound(reads.round())));
      }
    });
  }
}
