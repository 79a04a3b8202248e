package io.raftd.raft;

import java.util.function.UnaryOperator;

/**
 * Test-only access to the core's deliberate bugs ({@link BrokenVariant}), so tests in other packages (the
 * simulator) can prove their checks catch them.
 */
public final class BrokenVariants {
  private BrokenVariants() {}

  /** A config transformer that switches on the named bug. */
  public static UnaryOperator<Config> enable(String variant) {
    BrokenVariant v = BrokenVariant.valueOf(variant);
    return c -> c.withBrokenVariant(v);
  }
}
