package io.raftd.transport;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.raftd.proto.PeerFrame;
import io.raftd.proto.ProbeReply;
import io.raftd.proto.ProbeRequest;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/** Asks one probe on a PROBE connection, after the handshake, and completes {@code answer} with the reply. */
final class ProbeClient extends ChannelInboundHandlerAdapter {
  private final ProbeRequest request;
  private final CompletableFuture<ProbeReply> answer;

  ProbeClient(ProbeRequest request, CompletableFuture<ProbeReply> answer) {
    this.request = request;
    this.answer = answer;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    ctx.writeAndFlush(PeerFrame.newBuilder().setProbe(request).build());
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    PeerFrame frame = (PeerFrame) msg;
    if (!frame.hasProbeReply()) {
      throw new ProtocolViolation(frame.getBodyCase() + " on a probe connection, expected a ProbeReply");
    }
    answer.complete(frame.getProbeReply());
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    answer.completeExceptionally(new IOException("the connection closed before the probe was answered"));
    ctx.fireChannelInactive();
  }
}
