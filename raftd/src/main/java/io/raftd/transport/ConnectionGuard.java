package io.raftd.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.ReadTimeoutException;
import io.netty.util.AttributeKey;
import java.io.IOException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of every peer and admin connection, so that no exception reaches Netty's default handler (which
 * only logs it and leaves the connection open). Bad input from the other end closes that connection, is
 * counted and logged at WARN at most once a second (a flood of garbage must not become a flood of log
 * lines); I/O errors just close it.
 */
@ChannelHandler.Sharable
final class ConnectionGuard extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);

  /** Set on a connection once it is rejected: the frame decoder then discards whatever else arrives on it. */
  static final AttributeKey<Boolean> REJECTED = AttributeKey.valueOf("raftd.rejected");

  private final Counters counters;
  private final RateLimitedWarn warn = new RateLimitedWarn(log);

  ConnectionGuard(Counters counters) {
    this.counters = counters;
  }

  /**
   * Rejects a connection for bad input: counts it, logs it, sends {@code lastWords} (if not null) and
   * closes. Only the first rejection of a connection counts.
   */
  void reject(Channel ch, RejectReason reason, String why, Object lastWords) {
    if (ch.attr(REJECTED).setIfAbsent(Boolean.TRUE) != null) {
      return;
    }
    counters.countRejected(reason);
    counters.connectionsClosedForBadInput.incrementAndGet();
    warn.warn("closed connection " + ch.remoteAddress() + ": " + why);
    if (lastWords == null) {
      ch.close();
    } else {
      ch.writeAndFlush(lastWords).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    if (cause instanceof ProtocolViolation || cause instanceof DecoderException) {
      reject(ctx.channel(), reasonFor(cause), describe(cause), null);
    } else if (cause instanceof ReadTimeoutException) {
      reject(ctx.channel(), RejectReason.HANDSHAKE_TIMEOUT, "silent past the handshake timeout", null);
    } else if (cause instanceof IOException) {
      log.debug("peer connection {} failed", ctx.channel().remoteAddress(), cause);
      ctx.close();
    } else {
      log.warn("peer connection {}: unexpected failure, closing it", ctx.channel().remoteAddress(), cause);
      ctx.close();
    }
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
    if (evt instanceof IdleStateEvent) {
      log.warn("snapshot connection {} idle past the snapshot idle timeout, abandoning it", ctx.channel().remoteAddress());
      ctx.close();
    } else {
      super.userEventTriggered(ctx, evt);
    }
  }

  private static RejectReason reasonFor(Throwable cause) {
    if (cause instanceof ProtocolViolation v) {
      return v.reason;
    }
    if (cause instanceof TooLongFrameException) {
      return RejectReason.TOO_LONG;
    }
    return cause instanceof CorruptedFrameException ? RejectReason.CUT_SHORT : RejectReason.UNDECODABLE;
  }

  private static String describe(Throwable cause) {
    // DecoderException wraps the protobuf parser's complaint; the innermost message is the useful one.
    Throwable t = cause;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getClass().getSimpleName() + ": " + t.getMessage();
  }
}
