package io.raftd.transport;

import io.raftd.raft.MemberId;
import com.google.protobuf.ByteString;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.raftd.proto.Challenge;
import io.raftd.proto.Hello;
import io.raftd.proto.HelloReply;
import io.raftd.proto.PeerFrame;
import java.util.Optional;
import java.util.function.Function;

/**
 * The accepting side of the handshake (peer.proto): a Hello in our protocol version with a nonce and the
 * fingerprint of a token we accept, answered with our Challenge; then the connector's Proof. Only once the
 * proof holds does the connection learn anything (our ids, whether it reached the right cluster and member)
 * and may it send anything else: a Raft or snapshot connection must come from a member this one admits
 * (a PROBE may come from any holder of the token, inside or outside a cluster, and by address only). An
 * accepted connection is handed to the handler for its purpose; any other is refused and closed.
 *
 * <p>Owned by the connection's event loop.
 */
final class InboundHandshakeHandler extends ChannelInboundHandlerAdapter {
  private final Identity identity;
  private final Options options;
  private final ConnectionGuard guard;
  private final Function<Hello, ChannelHandler> handlerForPurpose;
  /** The Hello, the key it named and our nonce, once our Challenge is out; null before. */
  private Hello hello;
  private byte[] secret;
  private byte[] nonce;

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
    if (hello == null) {
      onHello(ctx, frame);
    } else {
      onProof(ctx, frame);
    }
  }

  private void onHello(ChannelHandlerContext ctx, PeerFrame frame) {
    if (!frame.hasHello()) {
      throw new ProtocolViolation("first frame is " + frame.getBodyCase() + ", not a Hello");
    }
    Hello h = frame.getHello();
    String refusal = unauthenticatedRefusal(h);
    if (refusal != null) {
      refuse(ctx, "refused Hello: " + refusal, HelloReply.newBuilder().setReason(refusal));
      return;
    }
    hello = h;
    secret = identity.keys.secretFor(h.getKeyId()).orElseThrow();
    nonce = ClusterKeys.nonce();
    ctx.writeAndFlush(PeerFrame.newBuilder().setChallenge(Challenge.newBuilder().setNonce(ByteString.copyFrom(nonce))
        .setProof(ByteString.copyFrom(ClusterKeys.acceptorProof(secret, h, nonce)))).build());
  }

  private void onProof(ChannelHandlerContext ctx, PeerFrame frame) {
    if (!frame.hasProof()) {
      throw new ProtocolViolation("Challenge answered with " + frame.getBodyCase() + ", not a Proof");
    }
    byte[] expected = ClusterKeys.connectorProof(secret, hello, nonce);
    if (!ClusterKeys.same(expected, frame.getProof().getProof().toByteArray())) {
      refuse(ctx, "refused peer: its proof does not match the cluster token",
          HelloReply.newBuilder().setReason("authentication failed: not the cluster token"));
      return;
    }
    HelloReply.Builder reply = HelloReply.newBuilder().setClusterId(identity.clusterId()).setMemberId(identity.selfId);
    String refusal = authenticatedRefusal(hello, ctx.pipeline());
    if (refusal != null) {
      refuse(ctx, "refused Hello from member " + MemberId.hex(hello.getFrom()) + ": " + refusal,
          reply.setReason(refusal));
      return;
    }
    ctx.writeAndFlush(PeerFrame.newBuilder().setHelloReply(reply.setAccepted(true)).build());
    ConnectionLimit.authenticated(ctx.channel());
    FrameCodec.afterHandshake(ctx, hello.getPurpose(), handlerForPurpose.apply(hello), options);
  }

  private void refuse(ChannelHandlerContext ctx, String why, HelloReply.Builder reply) {
    guard.reject(ctx.channel(), RejectReason.HANDSHAKE_REFUSED, why, PeerFrame.newBuilder().setHelloReply(reply.setAccepted(false)).build());
  }

  /** Why this Hello is refused before the connector has proved anything (naming no id of ours), or null. */
  private String unauthenticatedRefusal(Hello h) {
    if (h.getProtocolVersion() != Identity.PROTOCOL_VERSION) {
      return "protocol version " + h.getProtocolVersion() + ", this member speaks " + Identity.PROTOCOL_VERSION;
    }
    if (h.getPurpose() == Hello.Purpose.UNRECOGNIZED) {
      return "unknown purpose " + h.getPurposeValue();
    }
    if (h.getNonce().size() != ClusterKeys.NONCE_BYTES) {
      return "a Hello needs a " + ClusterKeys.NONCE_BYTES + "-byte nonce, this one has " + h.getNonce().size();
    }
    if (!identity.keys.usable()) {
      return "this member has no cluster.token, so it accepts no peers";
    }
    if (identity.keys.secretFor(h.getKeyId()).isEmpty()) {
      return "authentication failed: key " + String.format("%016x", h.getKeyId())
          + " is not one of this member's cluster tokens";
    }
    return null;
  }

  /** Why this authenticated Hello is refused, or null if it is accepted. */
  private String authenticatedRefusal(Hello h, io.netty.channel.ChannelPipeline pipeline) {
    boolean probe = h.getPurpose() == Hello.Purpose.PROBE;
    long ours = identity.clusterId();
    // A probe is how a member outside any cluster (ours or its own is 0) learns whether to bootstrap.
    if (h.getClusterId() != ours && !(probe && (h.getClusterId() == 0 || ours == 0))) {
      return "wrong cluster: " + MemberId.hex(h.getClusterId()) + ", this member is in cluster "
          + MemberId.hex(ours);
    }
    if (h.getTo() != identity.selfId && !(probe && h.getTo() == 0)) {
      return "wrong member: addressed to " + MemberId.hex(h.getTo()) + ", this is member "
          + MemberId.hex(identity.selfId);
    }
    if (!probe && !identity.admits(h.getFrom())) {
      return "member " + MemberId.hex(h.getFrom()) + " is not a member of this cluster's configuration";
    }
    // Under TLS a member speaks only for itself: its certificate must name the member it says Hello as. A
    // probe needs only a certificate of the cluster's CA (a member may probe before it knows any id).
    if (!probe && identity.tls != null) {
      return PeerTls.certificateRefusal(pipeline, identity, h.getFrom());
    }
    return null;
  }
}
