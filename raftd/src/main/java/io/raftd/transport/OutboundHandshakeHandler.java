package io.raftd.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Promise;
import io.raftd.proto.Hello;
import io.raftd.proto.HelloReply;
import io.raftd.proto.PeerFrame;
import java.nio.channels.ClosedChannelException;

/**
 * The connecting side of the handshake: sends the Hello and waits for the HelloReply before anything
 * else may flow. Accepted: the connection is handed to the handler for its purpose and {@code handshaken}
 * succeeds; refused or closed first: {@code handshaken} fails.
 */
final class OutboundHandshakeHandler extends ChannelInboundHandlerAdapter {
  private final Hello hello;
  private final ChannelHandler then;
  private final Promise<Channel> handshaken;
  private final Options options;

  OutboundHandshakeHandler(Hello hello, ChannelHandler then, Promise<Channel> handshaken, Options options) {
    this.hello = hello;
    this.then = then;
    this.handshaken = handshaken;
    this.options = options;
  }

  @Override
  public void channelActive(ChannelHandlerContext ctx) {
    ctx.writeAndFlush(PeerFrame.newBuilder().setHello(hello).build());
    ctx.fireChannelActive();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    PeerFrame frame = (PeerFrame) msg;
    if (!frame.hasHelloReply()) {
      throw new ProtocolViolation("Hello answered with " + frame.getBodyCase() + ", not a HelloReply");
    }
    HelloReply reply = frame.getHelloReply();
    if (!reply.getAccepted()) {
      handshaken.tryFailure(new HandshakeRefused(reply.getReason()));
      ctx.close();
      return;
    }
    FrameCodec.afterHandshake(ctx, hello.getPurpose(), then, options);
    handshaken.trySuccess(ctx.channel());
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    handshaken.tryFailure(new ClosedChannelException());
    ctx.fireChannelInactive();
  }
}
