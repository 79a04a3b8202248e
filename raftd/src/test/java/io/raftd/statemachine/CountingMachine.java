package io.raftd.statemachine;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;

/** Test decorator: a machine that counts the commands applied to it, to show what the session layer let through. */
final class CountingMachine implements StateMachine {
  private final StateMachine machine;
  int applies;

  CountingMachine(StateMachine machine) {
    this.machine = machine;
  }

  @Override
  public ByteString apply(long index, long term, ByteString command) {
    applies++;
    return machine.apply(index, term, command);
  }

  @Override
  public ByteString query(ByteString query) {
    return machine.query(query);
  }

  @Override
  public Snapshot snapshot() {
    return machine.snapshot();
  }

  @Override
  public void restore(InputStream in) throws IOException {
    machine.restore(in);
  }
}
