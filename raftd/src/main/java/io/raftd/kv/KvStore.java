package io.raftd.kv;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.proto.KvCommand;
import io.raftd.statemachine.Snapshot;
import io.raftd.statemachine.StateMachine;
import java.io.IOException;
import java.io.InputStream;

/**
 * The built-in key-value store: commands are {@code KvCommand}s answered with {@code KvCommandResult}s,
 * queries {@code KvQuery}s answered with {@code KvQueryResult}s (statemachine.proto). Keys carry a version
 * (1 when created, +1 per change) and the indexes that created and last changed them; appended payloads are
 * kept with their entry's index and term.
 *
 * <p>The state is an immutable {@link KvState} published through a volatile field: a query on another
 * thread reads one applied state, never a half-applied one, and a snapshot is a reference to it.
 */
public final class KvStore implements StateMachine {
  private volatile KvState state = KvState.EMPTY;

  @Override
  public ByteString apply(long index, long term, ByteString command) {
    KvCommands.Applied applied = KvCommands.apply(state, index, term, command);
    state = applied.state();
    return applied.result().toByteString();
  }

  @Override
  public ByteString query(ByteString query) {
    return KvQueries.answer(state, query).toByteString();
  }

  /** O(1): the current state, written later in the {@link KvSnapshotFormat} format. */
  @Override
  public Snapshot snapshot() {
    KvState taken = state;
    return out -> KvSnapshotFormat.write(taken, out);
  }

  @Override
  public void restore(InputStream in) throws IOException {
    state = KvSnapshotFormat.read(in);
  }

  /** Keys and values, and appended payloads, each with {@link KvState#ENTRY_OVERHEAD}: about the heap they take. */
  @Override
  public long bytes() {
    return state.bytes();
  }

  /** A delete cannot grow the state; nor can bytes that are no command, which apply as nothing. */
  @Override
  public boolean mayGrow(ByteString command) {
    try {
      KvCommand.OpCase op = KvCommand.parseFrom(command).getOpCase();
      return op != KvCommand.OpCase.DELETE && op != KvCommand.OpCase.OP_NOT_SET;
    } catch (InvalidProtocolBufferException e) {
      return false;
    }
  }
}
