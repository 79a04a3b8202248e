package io.raftd.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.CorruptedFrameException;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.LengthFieldPrepender;
import io.netty.handler.codec.protobuf.ProtobufDecoder;
import io.netty.handler.codec.protobuf.ProtobufEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.timeout.ReadTimeoutHandler;
import io.raftd.proto.Hello;
import io.raftd.proto.PeerFrame;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * The peer port's framing (peer.proto): a 4-byte big-endian length, then one PeerFrame. Sets up the
 * front of every peer pipeline, and the timeout that guards it before and after the handshake.
 */
final class FrameCodec {
  private static final String TIMEOUT = "timeout";

  private FrameCodec() {}

  /** Adds the framing and the handshake timeout; the connection's own handlers go after these. */
  static void install(ChannelPipeline p, Options options) {
    p.addLast("frames", new FrameDecoder(options.maxFrameBytes()));
    p.addLast("length", new LengthFieldPrepender(4));
    p.addLast("decode", new ProtobufDecoder(PeerFrame.getDefaultInstance()));
    p.addLast("encode", new ProtobufEncoder());
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
   * frame cut short by the end of the connection, and discarding everything once the connection has
   * been rejected (frames already read behind a bad one must not be acted on).
   */
  static final class FrameDecoder extends LengthFieldBasedFrameDecoder {
    FrameDecoder(int maxFrameBytes) {
      super(maxFrameBytes, 0, 4, 0, 4);
    }

    @Override
    protected Object decode(ChannelHandlerContext ctx, ByteBuf in) throws Exception {
      if (ctx.channel().hasAttr(ConnectionGuard.REJECTED)) {
        in.skipBytes(in.readableBytes());
        return null;
      }
      return super.decode(ctx, in);
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
