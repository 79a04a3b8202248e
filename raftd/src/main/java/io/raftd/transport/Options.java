package io.raftd.transport;

import java.nio.file.Path;
import java.time.Duration;

/**
 * The peer transport's limits and timings.
 *
 * @param maxFrameBytes the largest frame accepted or sent; a longer length prefix closes the connection
 *     before any of the frame is buffered
 * @param connectTimeout how long a TCP connect may take
 * @param handshakeTimeout how long a connection may stay silent before its Hello (or HelloReply, or a
 *     probe's answer) arrives
 * @param frameTimeout how long a peer or admin connection may hold part of a frame while receiving
 *     nothing more of it; a connection between frames may stay idle for as long as it likes
 * @param backoffMin the first delay before reconnecting to a peer; doubled on each failure
 * @param backoffMax the longest delay between reconnection attempts
 * @param sendQueueBound messages accepted for one peer and not yet handed to its connection; more are dropped
 * @param writeBufferHighBytes bytes a connection may hold unsent before it counts as unwritable (its low
 *     water mark is half of this): Raft messages are dropped and snapshot chunks wait while it is
 * @param snapshotChunkBytes the data carried by one snapshot chunk
 * @param snapshotIdleTimeout how long a snapshot connection may see no traffic either way before it is
 *     abandoned (it covers the receiver's fsync at the end)
 * @param ioThreads event loop threads
 * @param epoll whether to use epoll when it is available (NIO otherwise)
 * @param nativeWorkDir where Netty unpacks its native epoll library, or null for Netty's default (the
 *     system's temporary directory, which may be mounted noexec)
 */
public record Options(
    int maxFrameBytes,
    Duration connectTimeout,
    Duration handshakeTimeout,
    Duration frameTimeout,
    Duration backoffMin,
    Duration backoffMax,
    int sendQueueBound,
    int writeBufferHighBytes,
    int snapshotChunkBytes,
    Duration snapshotIdleTimeout,
    int ioThreads,
    boolean epoll,
    Path nativeWorkDir) {

  /** Room in a frame for a snapshot chunk's envelope: offset, flags and the first chunk's InstallSnapshot. */
  private static final int CHUNK_ENVELOPE_BYTES = 64 * 1024;
  /** The snapshot chunk size when frames are large enough for it. */
  private static final int PREFERRED_CHUNK_BYTES = 256 << 10;

  /** The snapshot chunk size for frames of {@code maxFrameBytes}: the preferred one, or what fits. */
  public static int snapshotChunkFor(int maxFrameBytes) {
    return Math.min(PREFERRED_CHUNK_BYTES, maxFrameBytes - CHUNK_ENVELOPE_BYTES);
  }

  public Options {
    if (snapshotChunkBytes < 1 || (long) snapshotChunkBytes + CHUNK_ENVELOPE_BYTES > maxFrameBytes) {
      throw new IllegalArgumentException("snapshot chunks of " + snapshotChunkBytes + " bytes do not fit frames of "
          + maxFrameBytes + " bytes");
    }
    if (backoffMin.isNegative() || backoffMin.isZero() || backoffMax.compareTo(backoffMin) < 0) {
      throw new IllegalArgumentException("backoff must satisfy 0 < min <= max: " + backoffMin + ", " + backoffMax);
    }
    if (frameTimeout.isNegative() || frameTimeout.isZero()) {
      throw new IllegalArgumentException("frameTimeout must be positive: " + frameTimeout);
    }
    if (sendQueueBound < 1 || writeBufferHighBytes < 2 || ioThreads < 1) {
      throw new IllegalArgumentException("sendQueueBound, writeBufferHighBytes and ioThreads must be positive");
    }
  }

  public static Options defaults() {
    return new Options(16 << 20, Duration.ofSeconds(3), Duration.ofSeconds(10), Duration.ofSeconds(10),
        Duration.ofMillis(50), Duration.ofSeconds(2), 4096, 4 << 20, PREFERRED_CHUNK_BYTES, Duration.ofSeconds(60), 2,
        true, null);
  }

  public Options withEpoll(boolean useEpoll) {
    return new Options(maxFrameBytes, connectTimeout, handshakeTimeout, frameTimeout, backoffMin, backoffMax,
        sendQueueBound, writeBufferHighBytes, snapshotChunkBytes, snapshotIdleTimeout, ioThreads, useEpoll, nativeWorkDir);
  }

  public Options withFrameTimeout(Duration timeout) {
    return new Options(maxFrameBytes, connectTimeout, handshakeTimeout, timeout, backoffMin, backoffMax,
        sendQueueBound, writeBufferHighBytes, snapshotChunkBytes, snapshotIdleTimeout, ioThreads, epoll, nativeWorkDir);
  }

  public Options withNativeWorkDir(Path dir) {
    return new Options(maxFrameBytes, connectTimeout, handshakeTimeout, frameTimeout, backoffMin, backoffMax,
        sendQueueBound, writeBufferHighBytes, snapshotChunkBytes, snapshotIdleTimeout, ioThreads, epoll, dir);
  }
}
