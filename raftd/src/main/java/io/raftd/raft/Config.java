package io.raftd.raft;

import java.util.Objects;

/**
 * How one RawNode behaves. Times are in ticks: the host decides how long a tick is. Built with
 * {@link #builder(long, long)}; immutable once built.
 */
public final class Config {
  /** This member's id: random, 64-bit, never 0. */
  public final long id;
  /** The cluster this member belongs to; messages for any other cluster are dropped. */
  public final long clusterId;
  /** Minimum election timeout; each timeout is drawn from [electionTicks, electionTicks + electionSpread). */
  public final int electionTicks;
  /** How far above the minimum an election timeout may be drawn (default: electionTicks, so up to twice it). */
  public final int electionSpread;
  public final int heartbeatTicks;
  /** Seeds every random choice the core makes (election timeouts). */
  public final long seed;
  /** Thesis §9.6. */
  public final boolean preVote;
  /** Thesis §6.2: leaders step down without a quorum; followers in contact with a leader ignore elections. */
  public final boolean checkQuorum;
  /** AppendEntries in flight per follower in replicate state. */
  public final int maxInflight;
  /** Entry data per AppendEntries; one entry is always sent even if larger. */
  public final long maxBatchBytes;
  /** Entry data a leader holds uncommitted before it refuses proposals; its no-op is exempt. */
  public final long maxUncommittedBytes;
  /** Committed entry data handed out per Ready. */
  public final long maxApplyBytes;
  /**
   * The largest entry data a proposal may carry; a larger one is refused ({@link Proposal.Refusal#TOO_LARGE}),
   * so that no single entry can outgrow a peer frame or a WAL segment, or stall replication.
   */
  public final long maxEntryBytes;
  /** The highest index the host's state machine has applied (0 for a new one). */
  public final long applied;
  /**
   * The vote barrier this member starts with (0: none): it may have acknowledged entries up to this
   * index, in terms up to {@link #voteBarrierTerm}, that its log no longer holds (an operator truncated
   * its WAL). It neither votes nor campaigns until it has caught up; see {@link Raft#maybeLiftVoteBarrier}.
   */
  public final long voteBarrierIndex;
  /** The highest term this member had seen before its log was truncated (with {@link #voteBarrierIndex}). */
  public final long voteBarrierTerm;
  /**
   * A learner to promote once caught up ({@code Configuration.auto_promote}) is caught up while its log is
   * within this many entries of the leader's commit index...
   */
  public final long catchUpMargin;
  /** ... and promoted once it has stayed so, answering the leader, for this many ticks in a row. */
  public final int catchUpTicks;
  public final RaftLogger logger;
  /** The single test hook: set only by tests in this package. */
  final BrokenVariant brokenVariant;

  private Config(Builder b) {
    if (b.id == 0) {
      throw new IllegalArgumentException("member id 0 is reserved for 'none'");
    }
    if (b.heartbeatTicks < 1 || b.electionTicks <= b.heartbeatTicks) {
      throw new IllegalArgumentException("election timeout (" + b.electionTicks
          + " ticks) must exceed the heartbeat interval (" + b.heartbeatTicks + " ticks)");
    }
    if (b.voteBarrierIndex < 0 || b.voteBarrierTerm < 0) {
      throw new IllegalArgumentException("vote barrier term and index must not be negative");
    }
    if (b.maxEntryBytes < 1) {
      throw new IllegalArgumentException("the largest entry must be at least 1 byte: " + b.maxEntryBytes);
    }
    if (b.catchUpMargin < 0 || b.catchUpTicks < 1) {
      throw new IllegalArgumentException("catch-up margin must not be negative and its time at least 1 tick");
    }
    if (b.electionSpread < 0) {
      throw new IllegalArgumentException("election spread must not be negative: " + b.electionSpread);
    }
    this.id = b.id;
    this.clusterId = b.clusterId;
    this.electionTicks = b.electionTicks;
    this.electionSpread = b.electionSpread > 0 ? b.electionSpread : b.electionTicks;
    this.heartbeatTicks = b.heartbeatTicks;
    this.seed = b.seed;
    this.preVote = b.preVote;
    this.checkQuorum = b.checkQuorum;
    this.maxInflight = b.maxInflight;
    this.maxBatchBytes = b.maxBatchBytes;
    this.maxUncommittedBytes = b.maxUncommittedBytes;
    this.maxApplyBytes = b.maxApplyBytes;
    this.maxEntryBytes = b.maxEntryBytes;
    this.applied = b.applied;
    this.voteBarrierIndex = b.voteBarrierIndex;
    this.voteBarrierTerm = b.voteBarrierTerm;
    this.catchUpMargin = b.catchUpMargin;
    this.catchUpTicks = b.catchUpTicks;
    this.logger = Objects.requireNonNull(b.logger);
    this.brokenVariant = b.brokenVariant;
  }

  public static Builder builder(long id, long clusterId) {
    return new Builder(id, clusterId);
  }

  boolean is(BrokenVariant variant) {
    return brokenVariant == variant;
  }

  /** A copy with a deliberate bug; only tests in this package call it. */
  Config withBrokenVariant(BrokenVariant variant) {
    Builder b = toBuilder();
    b.brokenVariant = variant;
    return b.build();
  }

  public Builder toBuilder() {
    Builder b = new Builder(id, clusterId);
    b.electionTicks = electionTicks;
    b.electionSpread = electionSpread;
    b.heartbeatTicks = heartbeatTicks;
    b.seed = seed;
    b.preVote = preVote;
    b.checkQuorum = checkQuorum;
    b.maxInflight = maxInflight;
    b.maxBatchBytes = maxBatchBytes;
    b.maxUncommittedBytes = maxUncommittedBytes;
    b.maxApplyBytes = maxApplyBytes;
    b.maxEntryBytes = maxEntryBytes;
    b.applied = applied;
    b.voteBarrierIndex = voteBarrierIndex;
    b.voteBarrierTerm = voteBarrierTerm;
    b.catchUpMargin = catchUpMargin;
    b.catchUpTicks = catchUpTicks;
    b.logger = logger;
    b.brokenVariant = brokenVariant;
    return b;
  }

  public static final class Builder {
    private final long id;
    private final long clusterId;
    private int electionTicks = 10;
    private int electionSpread;
    private int heartbeatTicks = 1;
    private long seed;
    private boolean preVote = true;
    private boolean checkQuorum = true;
    private int maxInflight = 64;
    private long maxBatchBytes = 1 << 20;
    private long maxUncommittedBytes = 64L << 20;
    private long maxApplyBytes = 4L << 20;
    private long maxEntryBytes = Long.MAX_VALUE;
    private long applied;
    private long voteBarrierIndex;
    private long voteBarrierTerm;
    private long catchUpMargin = 100;
    private int catchUpTicks = 10;
    private RaftLogger logger = RaftLogger.NONE;
    private BrokenVariant brokenVariant = BrokenVariant.NONE;

    private Builder(long id, long clusterId) {
      this.id = id;
      this.clusterId = clusterId;
    }

    public Builder electionTicks(int ticks) {
      this.electionTicks = ticks;
      return this;
    }

    /** Election timeouts are drawn from [electionTicks, electionTicks + spread); 0 means electionTicks. */
    public Builder electionSpread(int ticks) {
      this.electionSpread = ticks;
      return this;
    }

    public Builder heartbeatTicks(int ticks) {
      this.heartbeatTicks = ticks;
      return this;
    }

    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    public Builder preVote(boolean on) {
      this.preVote = on;
      return this;
    }

    public Builder checkQuorum(boolean on) {
      this.checkQuorum = on;
      return this;
    }

    public Builder maxInflight(int messages) {
      this.maxInflight = messages;
      return this;
    }

    public Builder maxBatchBytes(long bytes) {
      this.maxBatchBytes = bytes;
      return this;
    }

    public Builder maxUncommittedBytes(long bytes) {
      this.maxUncommittedBytes = bytes;
      return this;
    }

    public Builder maxApplyBytes(long bytes) {
      this.maxApplyBytes = bytes;
      return this;
    }

    /** Default: no limit (the host sets one; raftd sets raft.max_entry_bytes plus the LogCommand envelope). */
    public Builder maxEntryBytes(long bytes) {
      this.maxEntryBytes = bytes;
      return this;
    }

    public Builder applied(long index) {
      this.applied = index;
      return this;
    }

    /** This member lost entries it may have acknowledged, up to {@code index} in terms up to {@code term}. */
    public Builder voteBarrier(long term, long index) {
      this.voteBarrierTerm = term;
      this.voteBarrierIndex = index;
      return this;
    }

    /** When a learner to promote counts as caught up: within {@code margin} entries for {@code ticks} ticks. */
    public Builder catchUp(long margin, int ticks) {
      this.catchUpMargin = margin;
      this.catchUpTicks = ticks;
      return this;
    }

    public Builder logger(RaftLogger logger) {
      this.logger = logger;
      return this;
    }

    public Config build() {
      return new Config(this);
    }
  }
}
