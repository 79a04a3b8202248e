package io.raftd.transport;

import com.google.protobuf.ByteString;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.concurrent.Promise;
import io.raftd.proto.Challenge;
import io.raftd.proto.Hello;
import io.raftd.proto.HelloReply;
import io.raftd.proto.PeerFrame;
import io.raftd.proto.Proof;
import java.nio.channels.ClosedChannelException;

/**
 * The connecting side of the handshake (peer.proto): sends the Hello, checks that the acceptor's Challenge
 * proves it holds our cluster token before proving that we do, then waits for the HelloReply before anything
 * else may flow. Accepted: the connection is handed to the handler for its purpose and {@code handshaken}
 * succeeds; refused, unproven or closed first: {@code handshaken} fails.
 *
 * <p>Owned by the connection's event loop.
 */
final class OutboundHandshakeHandler extends ChannelInboundHandlerAdapter {
  private final Hello hello;
  private final Identity identity;
  private final byte[] secret;
  private final ChannelHandler then;
  private final Promise<Channel> handshaken;
  private final Options options;
  private boolean proved;

  /** @param hello our Hello, with its nonce and the fingerprint of our current key */
  OutboundHandshakeHandler(Hello hello, Identity identity, ChannelHandler then, Promise<Channel> handshaken,
      Options options) {
    this.hello = hello;
    this.identity = identity;
    this.secret = identity.keys.currentSecret();
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
    if (frame.hasChallenge() && !proved) {
      answer(ctx, frame.getChallenge());
    } else if (frame.hasHelloReply()) {
      reply(ctx, frame.getHelloReply());
    } else {
      throw new ProtocolViolation("Hello answered with " + frame.getBodyCase() + ", not a Challenge or HelloReply");
    }
  }

  private void answer(ChannelHandlerContext ctx, Challenge challenge) {
    byte[] theirNonce = challenge.getNonce().toByteArray();
    byte[] expected = ClusterKeys.acceptorProof(secret, hello, theirNonce);
    if (theirNonce.length != ClusterKeys.NONCE_BYTES || !ClusterKeys.same(expected, challenge.getProof().toByteArray())) {
      handshaken.tryFailure(new HandshakeRefused("the member at " + ctx.channel().remoteAddress()
          + " did not prove it holds the cluster token"));
      ctx.close();
      return;
    }
    proved = true;
    ctx.writeAndFlush(PeerFrame.newBuilder().setProof(Proof.newBuilder()
        .setProof(ByteString.copyFrom(ClusterKeys.connectorProof(secret, hello, theirNonce)))).build());
  }

  private void reply(ChannelHandlerContext ctx, HelloReply reply) {
    if (!reply.getAccepted()) {
      handshaken.tryFailure(new HandshakeRefused(reply.getReason()));
      ctx.close();
      return;
    }
    if (!proved) {
      // Accepted without a Challenge: whoever answers does not hold the token (or skipped proving it).
      throw new ProtocolViolation("a HelloReply accepted the connection before proving the cluster token");
    }
    if (identity.tls != null && hello.getPurpose() != Hello.Purpose.PROBE) {
      String refusal = PeerTls.certificateRefusal(ctx.pipeline(), identity, hello.getTo());
      if (refusal != null) {
        handshaken.tryFailure(new HandshakeRefused("the member at " + ctx.channel().remoteAddress() + ": " + refusal));
        ctx.close();
        return;
      }
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
