package io.raftd.bench;

/**
 * What one step of one run measured: one system, in one ABBA pair.
 *
 * @param serverCpuS the members' utime + stime over the window, summed
 * @param clientCpuS the load generator's JVM's utime + stime over the window
 * @param fsyncs the leader's WAL fsyncs over the window
 * @param entries the entries those fsyncs made durable (raftd: fsynced entries; etcd: proposals committed)
 * @param note empty, or what makes the step suspect (leadership changed, calls stuck)
 */
record StepResult(String system, int pair, Step step, double seconds, Latencies latencies, long errors, double serverCpuS,
    double clientCpuS, long fsyncs, long entries, String note) {
  double opsPerSecond() {
    return latencies.count() / seconds;
  }

  double serverCpuMicrosPerOp() {
    return serverCpuS * 1e6 / latencies.count();
  }

  double clientCpuMicrosPerOp() {
    return clientCpuS * 1e6 / latencies.count();
  }

  /** NaN where nothing was fsynced (reads). */
  double entriesPerFsync() {
    return fsyncs == 0 ? Double.NaN : entries / (double) fsyncs;
  }
}
