package io.raftd.raft;

import com.google.protobuf.ByteString;
import io.raftd.proto.ConfChange;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.EntryType;
import io.raftd.proto.HardState;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.SnapshotMetadata;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Raft core as a pure, deterministic state machine: no threads, clock, I/O or unseeded randomness.
 * Its only inputs are the methods below; its only output is a {@link Ready} (whose javadoc states the
 * contract the host keeps). Time enters only through {@link #tick()}; randomness only through
 * {@link Config#seed}. Not thread-safe: one thread owns a RawNode and calls every method.
 *
 * <p>Typical use, as {@code io.raftd.driver.ReadyProcessor} does it: feed inputs; while
 * {@link #hasReady()}, take {@link #ready()}, call {@link #advance} and carry the Ready out, reporting
 * durable writes through {@link #onPersisted} and applied entries through {@link #onApplied}.
 */
public final class RawNode {
  /**
   * The highest term any member adopts, sends or accepts: 2^48. Terms grow by one per election, and a
   * member starts an election only after an election timeout (or a leader's TimeoutNow), so even at one
   * election a millisecond a cluster needs over 8,900 years to get here; a message with a higher term can
   * only come from a fault or a forgery, and is dropped (the transport closes its connection). Without this
   * ceiling one message with term 2^63 - 1 would leave a member at the largest term there is, where no
   * election could ever succeed again.
   */
  public static final long MAX_TERM = 1L << 48;

  private final Raft raft;
  /** The hard state handed out in the last Ready: what the host has persisted or is persisting. */
  private HardState emittedHardState;
  /** Ready.removed was handed out already. */
  private boolean removedReported;

  public RawNode(Config config, LogStorage storage) {
    this.raft = new Raft(config, storage);
    this.emittedHardState = storage.hardState();
  }

  /** One unit of logical time: drives election timeouts, heartbeats and check-quorum. */
  public void tick() {
    raft.tick();
  }

  /** A message from a peer. Messages for another cluster or member, or from a stale term, are dropped and counted. */
  public void step(RaftMessage message) {
    raft.step(message);
  }

  /** Appends {@code data} as a new entry if this member leads; see {@link Proposal} for the outcome. */
  public Proposal propose(ByteString data) {
    if (raft.role != Role.LEADER) {
      raft.counters.proposalsDropped++;
      return Proposal.refused(Proposal.Refusal.NOT_LEADER);
    }
    if (data.size() > raft.cfg.maxEntryBytes) {
      // Checked here, not only by the host: an entry over the limit would be replicated to every member.
      raft.counters.proposalsDropped++;
      return Proposal.refused(Proposal.Refusal.TOO_LARGE);
    }
    Proposal p = ((LeaderRole) raft.behaviour).propose(data);
    if (!p.appended()) {
      raft.counters.proposalsDropped++;
    }
    return p;
  }

  /**
   * Proposes a membership change, carried out by joint consensus (paper §6): C_old,new now, C_new once
   * that is committed and applied. Refused ({@link Proposal.Refusal#CHANGE_IN_PROGRESS}) while another
   * change is in progress or before this leader has applied an entry of its own term.
   *
   * @throws IllegalArgumentException if the change is invalid (the message says why)
   */
  public Proposal proposeConfigChange(ConfChange change) {
    if (raft.role != Role.LEADER) {
      return Proposal.refused(Proposal.Refusal.NOT_LEADER);
    }
    return ((LeaderRole) raft.behaviour).proposeConfigChange(change);
  }

  /** The configuration in force (as of the entries handed out to apply). */
  public Configuration configuration() {
    return raft.tracker.configuration();
  }

  /**
   * A linearizable read (thesis §6.4): a {@link ReadState} with this context comes out in a Ready once
   * the read may be served here, or the context comes out in {@link Ready#failedReads} (safe to retry).
   * Works on the leader and on followers (which ask the leader for the read index).
   */
  public void readIndex(ByteString context) {
    raft.readIndex(context);
  }

  /**
   * Hands leadership to {@code target} (0: the most up-to-date other voter). The leader refuses
   * proposals meanwhile, brings the target up to date and tells it to campaign at once; it resumes if
   * the target has not taken over within an election timeout.
   */
  public TransferOutcome transferLeadership(long target) {
    if (raft.role != Role.LEADER) {
      return TransferOutcome.NOT_LEADER;
    }
    return ((LeaderRole) raft.behaviour).transferLeadership(target);
  }

  /**
   * The host made a snapshot of the state up to {@code index} (whose entry has {@code term}) durable;
   * it may now compact its log up to there.
   */
  public void snapshotTaken(long index, long term) {
    if (index < raft.log.firstIndex() - 1) {
      return;  // the log already starts after a newer snapshot (installed from the leader meanwhile)
    }
    if (index > raft.log.applying || raft.log.term(index) != term) {
      throw new IllegalArgumentException("snapshot at " + index + " (term " + term + ") was not applied here (applied "
          + raft.log.applying + ", term there " + raft.log.term(index) + ")");
    }
    raft.snapshotIndex = Math.max(raft.snapshotIndex, index);
  }

  /** The host reports how streaming a snapshot to {@code peer} ended (it counts as contact when delivered). */
  public void onSnapshotStatus(long peer, boolean delivered) {
    if (raft.role == Role.LEADER) {
      ((LeaderRole) raft.behaviour).onSnapshotStatus(peer, delivered);
    }
  }

  /** The minimum election timeout, in ticks. */
  public int electionTicks() {
    return raft.cfg.electionTicks;
  }

  /**
   * Starts an election now (with pre-vote, if configured), as if the election timer had fired; not while
   * a vote barrier holds ({@link Config#voteBarrierIndex}).
   */
  public void campaign() {
    if (raft.role != Role.LEADER) {
      raft.campaign(false);
    }
  }

  /** A leader gives up leadership and becomes a follower in the same term. */
  public void stepDown() {
    if (raft.role == Role.LEADER) {
      raft.becomeFollower(raft.term, 0);
    }
  }

  /**
   * The host's report that entries up to {@code index} are durable; ignored if the entry at that index
   * no longer has {@code term} (a later leader's entries overwrote it meanwhile).
   */
  public void onPersisted(long index, long term) {
    raft.onPersisted(index, term);
  }

  /** The host's state machine has applied every entry up to {@code index}. */
  public void onApplied(long index) {
    raft.log.applied = Math.max(raft.log.applied, Math.min(index, raft.log.applying));
    raft.reads.release(raft.log.applied);
  }

  /** The host could not reach {@code peer}: a leader stops pipelining to it and probes again. */
  public void onUnreachable(long peer) {
    if (raft.role == Role.LEADER) {
      var pr = raft.tracker.progress(peer);
      if (pr != null && pr.state() == io.raftd.raft.tracker.Progress.State.REPLICATE) {
        pr.becomeProbe();
      }
    }
  }

  public boolean hasReady() {
    return raft.log.pendingSnapshot() != null
        || (raft.role == Role.LEADER && ((LeaderRole) raft.behaviour).appendsDue())
        || (raft.removedFromCluster() && !removedReported)
        || !raft.reads.ready.isEmpty()
        || !raft.reads.failed.isEmpty()
        || raft.leadershipLost != null
        || !raft.messages.isEmpty()
        || !raft.messagesAfterPersist.isEmpty()
        || !raft.hardState().equals(emittedHardState)
        || raft.log.hasUnemitted()
        || raft.log.hasToApply()
        || raft.voteBarrierLifted;
  }

  /** What the host must do now; pass it to {@link #advance} before any other input. */
  public Ready ready() {
    if (raft.role == Role.LEADER) {
      ((LeaderRole) raft.behaviour).sendDueAppends();
    }
    HardState hs = raft.hardState();
    boolean hsChanged = !hs.equals(emittedHardState);
    boolean termOrVoteChanged = hs.getTerm() != emittedHardState.getTerm()
        || hs.getVotedFor() != emittedHardState.getVotedFor();
    List<Entry> entries = raft.log.nextToPersist();
    List<RaftMessage> now = new ArrayList<>();
    List<RaftMessage> afterPersist = new ArrayList<>();
    for (RaftMessage m : raft.messages) {
      // Clause 2: nothing leaves before a new term or vote is durable.
      boolean unsafeVote = raft.cfg.is(BrokenVariant.VOTE_REPLY_BEFORE_DURABLE) && m.hasRequestVoteResponse();
      (termOrVoteChanged && !unsafeVote ? afterPersist : now).add(m);
    }
    for (RaftMessage m : raft.messagesAfterPersist) {
      boolean unsafeVote = raft.cfg.is(BrokenVariant.VOTE_REPLY_BEFORE_DURABLE) && m.hasRequestVoteResponse();
      (unsafeVote ? now : afterPersist).add(m);
    }
    SnapshotMetadata snapshot = raft.log.pendingSnapshot();
    return new Ready(
        snapshot,
        hsChanged ? hs : null,
        entries,
        List.copyOf(now),
        List.copyOf(afterPersist),
        raft.log.nextToApply(raft.cfg.maxApplyBytes),
        List.copyOf(raft.reads.ready),
        List.copyOf(raft.reads.failed),
        raft.leadershipLost,
        raft.removedFromCluster() && !removedReported,
        !entries.isEmpty() || termOrVoteChanged || snapshot != null,
        raft.voteBarrierLifted);
  }

  /** Records that {@code ready} was handed to the host; call it once for each Ready, in order. */
  public void advance(Ready ready) {
    if (ready.hardState() != null) {
      emittedHardState = ready.hardState();
    }
    if (!ready.entries().isEmpty()) {
      raft.log.markEmitted(ready.entries().get(ready.entries().size() - 1).getIndex());
    }
    if (ready.snapshot() != null) {
      raft.log.snapshotHandedOut();
    }
    removedReported |= ready.removed();
    raft.voteBarrierLifted &= !ready.voteBarrierLifted();
    // No input may come between ready() and advance(), so everything queued is in this Ready.
    raft.messages.clear();
    raft.messagesAfterPersist.clear();
    raft.reads.handedOut();
    raft.leadershipLost = null;
    if (!ready.committedEntries().isEmpty()) {
      raft.log.applying = ready.committedEntries().get(ready.committedEntries().size() - 1).getIndex();
      // Configurations take effect on apply: now that the host has them to apply. What that causes
      // (replicating to new members, leaving a joint configuration) goes into the next Ready.
      for (Entry e : ready.committedEntries()) {
        if (e.getType() == EntryType.CONFIG) {
          raft.applyConfiguration(io.raftd.raft.confchange.ConfChanges.parse(e));
        }
      }
      if (raft.role == Role.LEADER) {
        ((LeaderRole) raft.behaviour).onApplying();
      }
    }
  }


  public Status status() {
    RaftLog log = raft.log;
    return new Status(raft.id, raft.role, raft.term, raft.votedFor, raft.leader, log.committed, log.applied,
        log.persisted, log.firstIndex(), log.lastIndex(), raft.snapshotIndex, raft.voteBarrierIndex,
        raft.role == Role.LEADER ? log.committed : raft.leaderCommit);
  }

  /** On a leader, each member's replication state as "STATE match=M next=N ..."; empty otherwise. */
  public Map<Long, String> progress() {
    TreeMap<Long, String> progress = new TreeMap<>();
    if (raft.role == Role.LEADER) {
      raft.tracker.progressMap().forEach((id, pr) -> progress.put(id, pr.toString()));
    }
    return progress;
  }

  /** On a leader, each member's match index (its own too); empty otherwise. */
  public Map<Long, Long> matchIndexes() {
    Map<Long, Long> match = new HashMap<>();
    if (raft.role == Role.LEADER) {
      raft.tracker.progressMap().forEach((id, pr) -> match.put(id, pr.match()));
    }
    return match;
  }

  /** The term of the entry at {@code index} in this member's log (durable or not), 0 if it holds none there. */
  public long termAt(long index) {
    return raft.log.term(index);
  }

  /** The entry at {@code index} in this member's log, or null if it holds none there. */
  public Entry entryAt(long index) {
    return raft.log.entry(index);
  }

  public Counters counters() {
    return raft.counters;
  }

  /** How many times this member replaced entries of its log with a conflicting suffix. */
  public long truncations() {
    return raft.log.truncations;
  }
}
