package io.raftd.transport;

import java.time.Duration;

/**
 * What one listening port (peer or admin) lets its connections hold, so that no amount of connecting,
 * idling or half-sent frames from outside can use up the member's file descriptors or memory.
 *
 * @param name the port's table in raftd.toml ({@code peer_port}, {@code admin_port}): every message about a
 *     limit names the key, so the operator knows which one to raise
 * @param maxConnections connections open at once on the port; one more is closed as soon as it is accepted
 * @param maxConnectionsPerAddress connections open at once from one remote IP address, so one host cannot
 *     take the whole port
 * @param frameBufferBytes bytes of partly received frames held across all of the port's connections; a
 *     frame whose declared length does not fit what is left closes its connection before any of it is
 *     buffered (frames up to {@link FrameBudget#UNCHARGED_BYTES} are not charged, see there)
 * @param idleTimeout a connection that sends nothing for this long, with no request of it unanswered, is
 *     closed; {@link Duration#ZERO} for never
 */
public record PortLimits(String name, int maxConnections, int maxConnectionsPerAddress, long frameBufferBytes,
    Duration idleTimeout) {

  public PortLimits {
    // How the limits relate to each other and to the frame size is the config's to check and explain.
    if (maxConnections < 1 || maxConnectionsPerAddress < 1 || frameBufferBytes < 1 || idleTimeout.isNegative()) {
      throw new IllegalArgumentException(name + ": limits must be positive: " + maxConnections + ", "
          + maxConnectionsPerAddress + ", " + frameBufferBytes + ", " + idleTimeout);
    }
  }

  /** No limit worth the name: for tests of other things, and transports built without a config. */
  public static PortLimits unbounded(String name) {
    return new PortLimits(name, Integer.MAX_VALUE, Integer.MAX_VALUE, Long.MAX_VALUE, Duration.ZERO);
  }

  public PortLimits withIdleTimeout(Duration timeout) {
    return new PortLimits(name, maxConnections, maxConnectionsPerAddress, frameBufferBytes, timeout);
  }
}
