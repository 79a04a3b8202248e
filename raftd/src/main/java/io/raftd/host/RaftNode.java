package io.raftd.host;

import com.google.protobuf.ByteString;
import io.raftd.driver.ReadyProcessor;
import io.raftd.driver.Transport;
import io.raftd.driver.Waiters;
import io.raftd.proto.ChecksumMark;
import io.raftd.proto.ChecksumReport;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.LogCommand;
import io.raftd.proto.RaftMessage;
import io.raftd.raft.Proposal;
import io.raftd.raft.Counters;
import io.raftd.raft.RawNode;
import io.raftd.raft.ReadState;
import io.raftd.raft.Ready;
import io.raftd.raft.Status;
import io.raftd.raft.TransferOutcome;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One member at run time: the RaftLoop lane owning the {@link RawNode} and running the foundation's
 * {@link ReadyProcessor} unchanged, over the threaded {@link WalWriter}, {@link ApplyWorker} and the peer
 * transport. Everything else (the admin server, the transport's listeners) reaches the core only by
 * posting to the RaftLoop through the methods here, which are thread-safe and answer with futures.
 */
public final class RaftNode implements Waiters {
  private static final Logger LOG = LoggerFactory.getLogger(RaftNode.class);

  /** Sends Raft messages to peers: the peer transport (snapshots on their own connection). */
  public interface PeerLink {
    void send(RaftMessage m);

    void sendSnapshot(RaftMessage installSnapshot);
  }

  private final Lane loop;
  private final HostRuntime runtime;
  private final HostMetrics metrics;
  private RawNode node;
  private ReadyProcessor processor;
  private WalWriter writer;
  private final Proposals proposals;
  private final Map<ByteString, CompletableFuture<Long>> reads = new ConcurrentHashMap<>();
  private final ReadContexts readContexts;
  /** RaftLoop: ticks since this leader, its disk unfit to write, last tried to hand over; -1 when it is not trying. */
  private int ticksSinceDiskHandOver = -1;
  /**
   * The runtime's nanoTime() of the last message from each member, any kind. The core's check-quorum keeps only
   * a heard-this-timeout flag and may read no clock, so the time it takes for status is kept here.
   */
  private final Map<Long, Long> lastHeard = new ConcurrentHashMap<>();
  private final long createdNanos;
  private final DiskGuard disk;
  private final StateQuota quota;
  private ApplyWorker applier;
  /** How often a leader proposes a checksum mark (divergence.check_interval_ms), 0 for never. */
  private final long checksumEveryNanos;
  /** A mark and its report: the entries a check adds itself, which alone call for no other. */
  private static final int CHECK_ENTRIES = 2;
  /** RaftLoop: when this member last considered proposing a mark. */
  private long markedAt;
  /** RaftLoop: the commit index as of the last check, its own entries included; -1 before the first tick as leader. */
  private long checkedUpTo = -1;
  private volatile Status status;
  private volatile Map<Long, String> progress = Map.of();
  /** The runtime's nanoTime() of the last tick, for the liveness check. */
  private volatile long lastTick;
  /** Times the leader this member knows of changed (to none, too), for metrics. */
  private volatile long leaderChanges;
  /** The core's counters as of the last tick, for metrics. */
  private volatile Counters counters = new Counters();
  private volatile io.raftd.proto.Configuration configuration = io.raftd.proto.Configuration.getDefaultInstance();
  private volatile Runnable onRemoved = () -> {};
  private volatile Runnable onVoteBarrierLifted = () -> {};
  private Changes changes = Changes.NONE;
  private ContactWatch contact;
  private LagWatch lag;
  /** The status and configuration last told to {@link #changes} (RaftLoop). */
  private Status reported;
  private io.raftd.proto.Configuration reportedConfiguration;
  /** RaftLoop: {@link #afterInputs} is posted and has not run yet. */
  private boolean afterInputsPosted;

  /**
   * What the operator hears of the core's state, told on the RaftLoop after each input: the core only
   * decides, and only this host knows members' names and the time.
   */
  public interface Changes extends ContactWatch.Listener, LagWatch.Listener {
    Changes NONE = new Changes() {
      @Override
      public void statusChanged(Status before, Status now) {}

      @Override
      public void configurationChanged(io.raftd.proto.Configuration before, io.raftd.proto.Configuration now) {}

      @Override
      public void contactLost(long member, long silentMillis) {}

      @Override
      public void contactRegained(long member, long silentMillis) {}

      @Override
      public void fellBehind(long member, long behind) {}

      @Override
      public void caughtUp(long member, long behindMillis) {}

      @Override
      public void learnerProgress(long member, long behind, long entriesPerSecond) {}
    };

    /** The role, the term or the leader changed. */
    void statusChanged(Status before, Status now);

    /** A configuration took effect. */
    void configurationChanged(io.raftd.proto.Configuration before, io.raftd.proto.Configuration now);
  }

  /**
   * @param incarnation a random number drawn when this process starts: read contexts begin with it
   * @param metrics told how long proposals took to apply and reads to be confirmed
   * @param checksumEveryNanos how often, as leader, to propose a checksum mark ({@link DivergenceCheck}); 0: never
   */
  public RaftNode(HostRuntime runtime, Lane loop, Proposals proposals, DiskGuard disk, StateQuota quota,
      long incarnation, HostMetrics metrics, long checksumEveryNanos) {
    this.quota = quota;
    this.checksumEveryNanos = checksumEveryNanos;
    this.runtime = runtime;
    this.metrics = metrics;
    this.loop = loop;
    this.createdNanos = runtime.nanoTime();
    this.lastTick = createdNanos;
    this.readContexts = new ReadContexts(incarnation);
    this.proposals = proposals;
    this.disk = disk;
  }

  /** Wires the core and its processor in (before the RaftLoop starts). */
  public void attach(RawNode node, WalWriter writer, PeerLink peers, ApplyWorker applier) {
    this.node = node;
    this.applier = applier;
    this.writer = writer;
    Transport transport = m -> {
      if (m.hasInstallSnapshot()) {
        peers.sendSnapshot(m);
      } else {
        peers.send(m);
      }
    };
    this.processor = new ReadyProcessor(node, writer, transport, applier, this);
    this.status = node.status();
    this.configuration = node.configuration();
    this.reported = status;
    this.reportedConfiguration = configuration;
  }

  /**
   * Tells {@code changes} of role, term, leader and configuration changes, of members silent for
   * {@code silence} (an election timeout) and heard again, and, as leader, of members more than
   * {@code lagMargin} entries behind its commit index and caught up again. Before the RaftLoop starts.
   */
  public void reportChanges(Changes changes, Duration silence, long lagMargin) {
    this.changes = changes;
    this.contact = new ContactWatch(silence.toNanos(), changes);
    this.lag = new LagWatch(lagMargin, silence.toNanos(), changes);
  }

  /** RaftLoop: one tick of logical time. */
  public void tick() {
    lastTick = runtime.nanoTime();
    node.tick();
    if (disk.check()) {
      applier.snapshotNow(null);  // low on space: compacting the log frees some
    }
    quota.check();
    handOverIfDiskUnfit();
    proposeChecksumMarkIfDue();
    afterInput();
    if (status.role() == io.raftd.raft.Role.LEADER) {
      // Once a tick, not after every input: the status it is for can be a tick old, and building it for
      // every member after every message and proposal was a measurable share of a leader's CPU.
      progress = node.progress();
    }
    counters = node.counters().copy();
    if (contact != null) {
      // Once a tick, not after every input: silence is measured in election timeouts, and the check
      // should cost the write path nothing.
      contact.check(status, configuration, lastHeard, runtime.nanoTime());
      lag.check(status, configuration, node.matchIndexes(), runtime.nanoTime());
    }
  }

  /**
   * A leader whose disk is full or low takes no writes, and the cluster with it, while a voter with space
   * could lead; one whose WAL write has stalled holds every write up to its fsync: it hands leadership to the
   * most up-to-date voter, trying again every two election timeouts (a transfer gives up after one) for as
   * long as it leads and its disk stays so.
   */
  private void handOverIfDiskUnfit() {
    String reason = node.status().role() == io.raftd.raft.Role.LEADER ? disk.handOverReason() : null;
    if (reason == null) {
      ticksSinceDiskHandOver = -1;
      return;
    }
    if (ticksSinceDiskHandOver >= 0 && ++ticksSinceDiskHandOver < 2 * node.electionTicks()) {
      return;
    }
    ticksSinceDiskHandOver = 0;
    TransferOutcome outcome = node.transferLeadership(0);
    LOG.warn("{}: this leader hands leadership to the most up-to-date voter ({})", reason,
        outcome == TransferOutcome.STARTED ? "under way" : outcome);
  }

  /**
   * A leader proposes a checksum mark every checksumEveryNanos, if anything but the last mark and its report
   * committed since: an idle cluster's state does not change, and its marks would only fill the log.
   */
  private void proposeChecksumMarkIfDue() {
    if (checksumEveryNanos == 0 || status.role() != io.raftd.raft.Role.LEADER) {
      return;
    }
    long now = runtime.nanoTime();
    if (checkedUpTo < 0) {  // the interval starts with the first tick as leader
      markedAt = now;
      checkedUpTo = status.commit();
      return;
    }
    if (now - markedAt < checksumEveryNanos) {
      return;
    }
    markedAt = now;
    if (status.commit() > checkedUpTo) {
      checkedUpTo = status.commit() + CHECK_ENTRIES;
      propose(LogCommand.newBuilder().setChecksumMark(ChecksumMark.getDefaultInstance()));
    }
  }

  /** If this member leads, proposes its digest of the state at the mark {@code markIndex}. Any thread. */
  public void reportChecksum(long markIndex, ByteString digest) {
    if (status.role() == io.raftd.raft.Role.LEADER) {
      propose(LogCommand.newBuilder().setChecksumReport(
          ChecksumReport.newBuilder().setMarkIndex(markIndex).setDigest(digest)));
    }
  }

  /**
   * RaftLoop: an input was given to the core. What it caused is carried out once for all the inputs the
   * RaftLoop takes in one turn (the lane runs everything queued at once, and this runs after them): one
   * Ready, so one WAL write and one AppendEntries per follower for a burst of proposals, and one status.
   */
  private void inputTaken() {
    if (!afterInputsPosted) {
      afterInputsPosted = true;
      loop.post(this::afterInputs);
    }
  }

  private void afterInputs() {
    afterInputsPosted = false;
    afterInput();
  }

  private void afterInput() {
    processor.drain();
    status = node.status();
    configuration = node.configuration();
    if (status.role() != io.raftd.raft.Role.LEADER && !progress.isEmpty()) {
      progress = Map.of();  // a former leadership's view, until the next tick would clear it
    }
    report();
  }

  private void report() {
    Status now = status;
    if (now.role() != reported.role() || now.term() != reported.term() || now.leader() != reported.leader()) {
      if (now.leader() != reported.leader()) {
        leaderChanges++;  // the RaftLoop alone writes it
      }
      changes.statusChanged(reported, now);
    }
    reported = now;
    if (configuration != reportedConfiguration && !configuration.equals(reportedConfiguration)) {
      changes.configurationChanged(reportedConfiguration, configuration);
    }
    reportedConfiguration = configuration;
  }

  public void setOnRemoved(Runnable onRemoved) {
    this.onRemoved = onRemoved;
  }

  /** What to do, on the RaftLoop, once the core lifted its vote barrier and that is durable. */
  public void setOnVoteBarrierLifted(Runnable onVoteBarrierLifted) {
    this.onVoteBarrierLifted = onVoteBarrierLifted;
  }

  // ---- inputs from other threads ----

  /** A message from a peer (any thread). */
  public void receive(RaftMessage m) {
    lastHeard.put(m.getFrom(), runtime.nanoTime());
    loop.post(() -> {
      node.step(m);
      inputTaken();
    });
  }

  /** The WAL writer made {@code n} more writes durable (RaftLoop). */
  public void writesDurable(int n) {
    for (int i = 0; i < n; i++) {
      processor.onWriteDurable();
    }
    inputTaken();
  }

  /** The apply thread applied up to {@code index} (RaftLoop). */
  public void applied(long index) {
    processor.onApplied(index);
    inputTaken();
  }

  /**
   * A snapshot taken here is durable and recorded in the WAL (RaftLoop): the core hears of it, and only
   * then is the log compacted, here, between two of its steps (the core reads the log's first index and
   * then entries from it within a step; compaction on another thread could pull them from under it).
   */
  public void snapshotTaken(io.raftd.proto.SnapshotMetadata snapshot) {
    node.snapshotTaken(snapshot.getIndex(), snapshot.getTerm());
    writer.compact();
    inputTaken();
  }

  public void snapshotSent(long peer, boolean delivered) {
    if (delivered) {
      lastHeard.put(peer, runtime.nanoTime());  // it confirmed the snapshot: contact, as the core counts it
    }
    loop.post(() -> {
      node.onSnapshotStatus(peer, delivered);
      inputTaken();
    });
  }

  public void unreachable(long peer) {
    loop.post(() -> {
      node.onUnreachable(peer);
      inputTaken();
    });
  }

  /**
   * Proposes a command, stamped with this leader's clock, and completes once it has applied (or fails
   * with a {@link Proposals.Failure} whose code says whether it is safe to retry).
   */
  public CompletableFuture<Proposals.Outcome> propose(LogCommand.Builder command) {
    long proposed = runtime.nanoTime();
    CompletableFuture<Proposals.Outcome> result = new CompletableFuture<>();
    loop.post(() -> {
      // Only a leader refuses for space, on its disk or in its state's quota: a follower's refusal would be
      // taken as the cluster's, and the client must be redirected to the leader instead.
      String noSpace = disk.refusal();  // first: these are a few volatile reads, the status is a walk of the core
      if (noSpace == null) {
        noSpace = quota.refusal(command);
      }
      if (noSpace != null && node.status().role() == io.raftd.raft.Role.LEADER) {
        result.completeExceptionally(new Proposals.Failure(ErrorCode.NO_SPACE, noSpace));
        return;
      }
      Proposal p = node.propose(command.setStampMs(runtime.currentTimeMillis()).build().toByteString());
      if (!p.appended()) {
        result.completeExceptionally(refusal(p.refusal()));
        return;
      }
      proposals.register(p.index(), p.term()).whenComplete((o, e) -> {
        if (e != null) {
          result.completeExceptionally(e);
        } else {
          metrics.proposalApplied(runtime.nanoTime() - proposed);
          result.complete(o);
        }
      });
      inputTaken();
    });
    return result;
  }

  private static Proposals.Failure refusal(Proposal.Refusal r) {
    return switch (r) {
      case NOT_LEADER -> new Proposals.Failure(ErrorCode.NOT_LEADER, "not the leader");
      case TRANSFERRING -> new Proposals.Failure(ErrorCode.NOT_LEADER, "leadership is being transferred");
      case TOO_LARGE -> new Proposals.Failure(ErrorCode.INVALID_ARGUMENT,
          "the entry is over the core's limit (raft.max_entry_bytes and its envelope)");
      case TOO_MUCH_UNCOMMITTED, CHANGE_IN_PROGRESS -> new Proposals.Failure(ErrorCode.BUSY,
          r == Proposal.Refusal.TOO_MUCH_UNCOMMITTED ? "too many uncommitted writes: retry shortly"
              : "a membership change is in progress: retry shortly");
    };
  }

  /**
   * A linearizable read: completes with the index the state machine has applied at least up to once
   * the read may be served (here, leader or follower), or fails (safe to retry), with a TimeoutException
   * if the core has not answered within {@code timeout}.
   */
  public CompletableFuture<Long> readIndex(Duration timeout) {
    ByteString context = readContexts.next();
    CompletableFuture<Long> f = new CompletableFuture<>();
    reads.put(context, f);
    // The core may answer long after the caller gave up (a leader cut off from its quorum fails its reads
    // only once check-quorum steps it down, election timeouts later), and this map must stay bounded
    // whatever the core does: a read is forgotten here as soon as it ends, however it ends.
    long asked = runtime.nanoTime();
    Deadline.within(loop, timeout, f).whenComplete((index, e) -> {
      reads.remove(context, f);
      if (e == null) {
        metrics.readIndexConfirmed(runtime.nanoTime() - asked);
      }
    });
    loop.post(() -> {
      node.readIndex(context);
      inputTaken();
    });
    return f;
  }

  /**
   * Proposes a membership change (it enters its joint configuration) and completes with the joint
   * configuration's index once that has applied here; the core leaves the joint configuration by itself.
   * Fails with BUSY while another change is in progress, NOT_LEADER off the leader, INVALID_ARGUMENT for a
   * change the configuration does not allow.
   */
  public CompletableFuture<Long> changeMembership(io.raftd.proto.ConfChange change) {
    CompletableFuture<Long> result = new CompletableFuture<>();
    loop.post(() -> {
      Proposal p;
      try {
        p = node.proposeConfigChange(change);
      } catch (IllegalArgumentException e) {
        result.completeExceptionally(new Proposals.Failure(ErrorCode.INVALID_ARGUMENT, e.getMessage()));
        return;
      }
      if (!p.appended()) {
        result.completeExceptionally(p.refusal() == Proposal.Refusal.CHANGE_IN_PROGRESS
            ? new Proposals.Failure(ErrorCode.BUSY,
                "a membership change is in progress: wait until it completes (raftctl member list), then retry")
            : refusal(p.refusal()));
        return;
      }
      proposals.register(p.index(), p.term()).whenComplete((o, e) -> {
        if (e != null) {
          result.completeExceptionally(e);
        } else {
          result.complete(o.index());
        }
      });
      inputTaken();
    });
    return result;
  }

  /** Hands leadership to {@code target} (0: the most up-to-date voter). */
  public CompletableFuture<TransferOutcome> transferLeadership(long target) {
    CompletableFuture<TransferOutcome> f = new CompletableFuture<>();
    loop.post(() -> {
      f.complete(node.transferLeadership(target));
      inputTaken();
    });
    return f;
  }

  /** Runs {@code query} on the RaftLoop against the core (for status): answers with its result. */
  public <T> CompletableFuture<T> inspect(Function<RawNode, T> query) {
    CompletableFuture<T> f = new CompletableFuture<>();
    loop.post(() -> f.complete(query.apply(node)));
    return f;
  }

  /** The core's status as of its last input (any thread, no hop). */
  public Status status() {
    return status;
  }

  /** The configuration in force as of the last input (any thread, no hop). */
  public io.raftd.proto.Configuration configuration() {
    return configuration;
  }

  /** Linearizable reads waiting for the core's answer. */
  public int pendingReads() {
    return reads.size();
  }

  /** Milliseconds since a message from {@code member} last arrived (since this node was created if none did). */
  public long lastContactMs(long member) {
    return TimeUnit.NANOSECONDS.toMillis(runtime.nanoTime() - lastHeard.getOrDefault(member, createdNanos));
  }

  /** Milliseconds since the RaftLoop last ticked (since this node was created if it has not yet). */
  public long msSinceTick() {
    return TimeUnit.NANOSECONDS.toMillis(runtime.nanoTime() - lastTick);
  }

  /** Times the leader this member knows of changed (to none, too). */
  public long leaderChanges() {
    return leaderChanges;
  }

  /** What the core has counted, as of the last tick. */
  public Counters counters() {
    return counters;
  }

  /** On a leader: each member's replication state as of the last tick. */
  public Map<Long, String> progress() {
    return progress;
  }

  // ---- Waiters: what the core decided about reads, leadership and membership ----

  @Override
  public void readReady(ReadState read) {
    CompletableFuture<Long> f = reads.remove(read.context());
    if (f != null) {
      f.complete(read.index());
    }
  }

  @Override
  public void readFailed(ByteString context) {
    CompletableFuture<Long> f = reads.remove(context);
    if (f != null) {
      f.completeExceptionally(new Proposals.Failure(ErrorCode.NOT_LEADER, "no leader could confirm the read: retry"));
    }
  }

  @Override
  public void leadershipLost(Ready.LeadershipLost lost) {
    proposals.leadershipLost(lost.commit());
  }

  @Override
  public void removedFromCluster() {
    onRemoved.run();
  }

  @Override
  public void voteBarrierLifted() {
    onVoteBarrierLifted.run();
  }

  /** Stopping: fail every waiter. */
  public void failAll(String why) {
    proposals.failAll(why);
    reads.values().forEach(f -> f.completeExceptionally(new Proposals.Failure(ErrorCode.NOT_LEADER, why)));
    reads.clear();
  }
}
