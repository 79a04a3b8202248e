package io.raftd.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;

/**
 * What every listening channel (peer and admin port) runs, in order: {@link AcceptBackoff} for accepts
 * that fail, {@link ConnectionLimit} to refuse what is over the port's limits before it costs anything
 * more, and {@link AcceptedChannels} to track what is admitted for close().
 */
final class ListeningHandlers extends ChannelInitializer<Channel> {
  private final PortLimits limits;
  private final Counters counters;
  private final ConnectionLimit connectionLimit;
  private final AcceptedChannels accepted;

  /** @param handshake whether the port's connections authenticate first (see {@link ConnectionLimit}) */
  ListeningHandlers(PortLimits limits, Counters counters, ChannelGroup group, boolean handshake) {
    this.limits = limits;
    this.counters = counters;
    this.connectionLimit = new ConnectionLimit(limits, counters, handshake);
    this.accepted = new AcceptedChannels(group);
  }

  @Override
  protected void initChannel(Channel server) {
    server.pipeline().addLast("backoff", new AcceptBackoff(limits.name(), counters));
    server.pipeline().addLast("limit", connectionLimit);
    server.pipeline().addLast("accepted", accepted);
  }

  /** Connections the port holds open now (for tests). */
  int open() {
    return connectionLimit.open();
  }
}
