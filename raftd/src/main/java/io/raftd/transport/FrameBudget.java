package io.raftd.transport;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The bytes one port may hold in partly received frames, across all its connections
 * ({@link PortLimits#frameBufferBytes}). A frame's declared length is charged when its length prefix
 * arrives, before any of it is buffered, and given back when the frame is complete or its connection
 * closes; a frame that does not fit closes its connection. So forty connections each sending 15 of a
 * 16 MiB frame hold the budget, not 40 times 16 MiB of direct memory.
 *
 * <p>Frames up to {@link #UNCHARGED_BYTES} are not charged: heartbeats, votes, acknowledgements and ordinary
 * requests must never be refused because large frames used the budget up, and what they can hold is
 * bounded anyway, by the connection limit times this size. Thread-safe.
 */
final class FrameBudget {
  static final int UNCHARGED_BYTES = 64 * 1024;

  /** For connections we dialed: the member at the other end answers only what we asked. */
  static final FrameBudget UNLIMITED = new FrameBudget(PortLimits.unbounded("dialed"), new Counters());

  private final PortLimits limits;
  private final Counters counters;
  private final AtomicLong held = new AtomicLong();

  FrameBudget(PortLimits limits, Counters counters) {
    this.limits = limits;
    this.counters = counters;
  }

  /** Charges a frame of {@code length} bytes; returns what it charged (0 for a small frame). */
  long charge(long length) {
    if (length <= UNCHARGED_BYTES) {
      return 0;
    }
    while (true) {
      long before = held.get();
      if (before + length > limits.frameBufferBytes()) {
        counters.framesOverBudget.incrementAndGet();
        throw new ProtocolViolation(RejectReason.OVER_BUDGET, "a frame of " + length + " bytes does not fit " + limits.name()
            + ".frame_buffer_bytes = " + limits.frameBufferBytes() + " (" + before
            + " bytes are held by frames still arriving on other connections)");
      }
      if (held.compareAndSet(before, before + length)) {
        return length;
      }
    }
  }

  void release(long charged) {
    held.addAndGet(-charged);
  }

  /** Bytes charged now (for tests). */
  long held() {
    return held.get();
  }
}
