package io.raftd.host;

import com.google.protobuf.ByteString;
import java.nio.ByteBuffer;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The contexts that tag this member's linearizable reads: the core matches the leader's answer to a read by
 * its context alone. A counter alone restarts at 1 in every process, and a late answer to the previous
 * process's read 7 would then serve this process's read 7 at an index fixed before writes it has since
 * acknowledged. So every context is this process's random incarnation, then the counter.
 */
final class ReadContexts {
  private final long incarnation;
  private final AtomicLong counter = new AtomicLong();

  /** @param incarnation a random number drawn when this process starts (a seeded one in the simulator) */
  ReadContexts(long incarnation) {
    this.incarnation = incarnation;
  }

  /** A context no read of this process, or (but for a 2^-64 chance) of any other, has had. Any thread. */
  ByteString next() {
    return ByteString.copyFrom(ByteBuffer.allocate(16).putLong(incarnation).putLong(counter.incrementAndGet()).flip());
  }
}
