package io.raftd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class PendingSequenceTest {
  @Test
  void lowestPendingIsTheNextNumberWhenNothingIsPendingAndTheSmallestPendingOtherwise() {
    PendingSequence s = new PendingSequence();
    assertEquals(1, s.lowestPending());
    long a = s.begin();
    long b = s.begin();
    assertEquals(1, a);
    assertEquals(2, b);
    assertEquals(1, s.lowestPending());
    s.end(a);
    assertEquals(2, s.lowestPending());
    s.end(b);
    assertEquals(3, s.lowestPending());
    long c = s.begin();
    long d = s.begin();
    s.end(d);
    assertEquals(c, s.lowestPending(), "a later number's answer does not release an earlier one");
  }

  /**
   * The regression behind ExactlyOnceIT's "below the session's lowest pending" failure. Four threads race
   * as Session.write does: take a number, report the lowest pending with it, end. Like the cluster, the test
   * keeps the highest lowest-pending ever reported; a request whose number is below it at sending would be
   * answered "stale". A number handed out before it is marked pending shows up here within a few thousand
   * rounds (checked against that broken variant).
   */
  @Test
  void noRequestIsSentWithANumberTheClusterWasToldToForget() throws Exception {
    PendingSequence s = new PendingSequence();
    AtomicLong forgottenBelow = new AtomicLong();
    AtomicLong violations = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < 4; t++) {
      Thread th = new Thread(() -> {
        for (int i = 0; i < 200_000; i++) {
          long seq = s.begin();
          if (forgottenBelow.accumulateAndGet(s.lowestPending(), Math::max) > seq) {
            violations.incrementAndGet();
          }
          s.end(seq);
        }
      });
      threads.add(th);
      th.start();
    }
    for (Thread th : threads) {
      th.join();
    }
    assertEquals(0, violations.get());
    assertEquals(800_001, s.lowestPending());
  }
}
