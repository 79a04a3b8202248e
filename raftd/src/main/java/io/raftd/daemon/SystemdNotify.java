package io.raftd.daemon;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Tells systemd (Type=notify) that the member is ready (recovery done, ports bound) and, on a clean stop,
 * that it is stopping. The JDK cannot send a datagram to a Unix socket; Netty's epoll domain datagram
 * channel can, so without epoll raftd says at WARN that it cannot, and the unit should use Type=simple.
 * No MAINPID: bin/raftd execs the JVM, so the sender is the unit's main process, which systemd accepts
 * by default (NotifyAccess=main).
 */
final class SystemdNotify {
  private final String socket;
  private final Throwable epollUnavailable;
  private final Logger log;

  /**
   * @param socket the value of $NOTIFY_SOCKET: a path, or {@code @name} for an abstract socket; null or
   *     empty when systemd is not waiting for a notification
   * @param epollUnavailable why epoll cannot be used, or null if it can
   */
  SystemdNotify(String socket, Throwable epollUnavailable, Logger log) {
    this.socket = socket == null || socket.isEmpty() ? null : socket;
    this.epollUnavailable = epollUnavailable;
    this.log = log;
  }

  /** Notifies the socket systemd gave this process, if any. */
  static SystemdNotify fromEnvironment(Logger log) {
    return new SystemdNotify(System.getenv("NOTIFY_SOCKET"), Epoll.isAvailable() ? null : Epoll.unavailabilityCause(),
        log);
  }

  /** The member serves: systemd's start job is done. */
  void ready() {
    send("READY=1", "ready");
  }

  /** The member begins to stop: systemd shows it as deactivating rather than as a failed or hung service. */
  void stopping() {
    send("STOPPING=1", "stopping");
  }

  private void send(String state, String what) {
    if (socket == null) {
      return;
    }
    if (epollUnavailable != null) {
      log.warn("cannot tell systemd raftd is {}: $NOTIFY_SOCKET is set but epoll is unavailable ({}); "
          + "use Type=simple", what, epollUnavailable.toString());
      return;
    }
    String address;
    if (socket.startsWith("@")) {
      address = "\0" + socket.substring(1);  // an abstract socket: '@' in the variable, a NUL byte on the wire
    } else if (socket.startsWith("/")) {
      address = socket;
    } else {
      log.warn("cannot tell systemd raftd is {}: $NOTIFY_SOCKET = {} is neither a path nor an abstract socket "
          + "(@name), the only kinds supported; use Type=simple", what, socket);
      return;
    }
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try {
      Channel ch = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {}
          })
          .bind(new DomainSocketAddress("")).syncUninterruptibly().channel();
      ch.writeAndFlush(new DomainDatagramPacket(Unpooled.copiedBuffer(state, StandardCharsets.US_ASCII),
          new DomainSocketAddress(address))).syncUninterruptibly();
      ch.close().syncUninterruptibly();
      log.info("told systemd raftd is {}", what);
    } catch (Exception e) {
      // Netty rethrows a failed send's IOException unchecked (the socket is gone, say): systemd then misses
      // a notification, which must not stop a member that serves.
      log.warn("could not tell systemd raftd is {}: {}", what, e.toString());
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
