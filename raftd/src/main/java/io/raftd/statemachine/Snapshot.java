package io.raftd.statemachine;

import java.io.IOException;
import java.io.OutputStream;

/** The state of a {@link StateMachine} as of one point in its apply order, taken by {@link StateMachine#snapshot()}. */
@FunctionalInterface
public interface Snapshot {

  /**
   * Writes the state, in the machine's own format, for {@link StateMachine#restore}. Runs on any thread,
   * concurrently with applies, and may be called more than once. Leaves {@code out} open.
   */
  void writeTo(OutputStream out) throws IOException;
}
