package io.raftd.host;

import io.raftd.proto.CommandResult;
import io.raftd.proto.Entry;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Proposals this member appended as leader, waiting to be applied: registered by the RaftLoop when
 * {@code propose} appends, completed by the apply thread when the entry at that index applies. An entry
 * of another term at that index means the proposal was overwritten and never applied (safe to retry); a
 * lost leadership leaves the proposals above the commit index with an unknown outcome.
 */
public final class Proposals {
  /** How a proposal ended. */
  public record Outcome(long index, long term, CommandResult result) {}

  /** Why a proposal did not apply: the admin API's error code and a message. */
  public static final class Failure extends RuntimeException {
    public final io.raftd.proto.ErrorCode code;

    public Failure(io.raftd.proto.ErrorCode code, String message) {
      super(message, null, false, false);
      this.code = code;
    }
  }

  private record Waiting(long term, CompletableFuture<Outcome> future) {}

  private final Map<Long, Waiting> waiting = new ConcurrentHashMap<>();

  /** RaftLoop: the proposal was appended at (index, term). */
  public CompletableFuture<Outcome> register(long index, long term) {
    CompletableFuture<Outcome> f = new CompletableFuture<>();
    waiting.put(index, new Waiting(term, f));
    return f;
  }

  /** Apply thread: the entry at this index applied with this result (null for entries without one). */
  public void applied(Entry e, CommandResult result) {
    Waiting w = waiting.remove(e.getIndex());
    if (w == null) {
      return;
    }
    if (w.term() == e.getTerm()) {
      w.future().complete(new Outcome(e.getIndex(), e.getTerm(), result));
    } else {
      w.future().completeExceptionally(new Failure(io.raftd.proto.ErrorCode.NOT_LEADER,
          "the proposal was overwritten by a newer leader before it committed: it did not apply; retry"));
    }
  }

  /** RaftLoop: this member stopped leading; proposals above {@code commit} may or may not commit. */
  public void leadershipLost(long commit) {
    waiting.forEach((index, w) -> {
      if (index > commit) {
        waiting.remove(index);
        w.future().completeExceptionally(new Failure(io.raftd.proto.ErrorCode.UNKNOWN_OUTCOME,
            "leadership was lost before the write committed: it may or may not apply"));
      }
    });
  }

  /**
   * Apply thread: a snapshot up to {@code index} replaced the state machine, so the entries up to there
   * will never be applied here one by one. A proposal among them may be in the snapshot or may have been
   * overwritten: its outcome is unknown here (a session's retry learns it).
   */
  public void snapshotInstalled(long index) {
    waiting.forEach((at, w) -> {
      if (at <= index && waiting.remove(at, w)) {
        w.future().completeExceptionally(new Failure(io.raftd.proto.ErrorCode.UNKNOWN_OUTCOME,
            "a snapshot from the leader replaced this member's state before the write applied here: it may or may"
                + " not have applied"));
      }
    });
  }

  /** Stopping: every proposal still waiting has an unknown outcome. */
  public void failAll(String why) {
    waiting.forEach((index, w) -> w.future().completeExceptionally(
        new Failure(io.raftd.proto.ErrorCode.UNKNOWN_OUTCOME, why)));
    waiting.clear();
  }
}
