package io.raftd.auth;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Wrong tokens, by remote address: once {@code maxFailures} arrive within one lockout period, that
 * address's requests are refused unchecked for a lockout period, so tokens cannot be guessed at the port's
 * speed. Only wrong tokens count: a request with none guesses nothing. Thread-safe.
 */
public final class FailedAttempts {
  /** Addresses tracked before those whose period has passed are forgotten. */
  private static final int PRUNE_AT = 10_000;

  /** One address's failures in the period that began with the first of them; locked once they reach the most. */
  private record Tally(long since, int failures) {}

  private final int maxFailures;
  private final long lockoutNanos;
  private final LongSupplier nanoTime;
  private final Map<InetAddress, Tally> tallies = new ConcurrentHashMap<>();

  /**
   * @param maxFailures wrong tokens an address may send within {@code lockout} before it is locked out
   * @param lockout the period failures are counted over, and how long a lockout lasts
   * @param nanoTime the clock ({@link System#nanoTime} in production)
   */
  public FailedAttempts(int maxFailures, Duration lockout, LongSupplier nanoTime) {
    this.maxFailures = maxFailures;
    this.lockoutNanos = lockout.toNanos();
    this.nanoTime = nanoTime;
  }

  /** Whether requests from {@code from} are to be refused unchecked now. */
  boolean lockedOut(InetAddress from) {
    Tally t = tallies.get(from);
    return t != null && t.failures >= maxFailures && !expired(t, nanoTime.getAsLong());
  }

  /** A wrong token from {@code from}. */
  void failed(InetAddress from) {
    long now = nanoTime.getAsLong();
    if (tallies.size() >= PRUNE_AT) {
      tallies.values().removeIf(t -> expired(t, now));
    }
    tallies.merge(from, new Tally(now, 1), (old, one) -> {
      if (expired(old, now)) {
        return one;
      }
      int failures = old.failures + 1;
      // The lockout runs a whole period from the failure that reached the most, however late in its period.
      return new Tally(failures >= maxFailures ? now : old.since, failures);
    });
  }

  /** How long {@code from} stays locked out, in whole seconds (at least 1), for the message that says so. */
  long secondsLeft(InetAddress from) {
    Tally t = tallies.get(from);
    long left = t == null ? 0 : t.since + lockoutNanos - nanoTime.getAsLong();
    return Math.max(1, Duration.ofNanos(left).toSeconds());
  }

  private boolean expired(Tally t, long now) {
    return now - t.since >= lockoutNanos;
  }
}
