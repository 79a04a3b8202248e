package io.raftd.raft;

import io.raftd.proto.AppendEntries;
import io.raftd.proto.AppendEntriesResponse;
import io.raftd.proto.Entry;
import io.raftd.proto.EntryType;
import io.raftd.proto.Heartbeat;
import io.raftd.proto.RaftMessage;
import io.raftd.raft.tracker.Progress;
import java.util.ArrayDeque;
import java.util.List;

/**
 * A leader (paper Figure 2, "Leaders"; §5.3 replication, §5.4.2 commit rule): appends a no-op of its
 * term at once, replicates with per-follower progress (probe, then pipelined replicate within a bounded
 * window), backs up quickly with the followers' conflict hints, commits by counting only entries of its
 * own term, sends heartbeats, and steps down without a quorum (check-quorum, thesis §6.2).
 */
final class LeaderRole implements RoleBehaviour {
  private final Raft r;
  /** (index, data bytes) of entries this leader appended that are not yet committed; the no-op is exempt. */
  private final ArrayDeque<long[]> uncommitted = new ArrayDeque<>();
  private long uncommittedBytes;

  LeaderRole(Raft r) {
    this.r = r;
  }

  void start() {
    r.tracker.resetProgress(r.log.lastIndex());
    Progress self = r.tracker.progress(r.id);
    self.maybeUpdate(r.log.persisted);
    self.becomeReplicate();
    append(List.of(r.noop()));
    broadcastAppend();
  }

  Proposal propose(byte[] data) {
    long size = data.length;
    if (uncommittedBytes > 0 && uncommittedBytes + size > r.cfg.maxUncommittedBytes) {
      return Proposal.refused(Proposal.Refusal.TOO_MUCH_UNCOMMITTED);
    }
    Entry e = Entry.newBuilder().setTerm(r.term).setIndex(r.log.lastIndex() + 1)
        .setType(EntryType.NORMAL).setData(com.google.protobuf.ByteString.copyFrom(data)).build();
    uncommitted.add(new long[] {e.getIndex(), size});
    uncommittedBytes += size;
    append(List.of(e));
    broadcastAppend();
    return new Proposal(e.getIndex(), e.getTerm(), null);
  }

  private void append(List<Entry> entries) {
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
    if (r.electionElapsed >= r.cfg.electionTicks) {
      r.electionElapsed = 0;
      resendStalled();
      if (r.cfg.checkQuorum) {
        if (!r.tracker.quorumActive(r.id)) {
          r.counters.checkQuorumStepDowns++;
          r.cfg.logger.warn(r.id + " steps down at term " + r.term + ": no quorum heard from within an election timeout");
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
      if (pr.match() < r.log.lastIndex()) {
        sendAppend(m.getFrom(), false);
      }
    }
  }

  @Override
  public void onPersisted() {
    // The leader counts itself toward commit only through what is durable on its own disk.
    r.tracker.progress(r.id).maybeUpdate(r.log.persisted);
    if (maybeCommit()) {
      broadcastAppend();
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
    if (pr.state() == Progress.State.PROBE) {
      pr.becomeReplicate();
    } else {
      pr.inflights().freeLE(resp.getMatchIndex());
    }
    if (advanced && maybeCommit()) {
      broadcastAppend();
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
    long index = r.tracker.committedIndex();
    if (index <= r.log.committed) {
      return false;
    }
    if (r.log.term(index) != r.term && !r.cfg.is(BrokenVariant.COMMIT_OLD_TERM_BY_COUNTING)) {
      return false;
    }
    r.log.commitTo(index);
    while (!uncommitted.isEmpty() && uncommitted.peek()[0] <= index) {
      uncommittedBytes -= uncommitted.poll()[1];
    }
    return true;
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
  private void sendAppend(long to, boolean sendIfEmpty) {
    Progress pr = r.tracker.progress(to);
    long last = r.log.lastIndex();
    while (!pr.isPaused()) {
      long prev = pr.next() - 1;
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
            .setCommit(Math.min(r.log.committed, pr.match()))));
      }
    });
  }
}
