package io.raftd.transport;

import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The socket implementation: epoll where its native library loads, NIO everywhere else. */
record IoKind(String name, IoHandlerFactory handlers, Class<? extends ServerChannel> serverChannel,
    Class<? extends SocketChannel> channel) {
  private static final Logger log = LoggerFactory.getLogger(IoKind.class);
  private static final String NATIVE_WORKDIR = "io.netty.native.workdir";

  static IoKind choose(Options options) throws IOException {
    if (!options.epoll()) {
      log.info("peer transport: NIO (epoll disabled in the options)");
      return nio();
    }
    Path workDir = options.nativeWorkDir();
    // Netty unpacks its native library into the system's temporary directory unless told otherwise, and
    // that may be mounted noexec; the property is read once per JVM, so the first transport's choice holds.
    if (workDir != null && System.getProperty(NATIVE_WORKDIR) == null) {
      Files.createDirectories(workDir);
      System.setProperty(NATIVE_WORKDIR, workDir.toAbsolutePath().toString());
    }
    if (Epoll.isAvailable()) {
      log.info("peer transport: epoll");
      return new IoKind("epoll", EpollIoHandler.newFactory(), EpollServerSocketChannel.class, EpollSocketChannel.class);
    }
    log.info("peer transport: NIO (epoll unavailable: {})", Epoll.unavailabilityCause().toString());
    return nio();
  }

  private static IoKind nio() {
    return new IoKind("nio", NioIoHandler.newFactory(), NioServerSocketChannel.class, NioSocketChannel.class);
  }
}
