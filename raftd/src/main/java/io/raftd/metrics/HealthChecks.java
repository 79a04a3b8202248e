package io.raftd.metrics;

import io.raftd.proto.Member;
import io.raftd.proto.NodeStatus;
import java.util.List;

/**
 * Whether this member is alive and ready to serve, as {@code /livez}, {@code /readyz} and {@code /healthz}
 * report it: each check has a name, a verdict and one line saying why, for a load balancer, Kubernetes or
 * an operator. Nothing here waits on another member or on the RaftLoop.
 */
public final class HealthChecks {
  /** One check's verdict and why. */
  public record Check(String name, boolean healthy, String detail) {}

  /** The checks of one question (live? ready?), all of them. */
  public record Report(List<Check> checks) {
    public boolean healthy() {
      return checks.stream().allMatch(Check::healthy);
    }
  }

  /** What the checks read, beyond the status; any thread. */
  public interface Readings {
    NodeStatus status();

    /** Milliseconds since this member last heard from {@code member}. */
    long msSinceContact(long member);

    /** Milliseconds since the RaftLoop last ticked. */
    long msSinceTick();
  }

  private final Readings member;
  private final long leaderSilenceMs;
  private final long stuckLoopMs;
  private final long catchUpEntries;

  /**
   * @param leaderSilenceMs how long a follower may go without hearing from its leader and still be ready:
   *     the longest election timeout (after it, the follower would have called an election if it could)
   * @param stuckLoopMs how long the RaftLoop may go without a tick before the member is not alive
   * @param catchUpEntries how far a learner's durable log may be behind the leader's commit index and the
   *     learner still be ready ({@code membership.catch_up_entries}, the margin it is promoted within)
   */
  public HealthChecks(Readings member, long leaderSilenceMs, long stuckLoopMs, long catchUpEntries) {
    this.member = member;
    this.leaderSilenceMs = leaderSilenceMs;
    this.stuckLoopMs = stuckLoopMs;
    this.catchUpEntries = catchUpEntries;
  }

  /** Whether the process serves: its RaftLoop runs. A member that fails this should be restarted. */
  public Report liveness() {
    long since = member.msSinceTick();
    return new Report(List.of(since <= stuckLoopMs
        ? new Check("raft_loop", true, "ticked " + since + " ms ago")
        : new Check("raft_loop", false, "has not ticked for " + since + " ms (over " + stuckLoopMs + " ms): it is stuck")));
  }

  /**
   * Whether this member should get traffic: it knows a leader it hears from, is a member, and its disk lets
   * it write.
   */
  public Report readiness() {
    NodeStatus s = member.status();
    return new Report(List.of(leader(s), membership(s), wal(s), disk(s), state(s)));
  }

  /** Liveness and readiness together, for {@code /healthz}. */
  public Report all() {
    List<Check> checks = new java.util.ArrayList<>(liveness().checks());
    checks.addAll(readiness().checks());
    return new Report(List.copyOf(checks));
  }

  private Check leader(NodeStatus s) {
    if (!s.hasLeader()) {
      return new Check("leader", false, "no leader known (an election is under way, or no quorum is reachable)");
    }
    Member leader = s.getLeader();
    if (leader.getId() == s.getSelf().getId()) {
      return new Check("leader", true, "this member leads term " + s.getTerm());
    }
    long silent = member.msSinceContact(leader.getId());
    if (silent > leaderSilenceMs) {
      return new Check("leader", false, "leader " + leader.getName() + " last heard " + silent
          + " ms ago, over the election timeout (" + leaderSilenceMs + " ms)");
    }
    return new Check("leader", true, "leader " + leader.getName() + ", heard " + silent + " ms ago");
  }

  private Check membership(NodeStatus s) {
    long self = s.getSelf().getId();
    if (s.getVotersList().stream().anyMatch(m -> m.getId() == self)) {
      return new Check("member", true, "a voter");
    }
    if (s.getLearnersList().stream().anyMatch(m -> m.getId() == self)) {
      long behind = Math.max(0, s.getLeaderCommit() - s.getPersisted());
      if (s.getLeaderCommit() == 0 || behind > catchUpEntries) {
        return new Check("member", false, "a learner catching up: " + (s.getLeaderCommit() == 0
            ? "no entries from the leader yet" : behind + " entries behind the leader's commit index " + s.getLeaderCommit())
            + " (ready within " + catchUpEntries + ", membership.catch_up_entries)");
      }
      return new Check("member", true, "a learner, " + behind + " entries behind the leader's commit index");
    }
    return new Check("member", false, "not in the cluster's configuration (removed?)");
  }

  private static Check wal(NodeStatus s) {
    if (s.getDiskFull()) {
      return new Check("wal", false, "disk full: the WAL cannot start a segment, so this member writes nothing");
    }
    if (s.getWalStalled()) {
      return new Check("wal", false, "a write has not returned for " + s.getWalWritingMs()
          + " ms, over the election timeout: the disk has stalled");
    }
    return new Check("wal", true, "writable");
  }

  private static Check state(NodeStatus s) {
    return s.getDivergedAt() != 0
        ? new Check("state", false, "differs from the leader's since the checksum at index " + s.getDivergedAt()
            + ": this member serves no reads")
        : new Check("state", true, s.getChecksumsCompared() + " checksums compared with the leader's, all equal");
  }

  private static Check disk(NodeStatus s) {
    return s.getDiskLow()
        ? new Check("disk", false, s.getDiskFreeBytes() + " bytes free, below disk.min_free_bytes: writes are refused")
        : new Check("disk", true, s.getDiskFreeBytes() == Long.MAX_VALUE ? "no free-space watermark"
            : s.getDiskFreeBytes() + " bytes free");
  }
}
