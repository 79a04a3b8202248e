package io.raftd.sim;

import io.raftd.raft.Config;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;

/**
 * Runs many schedules on worker threads (each schedule is single-threaded and independent) and adds up
 * what they did. Schedule i of a batch runs seed {@code baseSeed + i}; a failure reports its seed, fault
 * mix, the events before it and the command that replays it.
 */
final class SimBatch {
  /** A schedule that broke an invariant or threw. */
  record Failure(long seed, String report) {}

  final ScheduleStats total = new ScheduleStats();
  final List<Failure> failures = Collections.synchronizedList(new ArrayList<>());
  /** seed → digest, for the replay check. */
  final long[] digests;
  final long baseSeed;
  long elapsedMs;

  private SimBatch(long baseSeed, int schedules) {
    this.baseSeed = baseSeed;
    this.digests = new long[schedules];
  }

  static SimBatch run(long baseSeed, int schedules, int threads, boolean stopAtFirstFailure,
      UnaryOperator<Config> configure) {
    return run(baseSeed, schedules, threads, stopAtFirstFailure, configure, Simulation.HostBug.NONE);
  }

  static SimBatch run(long baseSeed, int schedules, int threads, boolean stopAtFirstFailure,
      UnaryOperator<Config> configure, Simulation.HostBug hostBug) {
    SimBatch batch = new SimBatch(baseSeed, schedules);
    AtomicInteger nextIndex = new AtomicInteger();
    long start = System.nanoTime();
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      Thread w = new Thread(() -> {
        ScheduleStats mine = new ScheduleStats();
        int i;
        while ((i = nextIndex.getAndIncrement()) < schedules) {
          if (stopAtFirstFailure && !batch.failures.isEmpty()) {
            break;
          }
          long seed = baseSeed + i;
          Simulation sim = Simulation.random(seed, configure).withHostBug(hostBug);
          try {
            mine.add(sim.run());
          } catch (RuntimeException | AssertionError e) {
            batch.failures.add(new Failure(seed, report(sim, e)));
          }
          batch.digests[i] = sim.digest();
        }
        synchronized (batch.total) {
          batch.total.add(mine);
        }
      }, "sim-" + t);
      workers.add(w);
      w.start();
    }
    for (Thread w : workers) {
      try {
        w.join();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while waiting for simulator workers", e);
      }
    }
    batch.elapsedMs = (System.nanoTime() - start) / 1_000_000;
    return batch;
  }

  /** The first failing schedule of a search: how many schedules it took (0 if none failed). */
  record Caught(int schedules, long seed, String firstLine) {}

  /**
   * Runs schedules from {@code baseSeed} on {@code threads} workers until one fails or {@code max} passed.
   * Every schedule below the first failure has run, so the count is exact whatever the threads did.
   */
  static Caught firstFailure(long baseSeed, int max, int threads, UnaryOperator<Config> configure,
      Simulation.HostBug hostBug) {
    SimBatch batch = run(baseSeed, max, threads, true, configure, hostBug);
    return batch.failures.stream()
        .min(java.util.Comparator.comparingLong(Failure::seed))
        .map(f -> new Caught((int) (f.seed() - baseSeed + 1), f.seed(), f.report().lines().findFirst().orElse("")))
        .orElse(new Caught(0, 0, "not caught"));
  }

  static String report(Simulation sim, Throwable e) {
    java.io.StringWriter where = new java.io.StringWriter();
    if (!(e instanceof Invariants.Violation)) {
      e.printStackTrace(new java.io.PrintWriter(where));
    }
    return "seed " + sim.seed() + " failed at t=" + sim.queue().now() + "ms: " + e.getMessage() + "\n"
        + "  fault mix: " + sim.mix().summary() + "\n"
        + "  members:\n" + sim.describeNodes()
        + "  last events:\n" + sim.trace()
        + where
        + "  replay: " + replayCommand(sim.seed());
  }

  static String replayCommand(long seed) {
    String sizes = System.getProperty("sim.sizes");
    return "mvn -B -q install -DskipTests && mvn -B -pl raftd test -Dtest=SimulationTest -Dsim.seed=" + seed
        + (sizes == null ? "" : " -Dsim.sizes=" + sizes);
  }

  /** Writes one line per schedule, {@code seed digest}, and returns where. */
  Path writeDigests(Path file) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < digests.length; i++) {
      sb.append(baseSeed + i).append(' ').append(Long.toHexString(digests[i])).append('\n');
    }
    Files.createDirectories(file.toAbsolutePath().getParent());
    Files.writeString(file, sb);
    return file.toAbsolutePath();
  }

  /** The one summary line CI prints. */
  String summary() {
    ScheduleStats s = total;
    double perSecond = elapsedMs == 0 ? 0 : s.events * 1000.0 / elapsedMs;
    return String.format("sim: %d schedules, %d events (%.0f events/s), faults: %d crashes, %d partitions,"
            + " %d dropped, %d duplicated, %d long delays; elections %d, commits %d, acknowledged %d;"
            + " leader crashes with unsynced entries %d, crashes losing unsynced data %d, WAL torn tails recovered %d,"
            + " truncations %d,"
            + " windows filled %d, stale-term freed %d, overwritten writes reported durable %d;"
            + " reads checked %d (on followers %d, waited for a new leader's commit %d, failed %d);"
            + " snapshots taken %d, installed %d, stale ignored %d; transfers completed %d, aborted %d;"
            + " membership changes %d, joint entered %d, left %d (auto-left by a new leader %d),"
            + " learner promotions %d (once caught up %d), leader removals %d, members removed %d;"
            + " WAL repairs %d (vote barriers lifted %d, votes withheld %d, campaigns withheld %d);"
            + " segments lost %d (restarts refused %d, accepted %d); violations: %d",
        s.schedules, s.events, perSecond, s.crashes, s.partitions, s.dropped, s.duplicated, s.delayedLong,
        s.elections, s.commits, s.acknowledged, s.leaderCrashesWithUnsyncedEntries, s.crashesLosingUnsyncedData, s.walTornTails,
        s.truncations, s.windowsFilled, s.staleTermFreed, s.persistedIgnored,
        s.readsChecked, s.followerReadsChecked, s.readsWaitedForCommit, s.readsFailed,
        s.snapshotsTaken, s.snapshotsInstalled, s.staleSnapshotsIgnored, s.transfersCompleted, s.transfersAborted,
        s.membershipChangesProposed, s.jointEntered, s.jointLeft, s.autoLeavesByNewLeader, s.learnerPromotions,
        s.autoPromotions, s.leaderRemovals, s.membersRemoved, s.repairs, s.barriersLifted, s.votesBarred, s.campaignsBarred,
        s.segmentsLost, s.restartsRefused, s.segmentLossesAccepted, failures.size());
  }
}
