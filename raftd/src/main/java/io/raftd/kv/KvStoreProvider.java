package io.raftd.kv;

import io.raftd.statemachine.StateMachine;
import io.raftd.statemachine.StateMachineProvider;

/** The built-in key-value store, named {@code kv}. */
public final class KvStoreProvider implements StateMachineProvider {
  @Override
  public String name() {
    return "kv";
  }

  @Override
  public StateMachine create() {
    return new KvStore();
  }
}
