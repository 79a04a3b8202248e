package io.raftd.raft.tracker;

import io.raftd.proto.Configuration;
import io.raftd.raft.quorum.Quorum;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.LongConsumer;

/**
 * The configuration in force and, on a leader, the progress of every member; on a candidate, the votes
 * received. Maps are ordered by member id so that iteration, and so every message order, is the same
 * in every JVM (a seed must replay exactly).
 */
public final class ProgressTracker {
  private final int maxInflight;
  private Configuration configuration;
  private long[] voters;
  private long[] outgoingVoters;
  /** Every voter of either half, and every voter and learner, once each in id order: derived in setConfiguration. */
  private long[] allVoters;
  private long[] allMembers;
  private final TreeMap<Long, Progress> progress = new TreeMap<>();
  private final TreeMap<Long, Boolean> votes = new TreeMap<>();

  public ProgressTracker(Configuration configuration, int maxInflight) {
    this.maxInflight = maxInflight;
    setConfiguration(configuration, 0);
  }

  /**
   * Puts {@code configuration} in force. On a leader (progress tracked), new members start probing at
   * {@code lastIndex + 1} and members no longer in it are forgotten.
   */
  public void setConfiguration(Configuration configuration, long lastIndex) {
    this.configuration = configuration;
    this.voters = sorted(configuration.getVotersList().stream().mapToLong(Long::longValue).toArray());
    this.outgoingVoters = sorted(configuration.getOutgoingVotersList().stream().mapToLong(Long::longValue).toArray());
    this.allVoters = toArray(members(false));
    this.allMembers = toArray(members(true));
    if (!progress.isEmpty()) {
      TreeSet<Long> members = members(true);
      progress.keySet().retainAll(members);
      members.forEach(id -> progress.putIfAbsent(id, new Progress(lastIndex + 1, maxInflight)));
    }
  }

  /** The voters of the incoming half (all voters when not joint), sorted. */
  public long[] voters() {
    return voters.clone();
  }

  /** The voters of the outgoing half while joint, else empty; sorted. */
  public long[] outgoingVoters() {
    return outgoingVoters.clone();
  }

  private static long[] sorted(long[] ids) {
    java.util.Arrays.sort(ids);
    return ids;
  }

  public Configuration configuration() {
    return configuration;
  }

  /** True if {@code id} votes in the current configuration (either half of a joint one). */
  public boolean isVoter(long id) {
    return contains(voters, id) || contains(outgoingVoters, id);
  }

  /** True if {@code id} is a voter or learner of the current configuration. */
  public boolean isMember(long id) {
    return isVoter(id) || configuration.getLearnersList().contains(id);
  }

  private static boolean contains(long[] sortedIds, long id) {
    return java.util.Arrays.binarySearch(sortedIds, id) >= 0;
  }

  /** Starts leadership: every member's next index is the leader's last index + 1, nothing matched. */
  public void resetProgress(long lastIndex) {
    progress.clear();
    forEachMember(id -> progress.put(id, new Progress(lastIndex + 1, maxInflight)));
  }

  /** Every voter (of either half) and learner, once each, in id order. */
  public void forEachMember(LongConsumer action) {
    for (long id : allMembers) {
      action.accept(id);
    }
  }

  private static long[] toArray(TreeSet<Long> ids) {
    return ids.stream().mapToLong(Long::longValue).toArray();
  }

  private TreeSet<Long> members(boolean withLearners) {
    TreeSet<Long> all = new TreeSet<>();
    for (long v : voters) {
      all.add(v);
    }
    for (long v : outgoingVoters) {
      all.add(v);
    }
    if (withLearners) {
      all.addAll(configuration.getLearnersList());
    }
    return all;
  }

  public Progress progress(long id) {
    return progress.get(id);
  }

  public Map<Long, Progress> progressMap() {
    return progress;
  }

  /** The index a (joint) majority of voters has matched. */
  public long committedIndex() {
    return quorumIndex(id -> {
      Progress p = progress.get(id);
      return p == null ? 0 : p.match();
    });
  }

  /** The highest value that a (joint) majority of voters has reached, given each voter's value. */
  public long quorumIndex(java.util.function.LongUnaryOperator valueOf) {
    return Quorum.committedIndex(voters, outgoingVoters, valueOf);
  }

  /** True if a (joint) majority of voters was recently active; {@code self} always counts. */
  public boolean quorumActive(long self) {
    return Quorum.isActive(voters, outgoingVoters, id -> {
      if (id == self) {
        return true;
      }
      Progress p = progress.get(id);
      return p != null && p.recentActive();
    });
  }

  public void resetRecentActive() {
    progress.values().forEach(p -> p.setRecentActive(false));
  }

  public void resetVotes() {
    votes.clear();
  }

  /** Records a vote; a second answer from the same voter does not change the first. */
  public void recordVote(long id, boolean granted) {
    votes.putIfAbsent(id, granted);
  }

  public Quorum.VoteResult tallyVotes() {
    return Quorum.voteResult(voters, outgoingVoters, votes::get);
  }

  /** Votes granted so far in this election, among the voters of either half. */
  public int votesGranted() {
    int granted = 0;
    for (long voter : allVoters) {
      if (Boolean.TRUE.equals(votes.get(voter))) {
        granted++;
      }
    }
    return granted;
  }

  /** The voters to ask for votes: every voter of either half, in id order. */
  public long[] allVoters() {
    return allVoters.clone();
  }
}
