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
 * Tells systemd (Type=notify) that the member is ready: recovery done, ports bound. The JDK cannot send
 * a datagram to a Unix socket; Netty's epoll domain datagram channel can, so without epoll raftd says so
 * and the unit should use Type=simple.
 */
final class SystemdNotify {
  private SystemdNotify() {}

  static void ready(Logger log) {
    String socket = System.getenv("NOTIFY_SOCKET");
    if (socket == null || socket.isEmpty()) {
      return;
    }
    if (!Epoll.isAvailable()) {
      log.warn("cannot tell systemd raftd is ready ($NOTIFY_SOCKET is set but epoll is unavailable): use Type=simple");
      return;
    }
    // An abstract socket's name starts with '@' in the variable and with a NUL byte on the wire.
    String path = socket.startsWith("@") ? "\0" + socket.substring(1) : socket;
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try {
      Channel ch = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
          .handler(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel c) {}
          })
          .bind(new DomainSocketAddress("")).syncUninterruptibly().channel();
      ch.writeAndFlush(new DomainDatagramPacket(Unpooled.copiedBuffer("READY=1", StandardCharsets.US_ASCII),
          new DomainSocketAddress(path))).syncUninterruptibly();
      ch.close().syncUninterruptibly();
      log.info("told systemd raftd is ready");
    } catch (RuntimeException e) {
      log.warn("could not tell systemd raftd is ready: {}", e.toString());
    } finally {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
  }
}
