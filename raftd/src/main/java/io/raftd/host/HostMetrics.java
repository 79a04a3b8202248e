package io.raftd.host;

import io.raftd.proto.AdminRequest;
import io.raftd.proto.ErrorCode;

/**
 * What the host's hot paths report as they happen: the durations and outcomes that cannot be read
 * afterwards from a status (everything that can, term, indexes, per-peer lag, counters, is read when
 * metrics are scraped instead, and costs the write path nothing). Called from the lanes and Netty's
 * threads: an implementation must be thread-safe and cheap.
 */
public interface HostMetrics {
  /** WAL writer: a group of {@code entries} in a frame of {@code bytes} written and fsynced, the fsync taking {@code nanos}. */
  void fsynced(long nanos, int entries, long bytes);

  /** Any thread: a proposal of this member (as leader) applied, {@code nanos} after it was proposed. */
  void proposalApplied(long nanos);

  /** Any thread: a linearizable read's index confirmed, {@code nanos} after it was asked for. */
  void readIndexConfirmed(long nanos);

  /** Snapshot writer: a snapshot of {@code bytes} written and made durable in {@code nanos}. */
  void snapshotWritten(long nanos, long bytes);

  /** Any thread: an admin request answered, with {@code error} null if it succeeded. */
  void answered(AdminRequest.BodyCase operation, ErrorCode error);

  /** Reports nothing: for the host simulator and tests that count nothing. */
  HostMetrics NONE = new HostMetrics() {
    @Override
    public void fsynced(long nanos, int entries, long bytes) {}

    @Override
    public void proposalApplied(long nanos) {}

    @Override
    public void readIndexConfirmed(long nanos) {}

    @Override
    public void snapshotWritten(long nanos, long bytes) {}

    @Override
    public void answered(AdminRequest.BodyCase operation, ErrorCode error) {}
  };
}
