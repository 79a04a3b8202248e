package io.raftd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import io.raftd.config.ConfigLoader;
import io.raftd.config.RaftdConfig;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.StatusRequest;
import io.raftd.host.Fatal;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * systemd's side of Type=notify: a Unix datagram socket that the member must tell READY=1 once it serves
 * (not before: systemd would start what depends on it too early) and STOPPING=1 when it stops; an abstract
 * socket name works as a path does. Whatever keeps the notification from going out (no epoll, a socket
 * that is gone, an address of a kind not supported) is one WARN that says so, and the member runs on.
 */
class SystemdNotifyTest {
  private static final long PATIENCE_SECONDS = 60;
  private static EventLoopGroup group;

  @TempDir Path dir;

  @BeforeAll
  static void startGroup() {
    if (Epoll.isAvailable()) {
      group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    } else {
      System.out.println("SystemdNotifyTest: the tests with a notification socket are skipped: Netty's epoll "
          + "transport, the only way to a Unix datagram socket here, is unavailable (" + Epoll.unavailabilityCause() + ")");
    }
  }

  @AfterAll
  static void stopGroup() {
    if (group != null) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
  }

  private static void assumeEpoll() {
    assumeTrue(Epoll.isAvailable(), () -> "epoll is unavailable: " + Epoll.unavailabilityCause());
  }

  @Test
  void readyOnlyOnceTheAdminPortAnswersAndStoppingWhenItStops() throws Exception {
    assumeEpoll();
    Path socket = dir.resolve("notify.sock");
    int[] ports = LocalCluster.freePorts(3);
    RaftdConfig config = ConfigLoader.parse("""
        name = "n1"
        data_dir = "%s"
        peer_address = "127.0.0.1:%d"
        admin_address = "127.0.0.1:%d"
        metrics_address = "127.0.0.1:%d"
        %s
        """.formatted(dir.resolve("data"), ports[0], ports[1], ports[2], LocalCluster.FAST_WAL), "n1.toml");
    InetSocketAddress admin = new InetSocketAddress("127.0.0.1", ports[1]);
    List<Throwable> fatal = new CopyOnWriteArrayList<>();
    Fatal recordFatal = (component, cause) -> fatal.add(cause);
    CountDownLatch stop = new CountDownLatch(1);
    Main.StopRequest stopRequest = new Main.StopRequest() {
      @Override
      public void listen() {}

      @Override
      public void removed() {
        throw new AssertionError("the member was removed");
      }

      @Override
      public boolean await() throws InterruptedException {
        stop.await();
        return false;
      }
    };

    try (Receiver systemd = new Receiver(socket.toString())) {
      SystemdNotify notify = new SystemdNotify(socket.toString(), null, LoggerFactory.getLogger(getClass()));
      FutureTask<Integer> member = new FutureTask<>(() -> new Main().serve(config, recordFatal, notify, stopRequest));
      Thread main = new Thread(member, "raftd-main");
      main.start();
      try {
        assertEquals("READY=1", systemd.next());
        // At once, no retries: had READY=1 gone out early, the admin port would refuse or not answer yet.
        assertTrue(answersStatus(admin), "READY=1 arrived before the admin port answered status");
        assertNull(systemd.received.poll(), "more than READY=1 before the member was asked to stop");
      } finally {
        stop.countDown();
      }
      assertEquals("STOPPING=1", systemd.next());
      assertEquals(0, member.get(PATIENCE_SECONDS, TimeUnit.SECONDS));
      assertNull(systemd.received.poll(), "more than STOPPING=1 while the member stopped");
    }
    assertTrue(fatal.isEmpty(), fatal.toString());
  }

  @Test
  void anAbstractSocketIsNotifiedToo() throws Exception {
    assumeEpoll();
    String name = "raftd-test-" + Long.toHexString(ThreadLocalRandom.current().nextLong());
    try (Receiver systemd = new Receiver("\0" + name)) {
      new SystemdNotify("@" + name, null, LoggerFactory.getLogger(getClass())).ready();
      assertEquals("READY=1", systemd.next());
    }
  }

  @Test
  void withoutEpollItWarnsThatReadinessCannotBeSignalled() {
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    new SystemdNotify(dir.resolve("notify.sock").toString(), new UnsatisfiedLinkError("no epoll here"),
        capturing(logged)).ready();

    String warning = onlyWarning(logged);
    assertTrue(warning.contains("cannot tell systemd raftd is ready") && warning.contains("epoll is unavailable")
        && warning.contains("no epoll here"), warning);
  }

  @Test
  void aNotificationSocketThatIsGoneIsAWarningNotAFailure() {
    assumeEpoll();
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    new SystemdNotify(dir.resolve("gone.sock").toString(), null, capturing(logged)).ready();

    assertTrue(onlyWarning(logged).contains("could not tell systemd raftd is ready"), logged.list.toString());
  }

  @Test
  void anAddressOfAnotherKindIsAWarningThatSaysSo() {
    ListAppender<ILoggingEvent> logged = new ListAppender<>();
    new SystemdNotify("vsock:2:9999", null, capturing(logged)).ready();  // systemd 254+ for a VM's manager

    String warning = onlyWarning(logged);
    assertTrue(warning.contains("neither a path nor an abstract socket"), warning);
  }

  /** A logger of its own that records into {@code events} (the test configuration turns logging off). */
  private static ch.qos.logback.classic.Logger capturing(ListAppender<ILoggingEvent> events) {
    ch.qos.logback.classic.Logger log = (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(
        "test.systemd-notify." + Long.toHexString(ThreadLocalRandom.current().nextLong()));
    events.start();
    log.addAppender(events);
    log.setLevel(Level.TRACE);
    return log;
  }

  private static String onlyWarning(ListAppender<ILoggingEvent> events) {
    List<ILoggingEvent> warnings = events.list.stream().filter(e -> e.getLevel() == Level.WARN).toList();
    assertEquals(1, warnings.size(), events.list.toString());
    return warnings.get(0).getFormattedMessage();
  }

  private static boolean answersStatus(InetSocketAddress admin) {
    try (Socket s = new Socket()) {
      s.connect(admin, 5_000);
      s.setSoTimeout(5_000);
      DataOutputStream out = new DataOutputStream(s.getOutputStream());
      byte[] request = AdminRequest.newBuilder().setId(1).setStatus(StatusRequest.getDefaultInstance()).build()
          .toByteArray();
      out.writeInt(request.length);
      out.write(request);
      out.flush();
      DataInputStream in = new DataInputStream(s.getInputStream());
      byte[] answer = new byte[in.readInt()];
      in.readFully(answer);
      return AdminResponse.parseFrom(answer).hasStatus();
    } catch (IOException e) {
      return false;
    }
  }

  /** The notification socket, as systemd binds it: each datagram it receives, as text. */
  private static final class Receiver implements AutoCloseable {
    final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    private final Channel channel;

    Receiver(String address) {
      channel = new Bootstrap().group(group).channel(EpollDomainDatagramChannel.class)
          .handler(new SimpleChannelInboundHandler<DomainDatagramPacket>() {
            @Override
            protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket packet) {
              received.add(packet.content().toString(StandardCharsets.US_ASCII));
            }
          })
          .bind(new DomainSocketAddress(address)).syncUninterruptibly().channel();
    }

    String next() throws InterruptedException {
      String s = received.poll(PATIENCE_SECONDS, TimeUnit.SECONDS);
      assertTrue(s != null, "nothing on the notification socket within " + PATIENCE_SECONDS + " s");
      return s;
    }

    @Override
    public void close() {
      channel.close().syncUninterruptibly();
    }
  }
}
