package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** What raftctl's sentences say: counts in the right number, failure reasons without exception class names. */
class WordingTest {
  @Test
  void countsTakeTheRightNumber() {
    assertEquals("1 segment", Plural.of(1, "segment"));
    assertEquals("0 segments", Plural.of(0, "segment"));
    assertEquals("2 segments", Plural.of(2, "segment"));
    assertEquals("1 entry", Plural.of(1, "entry", "entries"));
    assertEquals("3 entries", Plural.of(3, "entry", "entries"));
  }

  @Test
  void reasonsLoseJavaAndNettyExceptionNames() {
    assertEquals("Connection refused: /127.0.0.1:7201", Reasons.plain(
        "io.netty.channel.AbstractChannel$AnnotatedConnectException: Connection refused: /127.0.0.1:7201"));
    assertEquals("Connection refused", Reasons.plain(
        "io.netty.channel.unix.Errors$NativeConnectException: finishConnect(..) failed: Connection refused"));
    assertEquals("127.0.0.1:7201 is unreachable: Connection reset by peer",
        Reasons.plain("127.0.0.1:7201 is unreachable: readAddress(..) failed: Connection reset by peer"));
    assertEquals("does not answer: Connection refused",
        Reasons.plain("does not answer: finishConnect(..) failed with error(-111): Connection refused"));
    assertEquals("Connection timed out", Reasons.plain("java.net.ConnectException: Connection timed out"));
    assertEquals("no reason given", Reasons.plain((String) null));
    assertEquals("--file /tmp/a.B: no such file", Reasons.plain("--file /tmp/a.B: no such file"), "only Java's packages");
  }
}
