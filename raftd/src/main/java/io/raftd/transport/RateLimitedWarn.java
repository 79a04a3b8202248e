package io.raftd.transport;

import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;

/**
 * A WARN that goes out at most once a second, the next one saying how many were held back meanwhile (at
 * DEBUG): a flood of bad connections must not become a flood of log lines. Thread-safe.
 */
final class RateLimitedWarn {
  private static final long INTERVAL_NANOS = 1_000_000_000L;

  private final Logger log;
  private final AtomicLong last = new AtomicLong(System.nanoTime() - INTERVAL_NANOS);
  private final AtomicLong suppressed = new AtomicLong();

  RateLimitedWarn(Logger log) {
    this.log = log;
  }

  void warn(String message) {
    long now = System.nanoTime();
    long previous = last.get();
    if (now - previous >= INTERVAL_NANOS && last.compareAndSet(previous, now)) {
      long held = suppressed.getAndSet(0);
      log.warn("{}{}", message, held > 0 ? " (and " + held + " more since the last report)" : "");
    } else {
      suppressed.incrementAndGet();
      log.debug("{}", message);
    }
  }
}
