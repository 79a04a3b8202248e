package io.raftd.statemachine;

import java.util.ServiceLoader;
import java.util.TreeSet;

/** Finds {@link StateMachineProvider}s by name. */
public final class StateMachines {
  private StateMachines() {}

  /**
   * The provider named {@code name} among those {@link ServiceLoader} finds.
   *
   * @throws IllegalArgumentException if there is none, naming those there are
   */
  public static StateMachineProvider load(String name) {
    TreeSet<String> available = new TreeSet<>();
    for (StateMachineProvider provider : ServiceLoader.load(StateMachineProvider.class)) {
      if (provider.name().equals(name)) {
        return provider;
      }
      available.add(provider.name());
    }
    throw new IllegalArgumentException(
        "no state machine named '" + name + "'; available: " + String.join(", ", available));
  }
}
