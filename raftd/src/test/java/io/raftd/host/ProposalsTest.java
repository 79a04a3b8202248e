package io.raftd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.raftd.proto.ErrorCode;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * A deposed leader's proposals at or below the commit index wait for their entries to apply; when a
 * snapshot from the new leader is installed instead, those entries never apply here one by one. They once
 * waited for ever (issue 12, bug 5); now they end with an unknown outcome, and later ones keep waiting.
 */
class ProposalsTest {
  @Test
  void proposalsASnapshotCoversEndUnknownAndLaterOnesWait() {
    Proposals proposals = new Proposals();
    CompletableFuture<Proposals.Outcome> covered = proposals.register(5, 2);
    CompletableFuture<Proposals.Outcome> atTheSnapshot = proposals.register(10, 2);
    CompletableFuture<Proposals.Outcome> after = proposals.register(11, 2);

    proposals.snapshotInstalled(10);

    for (CompletableFuture<Proposals.Outcome> f : java.util.List.of(covered, atTheSnapshot)) {
      ExecutionException e = assertThrows(ExecutionException.class, f::get);
      Proposals.Failure failure = assertInstanceOf(Proposals.Failure.class, e.getCause());
      assertEquals(ErrorCode.UNKNOWN_OUTCOME, failure.code);
    }
    assertFalse(after.isDone(), "a proposal after the snapshot was ended");
  }
}
