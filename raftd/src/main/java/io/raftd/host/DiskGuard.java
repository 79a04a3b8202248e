package io.raftd.host;

import io.raftd.storage.FileIO;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether this member's disk lets it take writes, so that one member's slow or full disk does not hold up
 * the cluster: the WAL cannot start a segment (full), free space is below {@code disk.min_free_bytes}
 * (low), or a WAL write has not returned for an election timeout (stalled). A leader refuses new writes
 * while the disk is full or low, and hands leadership over in all three cases; a member low on space also
 * takes a snapshot, so that its log is compacted. Everything resumes by itself once the cause is gone.
 */
public final class DiskGuard {
  private static final Logger LOG = LoggerFactory.getLogger(DiskGuard.class);
  /** Free space is read this often: a statfs is cheap, but the RaftLoop ticks a hundred times a second. */
  private static final long CHECK_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);

  /**
   * @param io the file system data_dir is on
   * @param minFreeBytes the free-space watermark; 0 for none
   * @param stallNanos a WAL write outstanding this long is stalled: the longest election timeout
   */
  public record Limits(FileIO io, Path dataDir, long minFreeBytes, long stallNanos) {}

  private final HostRuntime runtime;
  private final Limits limits;
  private final BooleanSupplier walOutOfSpace;
  private final LongSupplier walWritingNanos;
  /** RaftLoop: when free space was last read. */
  private long checkedAt;
  private boolean checkedOnce;
  private volatile long freeBytes = Long.MAX_VALUE;
  private volatile boolean low;

  /**
   * @param walOutOfSpace whether the WAL found the disk full when it last needed a segment
   * @param walWritingNanos how long the WAL's current write has been outstanding, 0 if none is
   */
  public DiskGuard(HostRuntime runtime, Limits limits, BooleanSupplier walOutOfSpace, LongSupplier walWritingNanos) {
    this.runtime = runtime;
    this.limits = limits;
    this.walOutOfSpace = walOutOfSpace;
    this.walWritingNanos = walWritingNanos;
  }

  /**
   * RaftLoop, every tick: reads the free space once a second.
   *
   * @return true if free space has just fallen below the watermark (the caller takes a snapshot)
   */
  boolean check() {
    long now = runtime.nanoTime();
    if (limits.minFreeBytes() == 0 || (checkedOnce && now - checkedAt < CHECK_EVERY_NANOS)) {
      return false;
    }
    checkedOnce = true;
    checkedAt = now;
    long free;
    try {
      free = limits.io().usableSpace(limits.dataDir());
    } catch (IOException e) {
      LOG.warn("cannot read the free space of {}'s file system: {}", limits.dataDir(), e.getMessage());
      return false;
    }
    freeBytes = free;
    boolean wasLow = low;
    low = free < limits.minFreeBytes();
    if (low && !wasLow) {
      LOG.warn("{} bytes free on {}'s file system, below disk.min_free_bytes ({}): new writes are refused, a snapshot"
          + " compacts the log, and a leader hands over, until space returns", free, limits.dataDir(),
          limits.minFreeBytes());
      return true;
    }
    if (wasLow && !low) {
      LOG.info("{} bytes free on {}'s file system, above disk.min_free_bytes again: writes are taken again", free,
          limits.dataDir());
    }
    return false;
  }

  /** Why a new write must be refused now (the code is NO_SPACE), or null if it may be taken. Any thread. */
  public String refusal() {
    if (walOutOfSpace.getAsBoolean()) {
      return "the leader's disk is full: its WAL cannot start a segment";
    }
    if (low) {
      return "the leader's disk has " + freeBytes + " bytes free, below disk.min_free_bytes (" + limits.minFreeBytes()
          + "): free space on it, or lower the watermark";
    }
    return null;
  }

  /** Why a leader should hand leadership to a voter whose disk is fine, or null. Any thread. */
  String handOverReason() {
    String refusal = refusal();
    if (refusal != null) {
      return refusal;
    }
    long writing = walWritingNanos.getAsLong();
    if (writing > limits.stallNanos()) {
      return "its WAL write has not returned for " + TimeUnit.NANOSECONDS.toMillis(writing)
          + " ms, over the election timeout";
    }
    return null;
  }

  /** Whether free space is below the watermark (as of the last read). */
  public boolean lowOnSpace() {
    return low;
  }

  /** Free bytes on data_dir's file system as of the last read (Long.MAX_VALUE before any, or with no watermark). */
  public long freeBytes() {
    return freeBytes;
  }

  /** How long the WAL's current write has been outstanding, 0 if none is. */
  public long walWritingNanos() {
    return walWritingNanos.getAsLong();
  }

  /** Whether a WAL write has been outstanding for longer than an election timeout. */
  public boolean walStalled() {
    return walWritingNanos.getAsLong() > limits.stallNanos();
  }
}
