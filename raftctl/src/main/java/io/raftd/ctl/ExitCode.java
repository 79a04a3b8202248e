package io.raftd.ctl;

import io.raftd.client.RaftdException;

/** raftctl's exit codes (listed in {@code --help} by {@link Raftctl}): scripts branch on them, so they never change meaning. */
final class ExitCode {
  static final int OK = 0;
  static final int FAILURE = 1;
  static final int USAGE = 2;
  static final int NOT_FOUND = 3;
  /** No leader, no quorum, or no member reachable: trying again later may work. */
  static final int UNAVAILABLE = 4;
  /** No valid token (UNAUTHENTICATED), or one whose role does not allow the request (PERMISSION_DENIED). */
  static final int AUTH = 5;
  /** A write may or may not have applied. */
  static final int OUTCOME_UNKNOWN = 6;

  private ExitCode() {}

  /** The code's name in JSON error documents ({@code "error": {"code": ...}}); part of the JSON contract. */
  static String name(int exitCode) {
    return switch (exitCode) {
      case OK -> "ok";
      case FAILURE -> "failure";
      case USAGE -> "usage";
      case NOT_FOUND -> "not_found";
      case UNAVAILABLE -> "unavailable";
      case AUTH -> "auth";
      case OUTCOME_UNKNOWN -> "outcome_unknown";
      default -> "exit_" + exitCode;
    };
  }

  /** What a failed request means for a script. */
  static int of(RaftdException e) {
    if (e.unreachable()) {
      return UNAVAILABLE;
    }
    return switch (e.code()) {
      case NOT_FOUND -> NOT_FOUND;
      case NOT_LEADER, NO_QUORUM, TIMEOUT -> UNAVAILABLE;
      case UNKNOWN_OUTCOME -> OUTCOME_UNKNOWN;
      case UNAUTHENTICATED, PERMISSION_DENIED -> AUTH;
      case INVALID_ARGUMENT -> USAGE;
      case REFUSED -> FAILURE;  // a membership change the cluster will not make as it stands: nothing proposed
      default -> FAILURE;
    };
  }
}
