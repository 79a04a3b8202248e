package io.raftd.storage;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * The counts of the WAL durability suite, shared by its test classes, and the one summary line it prints:
 * {@code wal: C crash states, B bit flips, M missed}. Each class registers {@link Summary}; the line is
 * printed once, when the test engine closes its root context after the last class has run (so once per
 * test run, however many of the classes ran). A class fails on its own misses; the line reports them all.
 */
final class WalTally {
  private WalTally() {}

  static final AtomicLong CRASH_STATES = new AtomicLong();
  static final AtomicLong BIT_FLIPS = new AtomicLong();
  static final AtomicLong MISSED = new AtomicLong();

  /** A checker's own count, added to the shared one by {@link #add}; the harness self-tests keep theirs apart. */
  static final class Count {
    long crashStates;
    long bitFlips;
    final java.util.List<String> misses = new java.util.ArrayList<>();

    synchronized void miss(String what) {
      misses.add(what);
    }

    /** One crash state checked: {@code miss} is null if it held, else what went wrong. Thread-safe. */
    synchronized void crashState(String miss) {
      crashStates++;
      if (miss != null) {
        misses.add(miss);
      }
    }

    /** One bit flip checked, as {@link #crashState}. */
    synchronized void bitFlip(String miss) {
      bitFlips++;
      if (miss != null) {
        misses.add(miss);
      }
    }

    synchronized boolean missed() {
      return !misses.isEmpty();
    }

    /** The first few misses, for a failure message. */
    synchronized String firstMisses() {
      return misses.size() + " missed; first: " + String.join("\n  ", misses.subList(0, Math.min(8, misses.size())));
    }
  }

  static void add(Count c) {
    CRASH_STATES.addAndGet(c.crashStates);
    BIT_FLIPS.addAndGet(c.bitFlips);
    MISSED.addAndGet(c.misses.size());
  }

  static String line() {
    return "wal: " + CRASH_STATES.get() + " crash states, " + BIT_FLIPS.get() + " bit flips, " + MISSED.get() + " missed";
  }

  /** Prints {@link #line()} once, when the engine's root context closes. */
  static final class Summary implements BeforeAllCallback {
    @Override
    public void beforeAll(ExtensionContext context) {
      context.getRoot().getStore(ExtensionContext.Namespace.create(WalTally.class))
          .getOrComputeIfAbsent(Printer.class, k -> new Printer(), Printer.class);
    }
  }

  private static final class Printer implements AutoCloseable {
    @Override
    public void close() {
      System.out.println(line());
    }
  }
}
