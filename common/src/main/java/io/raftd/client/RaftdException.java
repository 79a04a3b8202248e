package io.raftd.client;

import io.raftd.proto.ErrorCode;
import io.raftd.proto.Member;

/**
 * A request failed; {@link #code()} says how, in the admin API's terms. UNAVAILABLE-style failures (no
 * endpoint reachable) use {@link ErrorCode#NO_QUORUM} when members answered without a leader and
 * {@link #unreachable()} when none answered at all.
 */
public class RaftdException extends Exception {
  private final ErrorCode code;
  private final Member leader;
  private final boolean unreachable;

  public RaftdException(ErrorCode code, String message, Member leader) {
    this(code, message, leader, false, null);
  }

  RaftdException(ErrorCode code, String message, Member leader, boolean unreachable, Throwable cause) {
    super(message, cause);
    this.code = code;
    this.leader = leader;
    this.unreachable = unreachable;
  }

  static RaftdException unreachable(String message, Throwable cause) {
    return new RaftdException(ErrorCode.ERROR_UNSPECIFIED, message, null, true, cause);
  }

  /** The same failure, its message followed by {@code context} (what each member did), one line still. */
  RaftdException withContext(String context) {
    if (context.isEmpty()) {
      return this;
    }
    return new RaftdException(code, getMessage() + " (" + context + ")", leader, unreachable, this);
  }

  public ErrorCode code() {
    return code;
  }

  /** With NOT_LEADER: the leader the server knows of, or null. */
  public Member leader() {
    return leader;
  }

  /** No endpoint could be reached at all. */
  public boolean unreachable() {
    return unreachable;
  }

  /** The member refused who sent it: no valid token (UNAUTHENTICATED), or a role that does not allow it. */
  public boolean refusedAccess() {
    return code == ErrorCode.UNAUTHENTICATED || code == ErrorCode.PERMISSION_DENIED;
  }

  /** Whether the request may have taken effect: a retry outside a session could apply it twice. */
  public boolean outcomeUnknown() {
    return code == ErrorCode.UNKNOWN_OUTCOME || code == ErrorCode.TIMEOUT;
  }
}
