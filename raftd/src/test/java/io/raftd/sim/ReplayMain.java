package io.raftd.sim;

import java.util.function.UnaryOperator;

/**
 * Replays schedules in this JVM and prints one line per seed, {@code seed digest outcome}: what a fresh
 * JVM must reproduce exactly. Usage: {@code java -cp <test classpath> io.raftd.sim.ReplayMain SEED...}.
 */
public final class ReplayMain {
  private ReplayMain() {}

  public static void main(String[] args) {
    for (String arg : args) {
      System.out.println(replay(Long.parseLong(arg)));
    }
  }

  /** Runs one schedule; the line names its seed, final digest and whether it passed. */
  static String replay(long seed) {
    Simulation sim = Simulation.random(seed, UnaryOperator.identity());
    String outcome;
    try {
      sim.run();
      outcome = "passed";
    } catch (RuntimeException | AssertionError e) {
      outcome = "failed";
    }
    return seed + " " + Long.toHexString(sim.digest()) + " " + outcome;
  }
}
