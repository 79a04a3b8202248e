package io.raftd.host;

import com.google.protobuf.ByteString;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.ChangeMembershipRequest;
import io.raftd.proto.ChangeMembershipResponse;
import io.raftd.proto.CloseSession;
import io.raftd.proto.CloseSessionResponse;
import io.raftd.proto.CommandResult;
import io.raftd.proto.CreateSnapshotResponse;
import io.raftd.proto.Error;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.KeepAlive;
import io.raftd.proto.KeepAliveResponse;
import io.raftd.proto.ListSnapshotsResponse;
import io.raftd.proto.LogCommand;
import io.raftd.proto.Member;
import io.raftd.proto.OpenSession;
import io.raftd.proto.OpenSessionResponse;
import io.raftd.proto.ReadResponse;
import io.raftd.proto.SessionCommand;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.proto.TransferLeaderResponse;
import io.raftd.proto.WriteResponse;
import io.raftd.client.ServerLimits;
import io.raftd.statemachine.SessionLayer;
import io.raftd.storage.SnapshotStore;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Answers admin/client requests (admin.proto), whatever carries them: every request becomes a future of
 * its response, errors included, so the admin port's handler only frames bytes. Thread-safe.
 */
public final class AdminService {
  /** Status snapshots of this member and of the cluster: built by the daemon, which knows names and addresses. */
  public interface StatusSource {
    CompletableFuture<io.raftd.proto.NodeStatus> node();

    CompletableFuture<io.raftd.proto.ClusterStatus> cluster(Duration timeout);

    /** The leader as this member knows it, or null. */
    Member leader();

    /** The member with this name, or null. */
    Member byName(String name);
  }

  /** Membership as operators ask for it: built by the daemon, which knows names and addresses. */
  public interface Membership {
    CompletableFuture<io.raftd.proto.ListMembersResponse> list();

    /** Adds, promotes and removes, as one change (a dry run proposes nothing). */
    CompletableFuture<ChangeMembershipResponse> change(ChangeMembershipRequest request);
  }

  private final RaftNode node;
  private final SessionLayer state;
  private final ApplyWorker applier;
  private final Executor reads;
  private final SnapshotStore snapshots;
  private final StatusSource status;
  private final Duration defaultTimeout;
  /** The lane whose timer fails requests past their deadline. */
  private final Lane timers;
  private final long defaultSessionTimeoutMs;
  private final long maxCommandBytes;
  private final HostMetrics metrics;
  private final DivergenceCheck divergence;
  private final Membership membership;
  /** Backups: SaveSnapshot's chunks. */
  private final SnapshotDownloads downloads;
  /** The live log: ReadLog's pages. */
  private final LogReader log;

  /**
   * @param reads runs the queries of linearizable reads (see {@link ReadPool})
   * @param timers the lane whose timer fails requests that take longer than their timeout (one of its own:
   *     a request must get its answer in time even while the RaftLoop is busy)
   * @param maxCommandBytes raft.max_entry_bytes: the largest command a write may carry
   * @param metrics told how each request was answered
   * @param divergence whether this member's state differs from the leader's: it then serves no reads
   * @param membership lists and changes the members
   * @param downloads serves SaveSnapshot (backups)
   * @param log serves ReadLog (this member's log, decoded)
   */
  public AdminService(RaftNode node, SessionLayer state, ApplyWorker applier, Executor reads, SnapshotStore snapshots,
      StatusSource status, Lane timers, Duration defaultTimeout, Duration defaultSessionTimeout, long maxCommandBytes,
      HostMetrics metrics, DivergenceCheck divergence, Membership membership, SnapshotDownloads downloads,
      LogReader log) {
    this.log = log;
    this.divergence = divergence;
    this.membership = membership;
    this.downloads = downloads;
    this.node = node;
    this.metrics = metrics;
    this.timers = timers;
    this.state = state;
    this.applier = applier;
    this.reads = reads;
    this.snapshots = snapshots;
    this.status = status;
    this.defaultTimeout = defaultTimeout;
    this.defaultSessionTimeoutMs = defaultSessionTimeout.toMillis();
    this.maxCommandBytes = maxCommandBytes;
  }

  public CompletableFuture<AdminResponse> handle(AdminRequest r) {
    Duration timeout = r.getTimeoutMs() > 0 ? Duration.ofMillis(r.getTimeoutMs()) : defaultTimeout;
    CompletableFuture<AdminResponse.Builder> answer;
    try {
      answer = switch (r.getBodyCase()) {
        case STATUS -> status.node().thenApply(s -> AdminResponse.newBuilder().setStatus(s));
        case CLUSTER_STATUS -> status.cluster(timeout).thenApply(s -> AdminResponse.newBuilder().setClusterStatus(s));
        case WRITE -> write(r.getWrite());
        case READ -> read(r.getRead(), timeout);
        case OPEN_SESSION -> openSession(r.getOpenSession().getTimeoutMs());
        case KEEP_ALIVE -> sessionOp(LogCommand.newBuilder().setKeepAlive(KeepAlive.newBuilder()
            .setSession(r.getKeepAlive().getSession()).setLowestPending(r.getKeepAlive().getLowestPending())))
            .thenApply(o -> AdminResponse.newBuilder().setKeepAlive(KeepAliveResponse.getDefaultInstance()));
        case CLOSE_SESSION -> sessionOp(LogCommand.newBuilder().setCloseSession(
            CloseSession.newBuilder().setSession(r.getCloseSession().getSession())))
            .thenApply(o -> AdminResponse.newBuilder().setCloseSession(CloseSessionResponse.getDefaultInstance()));
        case CREATE_SNAPSHOT -> createSnapshot();
        case LIST_SNAPSHOTS -> listSnapshots();
        case TRANSFER_LEADER -> transfer(r.getTransferLeader().getTargetName());
        case LIST_MEMBERS -> membership.list().thenApply(l -> AdminResponse.newBuilder().setListMembers(l));
        case ADD_MEMBER -> changeMembership(ChangeMembershipRequest.newBuilder().addAdd(r.getAddMember().getMember())
            .setLearnerOnly(r.getAddMember().getLearnerOnly()).setDryRun(r.getAddMember().getDryRun()).build());
        case PROMOTE_MEMBER -> changeMembership(ChangeMembershipRequest.newBuilder()
            .addPromote(r.getPromoteMember().getName()).setDryRun(r.getPromoteMember().getDryRun()).build());
        case REMOVE_MEMBER -> changeMembership(ChangeMembershipRequest.newBuilder().addRemove(r.getRemoveMember().getName())
            .setForce(r.getRemoveMember().getForce()).setDryRun(r.getRemoveMember().getDryRun()).build());
        case CHANGE_MEMBERSHIP -> changeMembership(r.getChangeMembership());
        case SAVE_SNAPSHOT -> downloads.serve(r.getSaveSnapshot());
        case READ_LOG -> log.serve(r.getReadLog());
        case WATCH_EVENTS -> CompletableFuture.failedFuture(new Proposals.Failure(ErrorCode.INVALID_ARGUMENT,
            "WatchEvents is answered by a stream, which this connection does not carry"));
        case BODY_NOT_SET -> CompletableFuture.failedFuture(
            new Proposals.Failure(ErrorCode.INVALID_ARGUMENT, "empty request: no operation given"));
      };
    } catch (RuntimeException e) {
      answer = CompletableFuture.failedFuture(e);
    }
    return Deadline.within(timers, timeout, answer).handle((b, e) -> {
      AdminResponse.Builder out = e == null ? b : error(r, e);
      metrics.answered(r.getBodyCase(), out.hasError() ? out.getError().getCode() : null);
      return out.setId(r.getId()).build();
    });
  }

  private CompletableFuture<AdminResponse.Builder> write(io.raftd.proto.WriteRequest w) {
    if (w.getCommand().size() > maxCommandBytes) {
      // Refused before it reaches the log: an entry that large would be replicated (and fsynced) everywhere.
      return CompletableFuture.failedFuture(new Proposals.Failure(ErrorCode.INVALID_ARGUMENT,
          ServerLimits.overEntryLimit(w.getCommand().size(), maxCommandBytes)));
    }
    LogCommand.Builder cmd = LogCommand.newBuilder();
    if (w.getSession() != 0) {
      cmd.setCommand(SessionCommand.newBuilder().setSession(w.getSession()).setSeq(w.getSeq())
          .setLowestPending(w.getLowestPending()).setCommand(w.getCommand()));
    } else {
      cmd.setPlain(w.getCommand());
    }
    return node.propose(cmd).thenApply(o -> {
      CommandResult result = o.result();
      checkSessionStatus(result);
      return AdminResponse.newBuilder().setWrite(WriteResponse.newBuilder()
          .setIndex(o.index()).setTerm(o.term()).setResult(result.getResult()));
    });
  }

  private static void checkSessionStatus(CommandResult result) {
    switch (result.getStatus()) {
      case OK -> { }
      case SESSION_EXPIRED -> throw new Proposals.Failure(ErrorCode.SESSION_EXPIRED, "the session expired: open a new one");
      case BUSY -> throw new Proposals.Failure(ErrorCode.BUSY, "too many responses kept for this session: wait for earlier writes");
      case STALE -> throw new Proposals.Failure(ErrorCode.INVALID_ARGUMENT,
          "this request's sequence number is below the session's lowest pending one: its response is gone");
      default -> throw new Proposals.Failure(ErrorCode.INVALID_ARGUMENT, "the command was rejected: " + result.getStatus());
    }
  }

  private CompletableFuture<AdminResponse.Builder> read(io.raftd.proto.ReadRequest q, Duration timeout) {
    DivergenceCheck.Divergence d = divergence.divergence();
    if (d != null) {
      return CompletableFuture.failedFuture(new Proposals.Failure(ErrorCode.DIVERGED, "this member's state differs from"
          + " the leader's since the checksum at index " + d.markIndex() + ": it serves no reads; ask another member"));
    }
    if (q.getStale()) {
      return CompletableFuture.completedFuture(answer(q.getQuery(), applier.appliedIndex()));
    }
    // The read index completes on the RaftLoop: the query itself (a scan may be long) runs on the read pool.
    // No wait for the apply thread is needed: the core releases a read only once this member reported
    // applied >= its index, and the apply thread publishes appliedIndex before it reports.
    return node.readIndex(timeout).thenApplyAsync(index -> answer(q.getQuery(), index), reads);
  }

  private AdminResponse.Builder answer(ByteString query, long appliedAtLeast) {
    long applied = applier.appliedIndex();
    ByteString result = state.query(query);
    return AdminResponse.newBuilder().setRead(ReadResponse.newBuilder().setResult(result)
        .setAppliedIndex(Math.max(applied, appliedAtLeast)));
  }

  private CompletableFuture<AdminResponse.Builder> openSession(long timeoutMs) {
    long t = timeoutMs > 0 ? timeoutMs : defaultSessionTimeoutMs;
    return node.propose(LogCommand.newBuilder().setOpenSession(OpenSession.newBuilder().setTimeoutMs(t)))
        .thenApply(o -> AdminResponse.newBuilder().setOpenSession(
            OpenSessionResponse.newBuilder().setSession(o.result().getSession()).setTimeoutMs((int) t)));
  }

  private CompletableFuture<Proposals.Outcome> sessionOp(LogCommand.Builder cmd) {
    return node.propose(cmd).thenApply(o -> {
      checkSessionStatus(o.result());
      return o;
    });
  }

  private CompletableFuture<AdminResponse.Builder> changeMembership(ChangeMembershipRequest request) {
    return membership.change(request).thenApply(c -> AdminResponse.newBuilder().setChangeMembership(c));
  }

  private CompletableFuture<AdminResponse.Builder> createSnapshot() {
    CompletableFuture<SnapshotMetadata> done = new CompletableFuture<>();
    applier.snapshotNow(done);
    return done.thenApply(s -> AdminResponse.newBuilder().setCreateSnapshot(CreateSnapshotResponse.newBuilder().setSnapshot(s)));
  }

  private CompletableFuture<AdminResponse.Builder> listSnapshots() {
    try {
      return CompletableFuture.completedFuture(AdminResponse.newBuilder().setListSnapshots(
          ListSnapshotsResponse.newBuilder().addAllSnapshots(snapshots.list())));
    } catch (IOException e) {
      return CompletableFuture.failedFuture(new Proposals.Failure(ErrorCode.INTERNAL, "listing snapshots: " + e.getMessage()));
    }
  }

  private CompletableFuture<AdminResponse.Builder> transfer(String targetName) {
    long target = 0;
    if (!targetName.isEmpty()) {
      Member m = status.byName(targetName);
      if (m == null) {
        return CompletableFuture.failedFuture(new Proposals.Failure(ErrorCode.NOT_FOUND, "no member named " + targetName));
      }
      target = m.getId();
    }
    return node.transferLeadership(target).thenApply(outcome -> switch (outcome) {
      case STARTED, ALREADY_LEADER -> AdminResponse.newBuilder().setTransferLeader(TransferLeaderResponse.getDefaultInstance());
      case NOT_LEADER -> throw new Proposals.Failure(ErrorCode.NOT_LEADER, "not the leader");
      case NOT_A_VOTER -> throw new Proposals.Failure(ErrorCode.INVALID_ARGUMENT, targetName + " is not a voter");
    });
  }

  private AdminResponse.Builder error(AdminRequest r, Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    Error.Builder err = Error.newBuilder();
    if (cause instanceof Proposals.Failure f) {
      err.setCode(f.code).setMessage(f.getMessage());
      if (f.code == ErrorCode.NOT_LEADER) {
        Member leader = status.leader();
        if (leader != null) {
          err.setLeader(leader);
          err.setMessage(f.getMessage() + "; the leader is " + leader.getName() + " at " + leader.getAdminAddress());
        }
      }
    } else if (cause instanceof RejectedExecutionException) {
      err.setCode(ErrorCode.BUSY).setMessage("too many reads waiting to be served: retry shortly");
    } else if (cause instanceof IllegalArgumentException) {
      err.setCode(ErrorCode.INVALID_ARGUMENT).setMessage(String.valueOf(cause.getMessage()));
    } else if (cause instanceof TimeoutException) {
      boolean write = r.hasWrite() || r.hasOpenSession() || r.hasKeepAlive() || r.hasCloseSession();
      err.setCode(write ? ErrorCode.UNKNOWN_OUTCOME : ErrorCode.TIMEOUT)
          .setMessage(write ? "no answer within the timeout: the write may or may not apply" : "no answer within the timeout");
    } else {
      err.setCode(ErrorCode.INTERNAL).setMessage(String.valueOf(cause.getMessage()));
    }
    return AdminResponse.newBuilder().setError(err);
  }
}
