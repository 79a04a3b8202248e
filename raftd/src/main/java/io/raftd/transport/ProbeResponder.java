package io.raftd.transport;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.raftd.proto.PeerFrame;
import io.raftd.proto.ProbeReply;
import io.raftd.proto.ProbeRequest;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Answers the one ProbeRequest of a PROBE connection, after the handshake, and closes it. The answer may
 * come later (a join waits for the change that adds the member); the connection's frame timeout does not
 * apply to a connection waiting for its answer, the asker's deadline does.
 */
final class ProbeResponder extends ChannelInboundHandlerAdapter {
  private final Function<ProbeRequest, CompletableFuture<ProbeReply>> answer;
  private boolean answered;

  ProbeResponder(Function<ProbeRequest, CompletableFuture<ProbeReply>> answer) {
    this.answer = answer;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    PeerFrame frame = (PeerFrame) msg;
    if (!frame.hasProbe()) {
      throw new ProtocolViolation(frame.getBodyCase() + " on a probe connection, expected a ProbeRequest");
    }
    if (answered) {
      throw new ProtocolViolation("a second ProbeRequest on one probe connection");
    }
    answered = true;
    answer.apply(frame.getProbe()).whenComplete((reply, failure) -> {
      if (failure != null) {
        ctx.close();
      } else {
        ctx.writeAndFlush(PeerFrame.newBuilder().setProbeReply(reply).build()).addListener(ChannelFutureListener.CLOSE);
      }
    });
  }
}
