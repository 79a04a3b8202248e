package io.raftd.raft;

import io.raftd.proto.AppendEntries;
import io.raftd.proto.AppendEntriesResponse;
import io.raftd.proto.Entry;
import io.raftd.proto.EventKind;
import io.raftd.proto.HeartbeatResponse;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.SnapshotMetadata;
import java.util.List;

/**
 * A follower (paper Figure 2, "Followers" and the AppendEntries receiver rules): answers its leader,
 * and starts an election when it has not heard from one within its randomized timeout.
 */
final class FollowerRole implements RoleBehaviour {
  private final Raft r;

  FollowerRole(Raft r) {
    this.r = r;
  }

  @Override
  public void tick() {
    r.electionElapsed++;
    r.tickTransferWait();
    if (r.promotable() && r.pastElectionTimeout()) {
      r.electionElapsed = 0;
      r.campaign(false);
    }
  }

  @Override
  public void step(RaftMessage m) {
    if (m.hasAppendEntries()) {
      heardFromLeader(m);
      handleAppendEntries(m);
    } else if (m.hasHeartbeat()) {
      heardFromLeader(m);
      handleHeartbeat(m);
    } else if (m.hasInstallSnapshot()) {
      heardFromLeader(m);
      handleInstallSnapshot(m);
    } else if (m.hasTimeoutNow() && m.getFrom() == r.leader) {
      // Thesis §3.10: the leader hands over; campaign at once, with the flag that lets voters
      // waive their lease (or as soon as this member's promotion takes effect).
      r.leaderHandsOver();
    } else if (m.hasTimeoutNow()) {
      // Only the leader we follow in our term may start an election out of turn: from anyone else it
      // would be a way to force elections on a healthy cluster.
      r.counters.timeoutNowIgnored++;
    }
  }

  private void heardFromLeader(RaftMessage m) {
    r.electionElapsed = 0;
    r.leader = m.getFrom();
  }

  /**
   * The leader's commit, capped by the leader at what it knows we hold. A commit beyond our log means we
   * lost entries we acknowledged: an operator truncated our log (raftctl wal repair). What is left is a
   * prefix of what we acknowledged, so it is committed as far as it goes; and we tell the leader where
   * our log ends, as a rejection of the index it believes we hold, so it sends the rest again.
   */
  private void handleHeartbeat(RaftMessage m) {
    long commit = m.getHeartbeat().getCommit();
    RaftLog log = r.log;
    log.commitTo(Math.min(commit, log.lastIndex()));
    r.send(r.message(m.getFrom()).setHeartbeatResponse(
        HeartbeatResponse.newBuilder().setRound(m.getHeartbeat().getRound())));
    if (commit > log.lastIndex()) {
      reject(m.getFrom(), commit);
    }
  }

  /** Paper Figure 2, AppendEntries RPC, receiver implementation, steps 2-5. */
  private void handleAppendEntries(RaftMessage m) {
    AppendEntries ae = m.getAppendEntries();
    long prev = ae.getPrevLogIndex();
    RaftLog log = r.log;
    r.leaderCommit = Math.max(r.leaderCommit, ae.getLeaderCommit());
    if (r.cfg.is(BrokenVariant.FOLLOWER_COMMIT_FROM_OWN_LAST_INDEX)) {
      log.commitTo(Math.min(ae.getLeaderCommit(), log.lastIndex()));
    }
    if (prev < log.committed) {
      // Everything up to our commit index matches any leader's log: acknowledge that much. It may not
      // be durable yet, so the answer waits for this Ready's writes like any acknowledgement.
      acknowledge(m.getFrom(), log.committed);
      return;
    }
    if (!log.matchTerm(prev, ae.getPrevLogTerm())) {
      reject(m.getFrom(), prev);
      return;
    }
    List<Entry> entries = ae.getEntriesList();
    long lastNew = prev + entries.size();
    long conflict = log.findConflict(entries);
    if (conflict != 0) {
      // Step 3: delete only from a real conflict on; a shorter, stale AppendEntries truncates nothing.
      List<Entry> appended = entries.subList((int) (conflict - prev - 1), entries.size());
      log.append(appended);
      r.noteConfigurations(appended);
    } else if (r.cfg.is(BrokenVariant.TRUNCATE_ON_STALE_APPEND) && !entries.isEmpty()
        && lastNew < log.lastIndex() && entries.get(0).getIndex() > log.committed) {
      log.append(entries);
    }
    // Step 5: commit no further than what this AppendEntries verified: entries beyond it may be stale.
    log.commitTo(Math.min(ae.getLeaderCommit(), lastNew));
    acknowledge(m.getFrom(), lastNew);
  }

  /**
   * Paper Figure 13, thesis §5: the transport has already received, verified and made durable the
   * snapshot's file. A snapshot at or below our commit index is stale and ignored; if our log holds the
   * snapshot's last entry, the entries after it are kept (step 6); otherwise the whole log is replaced.
   */
  private void handleInstallSnapshot(RaftMessage m) {
    SnapshotMetadata snapshot = m.getInstallSnapshot().getMetadata();
    RaftLog log = r.log;
    boolean installStale = r.cfg.is(BrokenVariant.STALE_SNAPSHOT_INSTALLED);
    if (snapshot.getIndex() <= log.committed && !installStale) {
      r.counters.staleSnapshotsIgnored++;
      acknowledge(m.getFrom(), log.committed);
      return;
    }
    if (log.matchTerm(snapshot.getIndex(), snapshot.getTerm()) && snapshot.getIndex() > log.committed) {
      log.commitTo(snapshot.getIndex());
      acknowledge(m.getFrom(), snapshot.getIndex());
      return;
    }
    log.restore(snapshot);
    r.applyConfiguration(snapshot.getConfiguration());
    r.snapshotIndex = snapshot.getIndex();
    r.counters.snapshotsInstalled++;
    r.report(EventKind.SNAPSHOT_INSTALLED, m.getFrom(), r.cfg.logger.member(r.id) + " installs the snapshot at "
        + snapshot.getIndex() + " (term " + snapshot.getTerm() + ") from " + r.cfg.logger.member(m.getFrom()));
    // Acknowledged once the log's reset to the snapshot is durable.
    acknowledge(m.getFrom(), snapshot.getIndex());
  }

  private void acknowledge(long to, long match) {
    RaftMessage.Builder resp = r.message(to).setAppendEntriesResponse(
        AppendEntriesResponse.newBuilder().setSuccess(true).setMatchIndex(match));
    if (r.cfg.is(BrokenVariant.ACK_BEFORE_DURABLE)) {
      r.send(resp);
    } else {
      r.sendAfterPersist(resp);
    }
  }

  /**
   * Rejects with the fast-backtracking hint: our term at min(prev, last index) and the first index we
   * hold with that term, or, if our log ends before prev, term 0 and our last index + 1.
   */
  private void reject(long to, long prev) {
    RaftLog log = r.log;
    AppendEntriesResponse.Builder resp = AppendEntriesResponse.newBuilder().setSuccess(false).setRejectedIndex(prev);
    if (prev > log.lastIndex()) {
      resp.setHintTerm(0).setHintIndex(log.lastIndex() + 1);
    } else {
      long hintTerm = log.term(prev);
      long first = prev;
      long floor = Math.max(log.committed + 1, log.firstIndex());
      while (first > floor && log.term(first - 1) == hintTerm) {
        first--;
      }
      resp.setHintTerm(hintTerm).setHintIndex(first);
    }
    r.send(r.message(to).setAppendEntriesResponse(resp));
  }
}
