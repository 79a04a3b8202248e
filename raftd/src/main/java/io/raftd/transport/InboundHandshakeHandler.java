package io.raftd.transport;

import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.raftd.proto.Hello;
import io.raftd.proto.HelloReply;
import io.raftd.proto.PeerFrame;
import java.util.function.Function;

/**
 * The accepting side of the handshake: the first frame must be a Hello in our protocol version, for our
 * cluster and addressed to this member (a PROBE may come from outside any cluster and by address only).
 * An acceptable Hello is answered accepted and the connection handed to the handler for its purpose; any
 * other is answered with the reason and the connection closed.
 */
final class InboundHandshakeHandler extends ChannelInboundHandlerAdapter {
  private final Identity identity;
  private final Options options;
  private final ConnectionGuard guard;
  private final Function<Hello, ChannelHandler> handlerForPurpose;

  InboundHandshakeHandler(Identity identity, Options options, ConnectionGuard guard,
      Function<Hello, ChannelHandler> handlerForPurpose) {
    this.identity = identity;
    this.options = options;
    this.guard = guard;
    this.handlerForPurpose = handlerForPurpose;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    PeerFrame frame = (PeerFrame) msg;
    if (!frame.hasHello()) {
      throw new ProtocolViolation("first frame is " + frame.getBodyCase() + ", not a Hello");
    }
    Hello hello = frame.getHello();
    HelloReply.Builder reply = HelloReply.newBuilder().setClusterId(identity.clusterId()).setMemberId(identity.selfId);
    String refusal = refusal(hello);
    if (refusal != null) {
      guard.reject(ctx.channel(), "refused Hello from member " + Long.toUnsignedString(hello.getFrom()) + ": " + refusal,
          PeerFrame.newBuilder().setHelloReply(reply.setAccepted(false).setReason(refusal)).build());
      return;
    }
    ctx.writeAndFlush(PeerFrame.newBuilder().setHelloReply(reply.setAccepted(true)).build());
    FrameCodec.afterHandshake(ctx, hello.getPurpose(), handlerForPurpose.apply(hello), options);
  }

  /** Why this Hello is refused, or null if it is accepted. */
  private String refusal(Hello hello) {
    if (hello.getProtocolVersion() != Identity.PROTOCOL_VERSION) {
      return "protocol version " + hello.getProtocolVersion() + ", this member speaks " + Identity.PROTOCOL_VERSION;
    }
    if (hello.getPurpose() == Hello.Purpose.UNRECOGNIZED) {
      return "unknown purpose " + hello.getPurposeValue();
    }
    boolean probe = hello.getPurpose() == Hello.Purpose.PROBE;
    long ours = identity.clusterId();
    // A probe is how a member outside any cluster (ours or its own is 0) learns whether to bootstrap.
    if (hello.getClusterId() != ours && !(probe && (hello.getClusterId() == 0 || ours == 0))) {
      return "wrong cluster: " + Long.toUnsignedString(hello.getClusterId(), 16) + ", this member is in cluster "
          + Long.toUnsignedString(ours, 16);
    }
    if (hello.getTo() != identity.selfId && !(probe && hello.getTo() == 0)) {
      return "wrong member: addressed to " + Long.toUnsignedString(hello.getTo()) + ", this is member "
          + Long.toUnsignedString(identity.selfId);
    }
    return null;
  }
}
