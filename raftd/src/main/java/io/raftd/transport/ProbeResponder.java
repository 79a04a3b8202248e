package io.raftd.transport;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.raftd.proto.PeerFrame;
import io.raftd.proto.ProbeReply;
import io.raftd.proto.ProbeRequest;
import java.util.function.Function;

/** Answers the one ProbeRequest of a PROBE connection, after the handshake, and closes it. */
final class ProbeResponder extends ChannelInboundHandlerAdapter {
  private final Function<ProbeRequest, ProbeReply> answer;
  private boolean answered;

  ProbeResponder(Function<ProbeRequest, ProbeReply> answer) {
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
    ProbeReply reply = answer.apply(frame.getProbe());
    ctx.writeAndFlush(PeerFrame.newBuilder().setProbeReply(reply).build()).addListener(ChannelFutureListener.CLOSE);
  }
}
