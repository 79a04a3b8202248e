package io.raftd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The line of each key, as errors cite it, through the TOML forms that could mislead a line scanner. */
class ConfigKeyLocatorTest {
  @Test
  void keysInTablesInlineTablesAndArrays() {
    KeyLocator keys = KeyLocator.scan("""
        name = "n1"   # name = "not this one"
        [raft]
        heartbeat_ms = 100
        election_timeout_ms = [
          1000,       # a comment, then the max
          2000,
        ]
        [cluster]
        members = [
          { name = "n1", peer = "a:1", admin = "a:2" },

          { name = "n2", peer = "b:1",
            admin = "b:2" },
        ]
        [wal]
        fsync = "never"
        """);

    assertEquals(OptionalInt.of(1), keys.line("name"));
    assertEquals(OptionalInt.of(2), keys.line("raft"));
    assertEquals(OptionalInt.of(3), keys.line("raft.heartbeat_ms"));
    assertEquals(OptionalInt.of(4), keys.line("raft.election_timeout_ms"));
    assertEquals(OptionalInt.of(6), keys.line("raft.election_timeout_ms[1]"));
    assertEquals(OptionalInt.of(10), keys.line("cluster.members[0].admin"));
    assertEquals(OptionalInt.of(12), keys.line("cluster.members[1]"));
    assertEquals(OptionalInt.of(13), keys.line("cluster.members[1].admin"));
    assertEquals(OptionalInt.of(16), keys.line("wal.fsync"));
    assertEquals(OptionalInt.empty(), keys.line("wal.segment_bytes"));
    assertEquals(Optional.empty(), keys.firstKeyWithoutValue());
  }

  @Test
  void stringsThatLookLikeKeysOrTables() {
    KeyLocator keys = KeyLocator.scan("""
        a = \"""
        [raft]
        b = \\\"""
        \"""
        c = 'it''s # = [x'
        d = "quote \\" # [y] = 1"
        e = '''
        f =
        '''
        g = 1
        """);

    assertEquals(OptionalInt.of(5), keys.line("c"));
    assertEquals(OptionalInt.of(6), keys.line("d"));
    assertEquals(OptionalInt.of(10), keys.line("g"));
    assertEquals(OptionalInt.empty(), keys.line("raft"));
    assertEquals(OptionalInt.empty(), keys.line("b"));
    assertEquals(OptionalInt.empty(), keys.line("f"));
    assertEquals(Optional.empty(), keys.firstKeyWithoutValue());
  }

  @Test
  void arrayTablesAreNumbered() {
    KeyLocator keys = KeyLocator.scan("""
        [[cluster.members]]
        name = "n1"
        [[ cluster . members ]]
        name = "n2"
        """);

    assertEquals(OptionalInt.of(2), keys.line("cluster.members[0].name"));
    assertEquals(OptionalInt.of(3), keys.line("cluster.members[1]"));
    assertEquals(OptionalInt.of(4), keys.line("cluster.members[1].name"));
  }

  @Test
  void findsTheFirstKeyWithNoValue() {
    KeyLocator keys = KeyLocator.scan("a = 1\n[raft]\nheartbeat_ms =\r\nmax_inflight = # later\n");

    assertEquals(Optional.of("raft.heartbeat_ms"), keys.firstKeyWithoutValue());
    assertEquals(OptionalInt.of(3), keys.line("raft.heartbeat_ms"));
  }

  @Test
  @Timeout(5)
  void malformedTextEndsTheScanWithoutHanging() {
    for (String text : new String[] {"[", "[[", "a = [", "a = {", "a = [1 2 }", "a = { b }", "= = =", "a = \"",
        "a = '''", "a = [{,}]", "x", "]]] }}} ,,,"}) {
      KeyLocator keys = KeyLocator.scan(text);
      assertTrue(keys.line("zzz").isEmpty(), text);
    }
  }
}
