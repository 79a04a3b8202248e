package io.raftd.host;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * Fails a future that has not completed in time, through a lane's timer: {@link CompletableFuture#orTimeout}
 * would use a thread and a clock of the JDK's own, which the host simulator cannot replace.
 */
final class Deadline {
  private Deadline() {}

  /** {@code f}, failed with a {@link TimeoutException} if still incomplete after {@code timeout}. */
  static <T> CompletableFuture<T> within(Lane lane, Duration timeout, CompletableFuture<T> f) {
    Runnable cancel = lane.schedule(timeout.toNanos(), () -> f.completeExceptionally(
        new TimeoutException("no answer within " + timeout.toMillis() + " ms")));
    f.whenComplete((value, e) -> cancel.run());
    return f;
  }
}
