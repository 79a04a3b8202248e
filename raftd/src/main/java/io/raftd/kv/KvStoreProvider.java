package io.raftd.kv;

import io.raftd.statemachine.StateMachine;
import io.raftd.statemachine.StateMachineProvider;

/** The built-in key-value store, named {@code kv}. */
public final class KvStoreProvider implements StateMachineProvider {
  /** Its name in raftd.toml's state_machine. */
  public static final String NAME = "kv";

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public StateMachine create() {
    return new KvStore();
  }
}
