package io.raftd.client;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Members that recently took a whole attempt without answering (a process stopped by SIGSTOP or a long GC
 * pause, a hung disk, a partition): the client tries them last for a while, and does not follow a redirect
 * to one, so that a member that hangs costs one attempt, not every attempt. Its TCP port still accepts
 * connections (the kernel does), so only a timeout tells it apart from a live one. Thread-safe.
 */
final class HungMembers {
  /** Long enough to ride out an election and a GC pause; short enough that a member back in service is used again. */
  static final long REMEMBER_NANOS = TimeUnit.SECONDS.toNanos(30);

  private final Map<String, Long> until = new ConcurrentHashMap<>();

  void hung(String address) {
    until.put(address, System.nanoTime() + REMEMBER_NANOS);
  }

  /** It answered: it is not hung (any more). */
  void answered(String address) {
    until.remove(address);
  }

  boolean isHung(String address) {
    Long t = until.get(address);
    if (t == null) {
      return false;
    }
    if (System.nanoTime() - t > 0) {
      until.remove(address, t);
      return false;
    }
    return true;
  }

  /** {@code addresses} in their order, those hung moved to the end. */
  List<String> lastIfHung(List<String> addresses) {
    List<String> ordered = new ArrayList<>();
    List<String> hung = new ArrayList<>();
    for (String a : addresses) {
      if (!ordered.contains(a) && !hung.contains(a)) {
        (isHung(a) ? hung : ordered).add(a);
      }
    }
    ordered.addAll(hung);
    return ordered;
  }
}
