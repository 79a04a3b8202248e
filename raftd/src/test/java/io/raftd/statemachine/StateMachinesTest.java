package io.raftd.statemachine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.kv.KvStore;
import org.junit.jupiter.api.Test;

class StateMachinesTest {

  @Test
  void theBuiltInStoreIsFoundByName() {
    StateMachineProvider provider = StateMachines.load("kv");
    assertEquals("kv", provider.name());
    assertInstanceOf(KvStore.class, provider.create());
  }

  @Test
  void anUnknownNameListsTheAvailableOnes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> StateMachines.load("nope"));
    assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("available: kv"), e.getMessage());
  }
}
