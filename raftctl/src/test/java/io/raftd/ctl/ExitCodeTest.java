package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftd.client.RaftdException;
import io.raftd.proto.ErrorCode;
import org.junit.jupiter.api.Test;

/** Every admin API error maps to the exit code a script branches on (the cluster tests cover the live ones). */
class ExitCodeTest {
  private static int of(ErrorCode code) {
    return ExitCode.of(new RaftdException(code, "x", null));
  }

  @Test
  void eachErrorCodeHasItsExitCode() {
    assertEquals(ExitCode.NOT_FOUND, of(ErrorCode.NOT_FOUND));
    assertEquals(ExitCode.UNAVAILABLE, of(ErrorCode.NOT_LEADER));
    assertEquals(ExitCode.UNAVAILABLE, of(ErrorCode.NO_QUORUM));
    assertEquals(ExitCode.UNAVAILABLE, of(ErrorCode.TIMEOUT));
    assertEquals(ExitCode.OUTCOME_UNKNOWN, of(ErrorCode.UNKNOWN_OUTCOME));
    assertEquals(ExitCode.AUTH, of(ErrorCode.UNAUTHENTICATED));
    assertEquals(ExitCode.USAGE, of(ErrorCode.INVALID_ARGUMENT));
    assertEquals(ExitCode.FAILURE, of(ErrorCode.REFUSED), "a membership change refused: nothing was proposed");
    for (ErrorCode c : new ErrorCode[] {ErrorCode.BUSY, ErrorCode.SESSION_EXPIRED, ErrorCode.NO_SPACE, ErrorCode.INTERNAL}) {
      assertEquals(ExitCode.FAILURE, of(c), c.name());
    }
  }
}
