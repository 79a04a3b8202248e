package io.raftd.daemon;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.kv.KvStore;
import io.raftd.proto.KvCommand;
import io.raftd.statemachine.Snapshot;
import io.raftd.statemachine.StateMachine;
import io.raftd.statemachine.StateMachineProvider;
import java.io.IOException;
import java.io.InputStream;

/**
 * A state machine that misbehaves, for divergence detection's test ({@code state_machine =
 * "misbehaving-kv"}): the built-in store, except that an instance created while {@link #createFaulty} is
 * set stores a different value for every put of a key that starts with "plant-". Members started then
 * diverge from the others at the first such put; no other member does.
 */
public final class MisbehavingKvProvider implements StateMachineProvider {
  /** Whether the machines created from now on misbehave. */
  static volatile boolean createFaulty;

  @Override
  public String name() {
    return "misbehaving-kv";
  }

  @Override
  public StateMachine create() {
    return new Machine(createFaulty);
  }

  private static final class Machine implements StateMachine {
    private final KvStore store = new KvStore();
    private final boolean faulty;

    Machine(boolean faulty) {
      this.faulty = faulty;
    }

    @Override
    public ByteString apply(long index, long term, ByteString command) {
      if (faulty) {
        try {
          KvCommand c = KvCommand.parseFrom(command);
          if (c.hasPut() && c.getPut().getKey().toStringUtf8().startsWith("plant-")) {
            command = c.toBuilder().setPut(c.getPut().toBuilder().setValue(ByteString.copyFromUtf8("not what was written")))
                .build().toByteString();
          }
        } catch (InvalidProtocolBufferException e) {
          // not a KV command: the store answers it as it would
        }
      }
      return store.apply(index, term, command);
    }

    @Override
    public ByteString query(ByteString query) {
      return store.query(query);
    }

    @Override
    public Snapshot snapshot() {
      return store.snapshot();
    }

    @Override
    public void restore(InputStream in) throws IOException {
      store.restore(in);
    }
  }
}
