package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

class ScriptModeTest {
  @Test
  void linesSplitAsAShellWouldForTheseCommands() {
    assertEquals(List.of("put", "k", "two words"), ScriptMode.split("put k \"two words\""));
    assertEquals(List.of("put", "k", "it's \"q\""), ScriptMode.split("put k \"it's \\\"q\\\"\""));
    assertEquals(List.of("put", "k", "a\\b #x"), ScriptMode.split("put k 'a\\b #x'"));
    assertEquals(List.of("get", "k"), ScriptMode.split("  get   k   # trailing comment"));
    assertEquals(List.of("put", "a#b", "c"), ScriptMode.split("put a#b c"));
    assertEquals(List.of("put", "k", ""), ScriptMode.split("put k ''"));
    assertEquals(List.of(), ScriptMode.split("# only a comment"));
    assertEquals(List.of(), ScriptMode.split("   "));
    assertThrows(IllegalArgumentException.class, () -> ScriptMode.split("put k \"open"));
  }
}
