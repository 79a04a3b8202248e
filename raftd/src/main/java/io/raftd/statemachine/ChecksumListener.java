package io.raftd.statemachine;

import com.google.protobuf.ByteString;

/**
 * Told by the {@link SessionLayer}, on the apply thread, of the entries divergence detection proposes: a
 * mark (digest your state as of here) and the leader's digest at a mark.
 */
public interface ChecksumListener {
  /** The mark at {@code index} applied: {@link SessionLayer#lastApplied()} is {@code index}. */
  void markApplied(long index);

  /** The leader's {@code digest} of its state at the mark {@code markIndex} applied. */
  void reportApplied(long markIndex, ByteString digest);

  ChecksumListener NONE = new ChecksumListener() {
    @Override
    public void markApplied(long index) {}

    @Override
    public void reportApplied(long markIndex, ByteString digest) {}
  };
}
