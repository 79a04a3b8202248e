package io.raftd.ctl;

import io.raftd.client.RaftdException;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/** The requests of a bench that failed, counted by what failed them; the clients add to it concurrently. */
final class BenchErrors {
  /** Failures of one kind: its code in the admin API's words, how many, the last one's message and exit code. */
  record Kind(String code, long count, String lastMessage, int exitCode) {}

  /** What failed, most frequent kind first. */
  record Counts(long writes, long reads, List<Kind> kinds) {
    long total() {
      return writes + reads;
    }
  }

  private static final class Tally {
    final AtomicLong count = new AtomicLong();
    volatile String lastMessage;
    volatile int exitCode;
  }

  private final ConcurrentHashMap<String, Tally> byCode = new ConcurrentHashMap<>();
  private final LongAdder writes = new LongAdder();
  private final LongAdder reads = new LongAdder();

  void add(boolean read, RaftdException e) {
    add(read, e.unreachable() ? "unreachable" : e.code().name().toLowerCase(Locale.ROOT), Reasons.plain(e),
        ExitCode.of(e));
  }

  /** Anything else the client library threw: raftctl's or the library's bug, counted like the rest. */
  void addInternal(boolean read, RuntimeException e) {
    add(read, "internal", "internal error: " + Reasons.plain(e), ExitCode.FAILURE);
  }

  private void add(boolean read, String code, String message, int exitCode) {
    (read ? reads : writes).increment();
    Tally t = byCode.computeIfAbsent(code, c -> new Tally());
    t.lastMessage = message;
    t.exitCode = exitCode;
    t.count.incrementAndGet();
  }

  long total() {
    return writes.sum() + reads.sum();
  }

  Counts counts() {
    List<Kind> kinds = byCode.entrySet().stream()
        .map(e -> new Kind(e.getKey(), e.getValue().count.get(), e.getValue().lastMessage, e.getValue().exitCode))
        .sorted(Comparator.comparingLong(Kind::count).reversed().thenComparing(Kind::code)).toList();
    return new Counts(writes.sum(), reads.sum(), kinds);
  }
}
