package io.raftd.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.channel.embedded.EmbeddedChannel;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * An accept that fails for want of descriptors pauses the port (auto-read off) for a moment and then
 * resumes, instead of retrying at once forever; other failures are not its business. The failure arrives as
 * epoll's and NIO's accept report it, an IOException saying "Too many open files"; the real-process case is
 * covered by the packaging ITs' members running at a low open-file limit.
 */
class AcceptBackoffTest {
  @Test
  void outOfFilesPausesAcceptingAndResumes() {
    Counters counters = new Counters();
    EmbeddedChannel server = new EmbeddedChannel(new AcceptBackoff("admin_port", counters));
    server.freezeTime();  // the pause runs on the channel's clock, which only the test moves
    assertTrue(server.config().isAutoRead());

    server.pipeline().fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));
    server.checkException();  // consumed: nothing reaches the tail of the pipeline
    assertFalse(server.config().isAutoRead(), "still accepting right after EMFILE");
    assertEquals(1, counters.acceptPauses());

    // A second failure while paused is counted, and does not stack another resume.
    server.pipeline().fireExceptionCaught(new IOException("accept(..) failed: Too many open files"));
    assertEquals(2, counters.acceptPauses());

    server.advanceTimeBy(AcceptBackoff.PAUSE_MS - 1, TimeUnit.MILLISECONDS);
    server.runScheduledPendingTasks();
    assertFalse(server.config().isAutoRead(), "resumed before the pause was over");
    server.advanceTimeBy(1, TimeUnit.MILLISECONDS);
    server.runScheduledPendingTasks();
    assertTrue(server.config().isAutoRead(), "did not resume accepting after the pause");
    server.finishAndReleaseAll();
  }

  @Test
  void otherFailuresPassThrough() {
    Counters counters = new Counters();
    EmbeddedChannel server = new EmbeddedChannel(new AcceptBackoff("peer_port", counters));
    server.pipeline().fireExceptionCaught(new IllegalStateException("a bug"));
    assertThrows(IllegalStateException.class, server::checkException);
    assertTrue(server.config().isAutoRead());
    assertEquals(0, counters.acceptPauses());
    server.finishAndReleaseAll();
  }

  @Test
  void recognisesTheMessagesOfEmfileAndEnfile() {
    assertTrue(AcceptBackoff.outOfFiles("accept(..) failed: Too many open files"));
    assertTrue(AcceptBackoff.outOfFiles("Too many open files in system"));
    assertFalse(AcceptBackoff.outOfFiles("Connection reset by peer"));
  }
}
