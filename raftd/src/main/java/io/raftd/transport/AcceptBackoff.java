package io.raftd.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening channel's handler for accepts that fail, above all for want of file descriptors (EMFILE,
 * ENFILE: "Too many open files"). The connection that could not be accepted stays in the kernel's
 * queue, so accepting again at once fails again at once: the loop would spin and log without end. Instead
 * the port stops accepting for {@link #PAUSE_MS} ms (auto-read off), counted in
 * {@link Counters#acceptPauses()} and logged at most once a second, then tries again. Connections already
 * open are not touched, and the event never reaches Netty's tail handler (which would log each one).
 *
 * <p>One per listening channel; owned by its event loop.
 */
final class AcceptBackoff extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(AcceptBackoff.class);
  /** Long enough that a flood cannot keep the loop busy, short enough that clients hardly notice. */
  static final long PAUSE_MS = 200;

  private final String port;
  private final Counters counters;
  private final RateLimitedWarn warn = new RateLimitedWarn(log);

  AcceptBackoff(String port, Counters counters) {
    this.port = port;
    this.counters = counters;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (!(cause instanceof IOException)) {
      ctx.fireExceptionCaught(cause);
      return;
    }
    counters.acceptPauses.incrementAndGet();
    String why = String.valueOf(cause.getMessage());
    warn.warn(port + " on " + ctx.channel().localAddress() + " could not accept a connection (" + why + ")"
        + (outOfFiles(why) ? ": out of file descriptors, see the open-file limit (ulimit -n, LimitNOFILE)" : "")
        + "; not accepting for " + PAUSE_MS + " ms");
    if (ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(false);
      ctx.executor().schedule(() -> {
        if (ctx.channel().isOpen()) {
          ctx.channel().config().setAutoRead(true);
        }
      }, PAUSE_MS, TimeUnit.MILLISECONDS);
    }
  }

  /** The JDK's and Netty's native message for EMFILE and ENFILE alike. */
  static boolean outOfFiles(String message) {
    return message.contains("Too many open files");
  }
}
