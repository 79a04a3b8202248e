package io.raftd.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.AttributeKey;
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
 * <p>On a port with a handshake (the peer port) at most half of the places may be held by connections that
 * have not authenticated yet, and when they hold them all the oldest of them is closed to make room for the
 * new one: a flood of strangers, each of which would be let go only at the handshake timeout, can neither
 * take the places of members that have authenticated nor keep a reconnecting member out (its handshake takes
 * milliseconds; it would have to be evicted by that many newer connections first). The handshake says when
 * a connection has authenticated through {@link #authenticated}.
 *
 * <p>Accepts happen on the listening channel's event loop, closes on the connections' loops: the counts
 * are guarded by this object's lock (an accept or a close takes it once).
 */
@Sharable
final class ConnectionLimit extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(ConnectionLimit.class);

  /** Set on an accepted connection of a port with a handshake until it authenticates: its limit. */
  private static final AttributeKey<ConnectionLimit> UNAUTHENTICATED = AttributeKey.valueOf("raftd.unauthenticated");

  private final PortLimits limits;
  private final Counters counters;
  private final RateLimitedWarn warn = new RateLimitedWarn(log);
  /** How many places connections that have not authenticated may hold; maxConnections without a handshake. */
  private final int maxUnauthenticated;
  private int open;
  /** The connections that have not authenticated yet, oldest first. */
  private final java.util.LinkedHashSet<Channel> unauthenticated = new java.util.LinkedHashSet<>();
  private final Map<InetAddress, Integer> byAddress = new HashMap<>();

  /** @param handshake whether connections authenticate first ({@link #authenticated} is called then) */
  ConnectionLimit(PortLimits limits, Counters counters, boolean handshake) {
    this.limits = limits;
    this.counters = counters;
    this.maxUnauthenticated = handshake ? Math.max(1, limits.maxConnections() / 2) : limits.maxConnections();
  }

  /** The connection has authenticated: it no longer counts against the places of those that have not. */
  static void authenticated(Channel ch) {
    ConnectionLimit limit = ch.attr(UNAUTHENTICATED).getAndSet(null);
    if (limit != null) {
      limit.leaveUnauthenticated(ch);
    }
  }

  private synchronized void leaveUnauthenticated(Channel ch) {
    unauthenticated.remove(ch);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object accepted) {
    Channel child = (Channel) accepted;
    InetAddress from = ((InetSocketAddress) child.remoteAddress()).getAddress();
    Channel evicted = null;
    String refusal;
    synchronized (this) {
      refusal = admit(from);
      if (refusal == null && maxUnauthenticated < limits.maxConnections()) {
        if (unauthenticated.size() >= maxUnauthenticated) {
          evicted = unauthenticated.iterator().next();
          unauthenticated.remove(evicted);
        }
        unauthenticated.add(child);
        child.attr(UNAUTHENTICATED).set(this);
      }
    }
    if (evicted != null) {
      counters.unauthenticatedEvicted.incrementAndGet();
      warn.warn("closed connection " + evicted.remoteAddress() + " on " + ctx.channel().localAddress()
          + ": it had not authenticated and " + maxUnauthenticated + " connections (half of " + limits.name()
          + ".max_connections) had not, so the oldest made room for a new one");
      evicted.close();
    }
    if (refusal != null) {
      counters.connectionsRefused.incrementAndGet();
      warn.warn("refused connection " + child.remoteAddress() + " on " + ctx.channel().localAddress() + ": " + refusal);
      // Not registered with any event loop yet: closing it here frees its descriptor at once.
      child.unsafe().closeForcibly();
      return;
    }
    child.closeFuture().addListener(f -> {
      authenticated(child);  // gone before it authenticated: its place among those is free again
      release(from);
    });
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
