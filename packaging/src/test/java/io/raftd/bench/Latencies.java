package io.raftd.bench;

import java.util.Arrays;

/** The latencies of one measured window, sorted, and their percentiles by the nearest-rank method. */
final class Latencies {
  private final long[] sortedNanos;

  Latencies(long[] nanos) {
    this.sortedNanos = nanos.clone();
    Arrays.sort(sortedNanos);
  }

  int count() {
    return sortedNanos.length;
  }

  /**
   * The smallest latency that at least {@code q} (0 < q ≤ 1) of the operations did not exceed, in milliseconds;
   * NaN for no operations. Nearest rank, not interpolated: p99.9 of 1,000 operations is the slowest.
   */
  double millis(double q) {
    if (sortedNanos.length == 0) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(q * sortedNanos.length);
    return sortedNanos[Math.max(0, Math.min(sortedNanos.length, rank) - 1)] / 1e6;
  }
}
