package io.raftd.raft.quorum;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.raft.quorum.Quorum.VoteResult;
import java.util.Map;
import org.junit.jupiter.api.Test;

class QuorumTest {
  private static final long[] NONE = {};
  private static final long[] THREE = {1, 2, 3};

  private static Quorum.Votes votes(Map<Long, Boolean> votes) {
    return votes::get;
  }

  @Test
  void committedIndexIsTheHighestIndexAMajorityHolds() {
    Map<Long, Long> match = Map.of(1L, 5L, 2L, 3L, 3L, 1L, 4L, 4L, 5L, 2L);
    assertEquals(3, Quorum.committedIndex(THREE, match::get), "3 of {5, 3, 1}");
    assertEquals(3, Quorum.committedIndex(new long[] {1, 2, 3, 4}, match::get), "3 of 4 hold 3");
    assertEquals(3, Quorum.committedIndex(new long[] {1, 2, 3, 4, 5}, match::get), "3 of 5 hold 3");
    assertEquals(5, Quorum.committedIndex(new long[] {1}, match::get));
  }

  @Test
  void emptyVoterSetNeverLimitsCommit() {
    assertEquals(Long.MAX_VALUE, Quorum.committedIndex(NONE, id -> 0));
    assertEquals(2, Quorum.committedIndex(THREE, NONE, id -> id), "an empty outgoing half agrees");
  }

  @Test
  void jointCommittedIndexNeedsBothMajorities() {
    Map<Long, Long> match = Map.of(1L, 9L, 2L, 9L, 3L, 1L, 4L, 2L, 5L, 2L);
    long[] incoming = {1, 2, 3};
    long[] outgoing = {3, 4, 5};
    assertEquals(9, Quorum.committedIndex(incoming, match::get));
    assertEquals(2, Quorum.committedIndex(outgoing, match::get));
    assertEquals(2, Quorum.committedIndex(incoming, outgoing, match::get));
  }

  @Test
  void voteResultCountsGrantsRejectionsAndMissingAnswers() {
    assertEquals(VoteResult.WON, Quorum.voteResult(THREE, votes(Map.of(1L, true, 2L, true))));
    assertEquals(VoteResult.PENDING, Quorum.voteResult(THREE, votes(Map.of(1L, true))));
    assertEquals(VoteResult.PENDING, Quorum.voteResult(THREE, votes(Map.of(1L, true, 2L, false))));
    assertEquals(VoteResult.LOST, Quorum.voteResult(THREE, votes(Map.of(1L, true, 2L, false, 3L, false))));
    assertEquals(VoteResult.LOST, Quorum.voteResult(new long[] {1, 2, 3, 4},
        votes(Map.of(1L, true, 2L, false, 3L, false))), "2 of 4 is no majority");
    assertEquals(VoteResult.WON, Quorum.voteResult(NONE, votes(Map.of())));
  }

  @Test
  void jointVoteNeedsBothHalves() {
    long[] incoming = {1, 2, 3};
    long[] outgoing = {3, 4, 5};
    assertEquals(VoteResult.WON, Quorum.voteResult(incoming, outgoing,
        votes(Map.of(1L, true, 2L, true, 3L, true, 4L, true))));
    assertEquals(VoteResult.PENDING, Quorum.voteResult(incoming, outgoing,
        votes(Map.of(1L, true, 2L, true))), "won the incoming half only");
    assertEquals(VoteResult.LOST, Quorum.voteResult(incoming, outgoing,
        votes(Map.of(1L, true, 2L, true, 4L, false, 5L, false))), "lost the outgoing half");
    assertEquals(VoteResult.WON, Quorum.voteResult(incoming, NONE, votes(Map.of(1L, true, 2L, true))));
  }

  @Test
  void isActiveNeedsAJointMajority() {
    assertTrue(Quorum.isActive(THREE, NONE, id -> id <= 2));
    assertFalse(Quorum.isActive(THREE, NONE, id -> id == 1));
    assertFalse(Quorum.isActive(new long[] {1, 2, 3}, new long[] {3, 4, 5}, id -> id <= 2));
    assertTrue(Quorum.isActive(new long[] {1, 2, 3}, new long[] {3, 4, 5}, id -> id >= 2 && id <= 4));
  }
}
