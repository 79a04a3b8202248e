package io.raftd.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The frame timeout, on a virtual clock: a connection holding part of a frame and receiving nothing more
 * for the timeout is closed and counted; one that keeps receiving its frame slowly, or that idles between
 * frames, or that we stopped reading ourselves, is not.
 */
class FrameDecoderTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  private final Counters counters = new Counters();
  private final EmbeddedChannel ch = new EmbeddedChannel(
      new FrameCodec.FrameDecoder(Options.defaults().withFrameTimeout(TIMEOUT), FrameBudget.UNLIMITED), new ConnectionGuard(counters));

  {
    ch.freezeTime();  // only advance() moves the channel's clock
  }

  @AfterEach
  void tearDown() {
    ch.finishAndReleaseAll();
  }

  @Test
  void aFrameLeftUnfinishedIsClosedAfterTheTimeout() {
    ch.writeInbound(bytes(0, 0, 0, 100), bytes(new byte[10]));

    advance(TIMEOUT.minusMillis(1));
    assertTrue(ch.isActive(), "closed before the frame timeout");
    advance(Duration.ofMillis(1));
    assertFalse(ch.isActive(), "a frame left unfinished held its connection past the frame timeout");
    assertEquals(1, counters.connectionsClosedForBadInput());
    assertEquals(1, counters.framesRejected());
  }

  @Test
  void aFrameStillArrivingIsNotCutOff() {
    ch.writeInbound(bytes(0, 0, 0, 100));
    for (int i = 0; i < 10; i++) {
      advance(TIMEOUT.multipliedBy(9).dividedBy(10));
      ch.writeInbound(bytes(new byte[10]));
    }
    ByteBuf frame = ch.readInbound();
    assertNotNull(frame, "the frame did not complete");
    assertEquals(100, frame.readableBytes());
    frame.release();
    assertTrue(ch.isActive());
    assertEquals(0, counters.connectionsClosedForBadInput());
  }

  @Test
  void aConnectionIdleBetweenFramesStaysOpen() {
    advance(TIMEOUT.multipliedBy(10));  // nothing ever sent
    ch.writeInbound(bytes(0, 0, 0, 2, 7, 7));
    ByteBuf frame = ch.readInbound();
    frame.release();
    advance(TIMEOUT.multipliedBy(10));  // nothing since a whole frame

    assertTrue(ch.isActive(), "an idle connection was closed");
    assertEquals(0, counters.connectionsClosedForBadInput());
  }

  @Test
  void aPauseInReadingOfOursIsNotTheSendersStall() {
    ch.writeInbound(bytes(0, 0, 0, 100), bytes(new byte[10]));
    ch.config().setAutoRead(false);  // as the snapshot receiver does while its disk catches up
    advance(TIMEOUT.multipliedBy(3));
    assertTrue(ch.isActive(), "closed for a stall of our own making");

    ch.config().setAutoRead(true);
    advance(TIMEOUT);
    assertFalse(ch.isActive(), "reading again, the unfinished frame's connection was not closed");
    assertNull(ch.readInbound());
  }

  private void advance(Duration d) {
    ch.advanceTimeBy(d.toNanos(), TimeUnit.NANOSECONDS);
    ch.runScheduledPendingTasks();
  }

  private static ByteBuf bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return Unpooled.wrappedBuffer(b);
  }

  private static ByteBuf bytes(byte[] b) {
    return Unpooled.wrappedBuffer(b);
  }
}
