package io.raftd.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.HashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A listening channel's handler that holds the port to {@link PortLimits#maxConnections} open connections,
 * and {@link PortLimits#maxConnectionsPerAddress} from any one remote IP address. A connection over either
 * limit is closed as soon as it is accepted, before it is registered with an event loop or given a buffer,
 * and counted in {@link Counters#connectionsRefused()}; the WARN naming the limit is rate-limited, since a
 * flood of connections must not become a flood of log lines.
 *
 * <p>Accepts happen on the listening channel's event loop, closes on the connections' loops: the counts
 * are guarded by this object's lock (an accept or a close takes it once).
 */
@Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ConnectionLimit.class);

  private final PortLimits limits;
  private final Counters counters;
  private final RateLimitedWarn warn = new RateLimitedWarn(log);
  private int open;
  private final Map<InetAddress, Integer> byAddress = new HashMap<>();

  ConnectionLimit(PortLimits limits, Counters counters) {
    this.limits = limits;
    this.counters = counters;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object accepted) {
    Channel child = (Channel) accepted;
    InetAddress from = ((InetSocketAddress) child.remoteAddress()).getAddress();
    String refusal = admit(from);
    if (refusal != null) {
      counters.connectionsRefused.incrementAndGet();
      warn.warn("refused connection " + child.remoteAddress() + " on " + ctx.channel().localAddress() + ": " + refusal);
      // Not registered with any event loop yet: closing it here frees its descriptor at once.
      child.unsafe().closeForcibly();
      return;
    }
    child.closeFuture().addListener(f -> release(from));
    ctx.fireChannelRead(child);
  }

  /** Takes a place for a connection from {@code from}, or says which limit it is over. */
  private synchronized String admit(InetAddress from) {
    if (open >= limits.maxConnections()) {
      return limits.name() + ".max_connections = " + limits.maxConnections() + " connections are open";
    }
    int fromThere = byAddress.getOrDefault(from, 0);
    if (fromThere >= limits.maxConnectionsPerAddress()) {
      return limits.name() + ".max_connections_per_address = " + limits.maxConnectionsPerAddress()
          + " connections from " + from.getHostAddress() + " are open";
    }
    open++;
    byAddress.put(from, fromThere + 1);
    return null;
  }

  private synchronized void release(InetAddress from) {
    open--;
    byAddress.computeIfPresent(from, (a, n) -> n == 1 ? null : n - 1);
  }

  /** Connections open now (for tests). */
  synchronized int open() {
    return open;
  }
}
