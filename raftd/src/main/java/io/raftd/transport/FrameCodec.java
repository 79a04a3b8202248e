package io.raftd.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.raftd.proto.Hello;
import io.raftd.proto.PeerFrame;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The peer port's framing (peer.proto): a 4-byte big-endian length, then one PeerFrame. Sets up the
 * front of every peer pipeline, and the timeout that guards it before and after the handshake. The
 * decoder, with its frame timeout, also frames the admin port.
 */
final class FrameCodec {
  private static final String TIMEOUT = "timeout";
  /**
   * The largest frame a peer connection takes before its handshake is done: a Hello, Challenge, Proof or
   * HelloReply is a few hundred bytes, and a connection that has proved nothing gets no more of our memory.
   */
  static final int HANDSHAKE_FRAME_BYTES = 64 * 1024;
  private static final MessageDecoder PEER_FRAMES = new MessageDecoder(PeerFrame.getDefaultInstance());

  private FrameCodec() {}

  /** Adds the framing and the handshake timeout for a connection we dialed: its peer answers only us. */
  static void install(ChannelPipeline p, Options options) {
    install(p, options, FrameBudget.UNLIMITED);
  }

  /**
   * Adds the framing, charging partly received frames to the port's budget, and the handshake timeout;
   * the connection's own handlers go after these.
   */
  static void install(ChannelPipeline p, Options options, FrameBudget budget) {
    p.addLast("frames", new FrameDecoder(options, budget, HANDSHAKE_FRAME_BYTES));
    p.addLast("decode", PEER_FRAMES);
    p.addLast("encode", MessageEncoder.INSTANCE);
    p.addLast(TIMEOUT, new ReadTimeoutHandler(options.handshakeTimeout().toMillis(), TimeUnit.MILLISECONDS));
  }

  /**
   * Hands a connection whose handshake succeeded from the handshake handler to {@code next}, the handler
   * for its purpose, and swaps the handshake timeout for the one that purpose needs: none for a Raft
   * connection (its traffic comes and goes with leadership), an idle timeout for a snapshot stream, and
   * for a probe the same deadline again, for its one answer.
   */
  static void afterHandshake(ChannelHandlerContext handshake, Hello.Purpose purpose, ChannelHandler next,
      Options options) {
    ChannelPipeline p = handshake.pipeline();
    ((FrameDecoder) p.get("frames")).handshakeDone();
    switch (purpose) {
      case RAFT -> p.remove(TIMEOUT);
      case SNAPSHOT -> p.replace(TIMEOUT, TIMEOUT,
          new IdleStateHandler(0, 0, options.snapshotIdleTimeout().toMillis(), TimeUnit.MILLISECONDS));
      case PROBE, UNRECOGNIZED -> { }
    }
    p.replace(handshake.handler(), purpose.name().toLowerCase(Locale.ROOT), next);
  }

  /**
   * Length-prefixed frames, failing fast on a length over the limit (nothing of it is buffered), on a
   * frame cut short by the end of the connection, on a frame the other end stops sending part way
   * (otherwise it could hold the connection and up to a frame's worth of buffer forever), and discarding
   * everything once the connection has been rejected (frames already read behind a bad one must not be
   * acted on). A frame's declared length is charged to the port's {@link FrameBudget} when its prefix
   * arrives, before any of it is buffered, and a frame that does not fit closes the connection. A
   * connection between frames may stay idle: clients keep connections open, and Raft connections fall
   * silent with leadership.
   *
   * <p>Owned by the connection's event loop.
   */
  static final class FrameDecoder extends LengthFieldBasedFrameDecoder {
    private final long frameTimeoutNanos;
    /** When bytes last arrived on the connection, or when reading last resumed after a pause of ours. */
    private long lastProgress;
    /** Checks whether an unfinished frame is still stalled; scheduled only while one is buffered. */
    private ScheduledFuture<?> stallCheck;
    private final int maxFrameBytes;
    /** The largest frame taken until {@link #handshakeDone}; then maxFrameBytes. */
    private int limit;
    private final FrameBudget budget;
    /** What the frame now arriving holds of the budget: 0 between frames and for small frames. */
    private long charged;

    /** Frames up to the transport's maximum from the start (the admin port, which has no handshake). */
    FrameDecoder(Options options, FrameBudget budget) {
      this(options, budget, options.maxFrameBytes());
    }

    /** Frames up to {@code untilHandshake} until {@link #handshakeDone}, then up to the transport's maximum. */
    FrameDecoder(Options options, FrameBudget budget, int untilHandshake) {
      super(options.maxFrameBytes(), 0, 4, 0, 4);
      this.frameTimeoutNanos = options.frameTimeout().toNanos();
      this.maxFrameBytes = options.maxFrameBytes();
      this.limit = Math.min(untilHandshake, maxFrameBytes);
      this.budget = budget;
    }

    void handshakeDone() {
      limit = maxFrameBytes;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
      lastProgress = ctx.executor().ticker().nanoTime();
      super.channelRead(ctx, msg);
      if (stallCheck == null && internalBuffer().isReadable()) {
        stallCheck = ctx.executor().schedule(() -> checkStall(ctx), frameTimeoutNanos, TimeUnit.NANOSECONDS);
      }
    }

    private void checkStall(ChannelHandlerContext ctx) {
      stallCheck = null;
      if (!ctx.channel().isActive() || !internalBuffer().isReadable()) {
        return;  // the frame was finished (or the connection is gone): the next partial one schedules anew
      }
      long now = ctx.executor().ticker().nanoTime();
      if (!ctx.channel().config().isAutoRead()) {
        // We stopped reading (a snapshot receiver waiting for its disk): the wait is ours, not the sender's.
        lastProgress = now;
      }
      long quiet = now - lastProgress;
      if (quiet >= frameTimeoutNanos) {
        ctx.fireExceptionCaught(new ProtocolViolation(RejectReason.UNFINISHED, "a frame left unfinished: " + internalBuffer().readableBytes()
            + " bytes of it received, then nothing for " + TimeUnit.NANOSECONDS.toMillis(quiet) + " ms"));
      } else {
        stallCheck = ctx.executor().schedule(() -> checkStall(ctx), frameTimeoutNanos - quiet, TimeUnit.NANOSECONDS);
      }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
      budget.release(charged);  // the connection is going: its unfinished frame holds nothing any more
      charged = 0;
      if (stallCheck != null) {
        stallCheck.cancel(false);
        stallCheck = null;
      }
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
      if (ctx.channel().hasAttr(ConnectionGuard.REJECTED)) {
        in.skipBytes(in.readableBytes());
        return null;
      }
      if (charged == 0 && in.readableBytes() >= 4) {
        long length = in.getUnsignedInt(in.readerIndex());
        if (length > limit && length <= maxFrameBytes) {
          in.skipBytes(in.readableBytes());
          throw new TooLongFrameException("a " + length + "-byte frame before the handshake is done: at most "
              + limit + " bytes until then");
        }
        if (length <= maxFrameBytes) {  // a longer one is refused by the superclass, with nothing buffered
          charged = budget.charge(length);
        }
      }
      Object frame = super.decode(ctx, in);
      if (frame != null) {
        budget.release(charged);
        charged = 0;
      }
      return frame;
    }

    @Override
    protected void decodeLast(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) throws Exception {
      super.decodeLast(ctx, in, out);
      if (in.isReadable()) {
        int left = in.readableBytes();
        in.skipBytes(left);
        throw new CorruptedFrameException("connection closed inside a frame (" + left + " bytes of it received)");
      }
    }
  }
}
