package io.raftd.bench;

import java.util.List;

/** Three members of one system on loopback, as the side-by-side comparison starts, samples and stops them. */
interface BenchCluster extends AutoCloseable {
  /** The members' process ids: their CPU is the server CPU. */
  List<Long> pids();

  /** The addresses a client of this system is given ("127.0.0.1:PORT"), the leader's first. */
  List<String> clientEndpoints();

  /** The leader's WAL counters now. */
  WalCounters leaderWal() throws Exception;

  /** Who leads, in which term where the system says: the same before and after a step, or the step is marked. */
  String leadership() throws Exception;

  /** Where the members' data and logs are, and their pids. */
  String describe();

  /** The last lines of every member's log, after a failure. */
  String tails();

  /** Stops every member process this cluster started, by its pid. */
  @Override
  void close();

  /** Counters of the leader's WAL since it started: fsyncs, and the entries they made durable. */
  record WalCounters(long fsyncs, long entries) {}
}
