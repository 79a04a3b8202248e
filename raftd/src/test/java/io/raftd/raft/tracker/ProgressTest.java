package io.raftd.raft.tracker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ProgressTest {

  /** A follower known to match up to {@code match}, in replicate state. */
  private static Progress replicating(long match, int window) {
    Progress p = new Progress(match + 1, window);
    p.maybeUpdate(match);
    p.becomeReplicate();
    return p;
  }

  @Test
  void newProgressProbesFromTheGivenNextIndex() {
    Progress p = new Progress(6, 4);
    assertEquals(Progress.State.PROBE, p.state());
    assertEquals(0, p.match());
    assertEquals(6, p.next());
    assertFalse(p.isPaused());
  }

  @Test
  void maybeUpdateAdvancesMatchAndNextAndRejectsStaleAcks() {
    Progress p = new Progress(3, 4);
    assertTrue(p.maybeUpdate(5));
    assertEquals(5, p.match());
    assertEquals(6, p.next());
    assertFalse(p.maybeUpdate(4), "stale");
    assertFalse(p.maybeUpdate(5), "already known");
    assertEquals(5, p.match());
    assertEquals(6, p.next());
  }

  @Test
  void probeSendsOneAppendEntriesAtATime() {
    Progress p = new Progress(3, 4);
    p.sentEntries(5, 3);
    assertTrue(p.isPaused());
    assertEquals(3, p.next(), "a probe does not advance next");
    p.onHeartbeatResponse();
    assertFalse(p.isPaused(), "a heartbeat response allows the next probe");
    p.sentEntries(5, 3);
    p.maybeUpdate(5);
    assertFalse(p.isPaused(), "so does a success");
  }

  @Test
  void probeCountsOnlyTheRejectionOfTheIndexJustProbed() {
    Progress p = new Progress(6, 4);  // probing with prev 5
    p.sentEntries(5, 0);
    assertFalse(p.maybeDecrTo(4, 2), "an answer to an older probe");
    assertEquals(6, p.next());
    assertTrue(p.isPaused());

    assertTrue(p.maybeDecrTo(5, 3));
    assertEquals(3, p.next(), "the hint");
    assertFalse(p.isPaused());
  }

  @Test
  void probeNeverBacksUpPastMatchNorPastTheRejectedIndex() {
    Progress p = new Progress(8, 4);
    p.maybeUpdate(4);
    assertEquals(8, p.next());
    assertTrue(p.maybeDecrTo(7, 1));
    assertEquals(5, p.next(), "not below match + 1");

    Progress q = new Progress(8, 4);
    assertTrue(q.maybeDecrTo(7, 20));
    assertEquals(7, q.next(), "not above the rejected index");
  }

  @Test
  void replicateAdvancesNextOptimisticallyWithinTheWindow() {
    Progress p = replicating(2, 2);
    p.sentEntries(4, 2);
    assertEquals(5, p.next());
    assertFalse(p.isPaused());
    p.sentEntries(6, 2);
    assertEquals(7, p.next());
    assertTrue(p.isPaused(), "window of 2 full");
    p.inflights().freeLE(4);
    assertFalse(p.isPaused());
    assertEquals(1, p.inflights().count());
  }

  @Test
  void replicateIgnoresRejectionsAtOrBelowMatch() {
    Progress p = replicating(5, 4);
    p.sentEntries(8, 3);
    assertFalse(p.maybeDecrTo(5, 1));
    assertFalse(p.maybeDecrTo(3, 1));
    assertEquals(9, p.next());

    assertTrue(p.maybeDecrTo(6, 1));
    assertEquals(6, p.next(), "back to match + 1, whatever the hint");
  }

  @Test
  void becomingProbeOrReplicateRestartsAfterMatchWithAnEmptyWindow() {
    Progress p = replicating(3, 2);
    p.sentEntries(5, 2);
    p.sentEntries(7, 2);
    p.becomeProbe();
    assertEquals(Progress.State.PROBE, p.state());
    assertEquals(4, p.next());
    assertEquals(0, p.inflights().count());
    assertFalse(p.isPaused());

    p.sentEntries(7, 4);
    p.becomeReplicate();
    assertEquals(Progress.State.REPLICATE, p.state());
    assertEquals(4, p.next());
    assertFalse(p.isPaused());
  }

  @Test
  void inflightsFreeEveryMessageAtOrBelowAnAcknowledgedIndex() {
    Inflights w = new Inflights(3);
    w.add(2);
    w.add(4);
    w.add(6);
    assertTrue(w.full());
    assertThrows(IllegalStateException.class, () -> w.add(8));
    w.freeLE(3);
    assertEquals(2, w.count());
    w.freeLE(6);
    assertEquals(0, w.count());
    w.add(8);  // the ring wraps around
    w.add(9);
    w.add(10);
    assertTrue(w.full());
    w.reset();
    assertEquals(0, w.count());
  }

  @Test
  void inflightWindowHoldsAtLeastOneMessage() {
    assertThrows(IllegalArgumentException.class, () -> new Inflights(0));
  }
}
