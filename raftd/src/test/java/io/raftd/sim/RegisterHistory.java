package io.raftd.sim;

import java.util.ArrayList;
import java.util.List;

/**
 * What the host simulator's register clients did: for each key, its one sequential writer's writes (each
 * value one more than the last) and every read that returned. Each key's values rise and apply in the order
 * written, so a linearizable read sees at least every value acknowledged before it began, at least what
 * any read that ended before it began saw, at most the last value written before it ended, and never a
 * refused one: {@link #check} holds the history to that.
 */
final class RegisterHistory {
  private static final long MS = 1_000_000;

  enum Outcome { ACKNOWLEDGED, MAYBE, REFUSED }

  /** A write of one value: when it began and ended (never, while under way), and how. */
  static final class Write {
    final long value;
    final long invoked;
    long ended = Long.MAX_VALUE;
    Outcome outcome = Outcome.MAYBE;

    private Write(long value, long invoked) {
      this.value = value;
      this.invoked = invoked;
    }

    /** Ends it, at {@code now}, as {@code outcome}. */
    void end(long now, Outcome outcome) {
      this.ended = now;
      this.outcome = outcome;
    }
  }

  /** A read that returned: its key, when it began and ended, the value seen (0: none), where. */
  private record Read(int key, long invoked, long ended, long value, int member) {}

  private final List<List<Write>> writes = new ArrayList<>();
  private final List<Read> reads = new ArrayList<>();

  RegisterHistory(int keys) {
    for (int k = 0; k < keys; k++) {
      writes.add(new ArrayList<>());
    }
  }

  /** The writer of {@code key} begins writing its next value at {@code now}. */
  Write write(int key, long now) {
    List<Write> history = writes.get(key);
    Write w = new Write(history.size() + 1, now);
    history.add(w);
    return w;
  }

  /** A read of {@code key} at {@code member}, begun at {@code invoked}, returned {@code value} at {@code ended}. */
  void read(int key, long invoked, long ended, long value, int member) {
    reads.add(new Read(key, invoked, ended, value, member));
  }

  /** The highest value of {@code key} acknowledged (0 if none). */
  long lastAcknowledged(int key) {
    return writes.get(key).stream().filter(w -> w.outcome == Outcome.ACKNOWLEDGED).mapToLong(w -> w.value).max()
        .orElse(0);
  }

  /** Whether a write begun after {@code time} was acknowledged. */
  boolean acknowledgedAfter(long time) {
    return writes.stream().flatMap(List::stream).anyMatch(w -> w.outcome == Outcome.ACKNOWLEDGED && w.invoked > time);
  }

  int writeCount() {
    return writes.stream().mapToInt(List::size).sum();
  }

  int readCount() {
    return reads.size();
  }

  /** A digest of every write's and read's outcome and times: equal only if the histories are. */
  long digest() {
    long h = 17;
    for (List<Write> history : writes) {
      for (Write w : history) {
        h = h * 31 + w.value * 7 + w.outcome.ordinal();
        h = h * 31 + w.ended;
      }
    }
    for (Read r : reads) {
      h = h * 31 + r.value * 5 + r.member;
      h = h * 31 + r.ended;
    }
    return h;
  }

  /** Adds a line to {@code violations} for each read the history does not allow. */
  void check(List<String> violations) {
    List<Read> byEnd = new ArrayList<>(reads);
    byEnd.sort((a, b) -> Long.compare(a.ended, b.ended));
    for (int k = 0; k < writes.size(); k++) {
      int key = k;
      List<Write> history = writes.get(k);
      // The writer is sequential: its writes' invocations and ends rise with their values.
      long[] ends = history.stream().mapToLong(w -> w.ended).toArray();
      long[] invocations = history.stream().mapToLong(w -> w.invoked).toArray();
      long[] acknowledgedUpTo = new long[history.size()];
      for (int i = 0; i < history.size(); i++) {
        boolean acknowledged = history.get(i).outcome == Outcome.ACKNOWLEDGED;
        acknowledgedUpTo[i] = Math.max(i == 0 ? 0 : acknowledgedUpTo[i - 1], acknowledged ? history.get(i).value : 0);
      }
      List<Read> keyReads = byEnd.stream().filter(r -> r.key == key).toList();
      long[] readEnds = keyReads.stream().mapToLong(Read::ended).toArray();
      long[] seenUpTo = new long[keyReads.size()];
      for (int i = 0; i < keyReads.size(); i++) {
        seenUpTo[i] = Math.max(i == 0 ? 0 : seenUpTo[i - 1], keyReads.get(i).value);
      }
      for (Read r : keyReads) {
        int endedBefore = countBelow(ends, r.invoked);
        long acknowledgedBefore = endedBefore == 0 ? 0 : acknowledgedUpTo[endedBefore - 1];
        long invokedBefore = countBelow(invocations, r.ended);
        int readsBefore = countBelow(readEnds, r.invoked);
        long seenBefore = readsBefore == 0 ? 0 : seenUpTo[readsBefore - 1];
        String read = "read of k" + k + " at member " + r.member + " in [" + r.invoked / MS + ", " + r.ended / MS
            + "] ms saw " + r.value;
        if (r.value < acknowledgedBefore) {
          violations.add("stale " + read + ": " + acknowledgedBefore + " was acknowledged before it began");
        } else if (r.value < seenBefore) {
          violations.add("stale " + read + ": a read that ended before it began saw " + seenBefore);
        } else if (r.value > invokedBefore) {
          violations.add(read + ", which was not yet written");
        } else if (r.value > 0 && history.get((int) r.value - 1).outcome == Outcome.REFUSED) {
          violations.add(read + ", a value whose write was refused");
        }
      }
    }
  }

  /** How many of the rising {@code values} are below {@code limit}. */
  private static int countBelow(long[] values, long limit) {
    int lo = 0;
    int hi = values.length;
    while (lo < hi) {
      int mid = (lo + hi) >>> 1;
      if (values[mid] < limit) {
        lo = mid + 1;
      } else {
        hi = mid;
      }
    }
    return lo;
  }
}
