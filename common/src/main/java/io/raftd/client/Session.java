package io.raftd.client;

import io.raftd.proto.AdminRequest;
import io.raftd.proto.CloseSessionRequest;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.KeepAliveRequest;
import io.raftd.proto.WriteRequest;
import io.raftd.proto.WriteResponse;
import com.google.protobuf.ByteString;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A client session (thesis §6.3): each write gets the next sequence number and is retried with that same
 * number until an answer comes, so the cluster applies it exactly once. Every request also tells the
 * cluster the lowest number still awaiting an answer, so it can forget older responses. A background
 * thread keeps an idle session alive. Thread-safe: many writes may be in flight at once, and a write's retries,
 * like the client's, take no thread of their own ({@link #writeAsync}).
 */
public final class Session implements AutoCloseable {
  private final RaftdClient client;
  private final long id;
  private final PendingSequence sequence = new PendingSequence();
  private final ScheduledExecutorService keepAlive;
  private volatile long retries;

  Session(RaftdClient client, long id, Duration sessionTimeout) {
    this.client = client;
    this.id = id;
    this.keepAlive = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "raftd-session-" + id);
      t.setDaemon(true);
      return t;
    });
    long period = Math.max(100, sessionTimeout.toMillis() / 3);
    keepAlive.scheduleWithFixedDelay(this::keepAlive, period, period, TimeUnit.MILLISECONDS);
  }

  public long id() {
    return id;
  }

  /**
   * Writes this session sent again: after an attempt whose outcome was unknown (UNKNOWN_OUTCOME, no answer
   * in time, the connection lost after sending) or that reached no member.
   */
  public long retries() {
    return retries;
  }

  /**
   * Applies {@code command} exactly once, retrying through unknown outcomes until the client's timeout.
   * Giving up after an attempt that may have been applied is UNKNOWN_OUTCOME, whatever the last failure.
   */
  public WriteResponse write(byte[] command) throws RaftdException, InterruptedException {
    return RaftdClient.join(writeAsync(command));
  }

  /** {@link #write}, answered by the future; it fails with a {@link RaftdException}. */
  public CompletableFuture<WriteResponse> writeAsync(byte[] command) {
    long seq = sequence.begin();
    CompletableFuture<WriteResponse> result = new CompletableFuture<>();
    new Retrying(ByteString.copyFrom(command), seq, client.deadline(), result).attempt();
    result.whenComplete((r, e) -> sequence.end(seq));
    return result;
  }

  /** One write's attempts, each begun when the previous one failed. */
  private final class Retrying {
    private final ByteString command;
    private final long seq;
    private final long deadline;
    private final CompletableFuture<WriteResponse> result;
    private boolean maybeApplied;

    Retrying(ByteString command, long seq, long deadline, CompletableFuture<WriteResponse> result) {
      this.command = command;
      this.seq = seq;
      this.deadline = deadline;
      this.result = result;
    }

    void attempt() {
      if (result.isDone()) {
        return;  // the caller gave up on it
      }
      WriteRequest.Builder w = WriteRequest.newBuilder().setSession(id).setSeq(seq)
          .setLowestPending(sequence.lowestPending()).setCommand(command);
      // Not idempotent for the client: an attempt whose outcome is unknown comes back here as such,
      // and this, which may resend it, decides.
      client.callAsync(AdminRequest.newBuilder().setWrite(w), true, false, deadline).whenComplete((r, failure) -> {
        if (failure == null) {
          result.complete(r.getWrite());
          return;
        }
        if (!(RaftdClient.cause(failure) instanceof RaftdException e)) {
          result.completeExceptionally(failure);
          return;
        }
        maybeApplied |= e.code() == ErrorCode.UNKNOWN_OUTCOME;
        boolean retry = e.outcomeUnknown() || e.unreachable();
        if (!retry || System.nanoTime() - deadline > 0) {
          result.completeExceptionally(givingUp(e, maybeApplied));
          return;
        }
        retries++;
        attempt();
      });
    }
  }

  /**
   * What a write that gives up reports: UNKNOWN_OUTCOME if any attempt may have applied, whatever the last
   * one met. The last alone does not say: a call begun just as the deadline passes sends nothing and reports
   * a plain TIMEOUT, though an earlier attempt reached the leader.
   */
  static RaftdException givingUp(RaftdException last, boolean anyMayHaveApplied) {
    if (anyMayHaveApplied && last.code() != ErrorCode.UNKNOWN_OUTCOME) {
      return new RaftdException(ErrorCode.UNKNOWN_OUTCOME, last.getMessage() + "; an earlier attempt may have applied",
          null);
    }
    return last;
  }

  private void keepAlive() {
    try {
      client.call(AdminRequest.newBuilder().setKeepAlive(
          KeepAliveRequest.newBuilder().setSession(id).setLowestPending(sequence.lowestPending())), true, true);
    } catch (RaftdException e) {
      if (e.code() == ErrorCode.SESSION_EXPIRED) {
        keepAlive.shutdown();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws InterruptedException {
    keepAlive.shutdownNow();
    try {
      // Best effort, and briefly: a session not closed expires on its own.
      long deadline = System.nanoTime() + Math.min(client.timeout().toNanos(), TimeUnit.SECONDS.toNanos(1));
      client.call(AdminRequest.newBuilder().setCloseSession(CloseSessionRequest.newBuilder().setSession(id)), true, true,
          deadline);
    } catch (RaftdException e) {
      // the session expires on its own
    }
  }
}
