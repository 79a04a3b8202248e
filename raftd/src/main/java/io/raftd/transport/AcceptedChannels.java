package io.raftd.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.group.ChannelGroup;

/**
 * A listening channel's handler that adds every accepted connection to a group before the connection is
 * registered, so a close() that closes the group cannot miss one. Servers close their connections
 * themselves because an event loop that is running tasks when its group shuts down (quiet period 0) can
 * terminate without closing its channels.
 */
@Sharable
final class AcceptedChannels extends ChannelInboundHandlerAdapter {
  private final ChannelGroup group;

  AcceptedChannels(ChannelGroup group) {
    this.group = group;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object accepted) {
    group.add((Channel) accepted);
    ctx.fireChannelRead(accepted);
  }
}
