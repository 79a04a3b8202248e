package io.raftd.raft.quorum;

import java.util.Arrays;
import java.util.function.LongUnaryOperator;

/**
 * Majority and joint-majority arithmetic (paper §5.3 for commit, §5.2 for votes, §6 for joint consensus),
 * as pure functions over sorted voter id arrays. While a configuration is joint, a decision needs a
 * majority of the incoming voters AND a majority of the outgoing voters; an empty outgoing set means
 * "not joint" and agrees with anything.
 */
public final class Quorum {
  private Quorum() {}

  /** The outcome of an election as far as the votes received so far tell. */
  public enum VoteResult { PENDING, LOST, WON }

  /** Votes as a voter sees them: granted, rejected or not yet answered. */
  public interface Votes {
    /** @return {@code Boolean.TRUE} granted, {@code Boolean.FALSE} rejected, {@code null} no answer yet. */
    Boolean voteOf(long voter);
  }

  /**
   * The highest index that a majority of {@code voters} has acknowledged, given each voter's match
   * index; {@code Long.MAX_VALUE} for an empty voter set so that it never limits a joint quorum.
   */
  public static long committedIndex(long[] voters, LongUnaryOperator matchOf) {
    if (voters.length == 0) {
      return Long.MAX_VALUE;
    }
    long[] matches = new long[voters.length];
    for (int i = 0; i < voters.length; i++) {
      matches[i] = matchOf.applyAsLong(voters[i]);
    }
    Arrays.sort(matches);
    // With n voters sorted ascending, the entry at n - (n/2 + 1) is held by at least n/2 + 1 of them.
    return matches[voters.length - (voters.length / 2 + 1)];
  }

  /** Joint commit index: the smaller of the two majorities' indexes. */
  public static long committedIndex(long[] incoming, long[] outgoing, LongUnaryOperator matchOf) {
    return Math.min(committedIndex(incoming, matchOf), committedIndex(outgoing, matchOf));
  }

  public static VoteResult voteResult(long[] voters, Votes votes) {
    if (voters.length == 0) {
      return VoteResult.WON;
    }
    int granted = 0;
    int missing = 0;
    for (long v : voters) {
      Boolean vote = votes.voteOf(v);
      if (vote == null) {
        missing++;
      } else if (vote) {
        granted++;
      }
    }
    int majority = voters.length / 2 + 1;
    if (granted >= majority) {
      return VoteResult.WON;
    }
    return granted + missing >= majority ? VoteResult.PENDING : VoteResult.LOST;
  }

  public static VoteResult voteResult(long[] incoming, long[] outgoing, Votes votes) {
    VoteResult a = voteResult(incoming, votes);
    VoteResult b = voteResult(outgoing, votes);
    if (a == b) {
      return a;
    }
    if (a == VoteResult.LOST || b == VoteResult.LOST) {
      return VoteResult.LOST;
    }
    return VoteResult.PENDING;
  }

  /** True if the members for which {@code active} holds form a (joint) majority. */
  public static boolean isActive(long[] incoming, long[] outgoing, java.util.function.LongPredicate active) {
    Votes asVotes = v -> active.test(v) ? Boolean.TRUE : Boolean.FALSE;
    return voteResult(incoming, outgoing, asVotes) == VoteResult.WON;
  }
}
