package io.raftd.statemachine;

/**
 * Makes {@link StateMachine}s of one kind. Providers are found through {@link java.util.ServiceLoader}: list
 * the class in {@code META-INF/services/io.raftd.statemachine.StateMachineProvider}, and give it a public
 * no-argument constructor. The daemon picks one by {@link #name()} (see {@link StateMachines#load}).
 */
public interface StateMachineProvider {

  /** The name the daemon's configuration selects this machine by, e.g. {@code kv}. */
  String name();

  /** A new machine in its empty state. */
  StateMachine create();
}
