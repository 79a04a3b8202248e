package io.raftd.transport;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin port (admin.proto): length-prefixed AdminRequest frames in, AdminResponse frames out, in
 * whatever order they complete (clients match them by id). The server only frames bytes; answering is the
 * handler's. Bad input closes that connection and is counted, as on the peer port; so does a frame left
 * unfinished for the frame timeout. The port's {@link PortLimits} bound what clients hold: connections in
 * all and from one address, bytes of unfinished frames, and how long a connection may sit idle. Its
 * {@link AdminSecurity} puts TLS on the connections, decides which requests are answered at all
 * (authentication and roles) and tells the audit stream how each ended.
 */
public final class AdminServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(AdminServer.class);
  private static final MessageDecoder REQUESTS = new MessageDecoder(AdminRequest.getDefaultInstance());

  private final InetSocketAddress bind;
  private final Options options;
  private final Function<AdminRequest, CompletableFuture<AdminResponse>> handler;
  private final AdminStreams streams;
  private final AdminSecurity security;
  private final PortLimits limits;
  private final Counters counters = new Counters();
  private final RateLimitedWarn refusedWarn = new RateLimitedWarn(log);
  private final ConnectionGuard guard = new ConnectionGuard(counters);
  private final FrameBudget budget;
  /** Every accepted connection: {@link #close} closes them itself (see {@link AcceptedChannels} for why). */
  private final ChannelGroup clients = new DefaultChannelGroup("raftd-admin", GlobalEventExecutor.INSTANCE);
  private final ListeningHandlers listening;
  private EventLoopGroup group;
  private Channel server;
  private volatile boolean accepting = true;

  /**
   * @param handler answers each request with one response
   * @param streams the requests answered with a stream of responses instead
   * @param security TLS, and what lets each request through to the handler or the streams, or refuses it
   */
  public AdminServer(InetSocketAddress bind, Options options, PortLimits limits,
      Function<AdminRequest, CompletableFuture<AdminResponse>> handler, AdminStreams streams,
      AdminSecurity security) {
    this.bind = bind;
    this.options = options;
    this.limits = limits;
    this.handler = handler;
    this.streams = streams;
    this.security = security;
    this.budget = new FrameBudget(limits, counters);
    this.listening = new ListeningHandlers(limits, counters, clients, false);
  }

  public synchronized void start() throws IOException {
    IoKind io = IoKind.choose(options);
    group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("raftd-admin", true), io.handlers());
    ChannelFuture bound = new ServerBootstrap().group(group).channel(io.serverChannel())
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .handler(listening)
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (!limits.idleTimeout().isZero()) {
              // First in the pipeline, so that any bytes at all count as traffic (a keep-alive, too).
              ch.pipeline().addLast("idle", new IdleStateHandler(limits.idleTimeout().toMillis(), 0, 0,
                  TimeUnit.MILLISECONDS));
            }
            RequestHandler requests = new RequestHandler();
            if (security.tls() != null) {
              // Before the frames: every byte of a request is inside TLS. A handshake that fails closes the
              // connection (Netty's SslHandler).
              ch.pipeline().addLast("tls", new TlsDetector(security.tls(), requests::plaintextOnTlsPort));
            }
            ch.pipeline().addLast("frames", new FrameCodec.FrameDecoder(options, budget));
            ch.pipeline().addLast("decode", REQUESTS);
            ch.pipeline().addLast("encode", MessageEncoder.INSTANCE);
            ch.pipeline().addLast("requests", requests);
            ch.pipeline().addLast("guard", guard);
          }
        })
        .bind(bind).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly();
      group = null;
      throw new IOException("cannot listen for clients on " + bind + ": " + bound.cause().getMessage(), bound.cause());
    }
    server = bound.channel();
    log.info("listening for clients on {}", server.localAddress());
  }

  /** The address the admin port is bound to (with the real port when started on port 0). */
  public synchronized InetSocketAddress boundAddress() {
    return (InetSocketAddress) server.localAddress();
  }

  public Counters counters() {
    return counters;
  }

  /** Stops taking requests (shutting down): new ones are told to retry on another member. */
  public void stopAccepting() {
    accepting = false;
  }

  /** Connections open on the port now (for tests). */
  public int openConnections() {
    return listening.open();
  }

  /**
   * Hands requests to the handler and their answers back; closes the connection once it has been idle for
   * the idle timeout with no request of it unanswered (a client waiting for a slow answer sends nothing,
   * and is not idle; nor is one reading a stream). A stream's responses are written only while the
   * connection is writable: a client that stops reading stops its streams, and holds no more of the
   * server's memory than the connection's write buffer.
   */
  private final class RequestHandler extends SimpleChannelInboundHandler<AdminRequest> {
    /** Requests read and not yet answered, open streams included; answers complete on other threads. */
    private final AtomicInteger unanswered = new AtomicInteger();
    /** This connection's open streams: its event loop alone touches the list. */
    private final List<AdminStreams.Stream> open = new ArrayList<>();
    /** A pass over the streams is queued on the event loop (so that a burst of readiness queues one). */
    private final AtomicBoolean drainQueued = new AtomicBoolean();
    /** The client speaks plaintext to this TLS port (event loop only). */
    private boolean plaintext;
    /** Who is on the other end, known from its first request on (event loop only). */
    private AdminGate.Caller caller;

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
      if (!(evt instanceof IdleStateEvent)) {
        super.userEventTriggered(ctx, evt);
      } else if (unanswered.get() == 0) {
        counters.idleConnectionsClosed.incrementAndGet();
        log.debug("closing client connection {}: nothing received for {}.idle_timeout_ms = {}",
            ctx.channel().remoteAddress(), limits.name(), limits.idleTimeout().toMillis());
        ctx.close();
      }
      // else: the idle handler asks again after another idle period, by when the answer may have gone
    }

    /** The client spoke plaintext to a TLS port: its first request is answered with why, then it is closed. */
    void plaintextOnTlsPort() {
      plaintext = true;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, AdminRequest request) {
      if (plaintext) {
        counters.countRefusedRequest(io.raftd.proto.ErrorCode.UNAUTHENTICATED);
        ctx.writeAndFlush(AdminResponse.newBuilder().setId(request.getId()).setError(io.raftd.proto.Error.newBuilder()
            .setCode(io.raftd.proto.ErrorCode.UNAUTHENTICATED).setMessage("this member's admin port speaks TLS only"
                + " ([admin_tls]): connect with TLS (raftctl --cacert FILE, the CA of its admin certificate)")).build())
            .addListener(io.netty.channel.ChannelFutureListener.CLOSE);
        return;
      }
      if (!accepting) {
        ctx.writeAndFlush(AdminResponse.newBuilder().setId(request.getId()).setError(io.raftd.proto.Error.newBuilder()
            .setCode(io.raftd.proto.ErrorCode.NOT_LEADER).setMessage("this member is shutting down: retry on another")).build());
        return;
      }
      if (caller == null) {
        caller = caller(ctx);  // requests arrive only once a TLS handshake has verified any certificate
      }
      AdminGate.Caller caller = this.caller;
      AdminGate.Admission admission = security.gate().admit(request, caller);
      io.raftd.proto.Error refusal = admission.refusal();
      if (refusal != null) {
        // Refused before the handler or a stream sees it: nothing of it reaches the RaftLoop.
        counters.countRefusedRequest(refusal.getCode());
        refusedWarn.warn("refused a " + request.getBodyCase() + " request of " + admission.identity() + " from "
            + ctx.channel().remoteAddress() + ": " + refusal.getCode() + ": " + refusal.getMessage());
        AdminResponse response = AdminResponse.newBuilder().setId(request.getId()).setError(refusal).build();
        security.audit().answered(request, response, caller, admission.identity());
        ctx.writeAndFlush(response);
        return;
      }
      unanswered.incrementAndGet();
      AdminStreams.Stream stream = streams.open(request, () -> queueDrain(ctx));
      if (stream != null) {
        open.add(stream);
        drain(ctx);
        return;
      }
      handler.apply(request).whenComplete((response, e) -> {
        unanswered.decrementAndGet();
        if (e != null) {
          response = AdminResponse.newBuilder().setId(request.getId()).setError(io.raftd.proto.Error.newBuilder()
              .setCode(io.raftd.proto.ErrorCode.INTERNAL).setMessage(String.valueOf(e.getMessage()))).build();
        }
        security.audit().answered(request, response, caller, admission.identity());
        ctx.writeAndFlush(response);
      });
    }

    /** The remote address, and the names of the client's certificate once TLS has verified one. */
    private AdminGate.Caller caller(ChannelHandlerContext ctx) {
      InetSocketAddress remote = (InetSocketAddress) ctx.channel().remoteAddress();
      if (security.tls() == null || !security.tls().clientCertificates()) {
        return new AdminGate.Caller(remote, List.of());
      }
      try {
        return new AdminGate.Caller(remote, CertificateNames.of(ctx.pipeline()));
      } catch (javax.net.ssl.SSLPeerUnverifiedException e) {
        return new AdminGate.Caller(remote, List.of());  // cannot happen once a required certificate verified
      }
    }

    private void queueDrain(ChannelHandlerContext ctx) {
      if (drainQueued.compareAndSet(false, true)) {
        ctx.executor().execute(() -> {
          drainQueued.set(false);
          drain(ctx);
        });
      }
    }

    /** Event loop: writes what the open streams have ready, while the connection takes it. */
    private void drain(ChannelHandlerContext ctx) {
      boolean wrote = false;
      for (Iterator<AdminStreams.Stream> it = open.iterator(); it.hasNext() && ctx.channel().isActive(); ) {
        AdminStreams.Stream stream = it.next();
        AdminResponse next;
        while (ctx.channel().isWritable() && (next = stream.next()) != null) {
          ctx.write(next);
          wrote = true;
        }
        if (stream.over()) {
          it.remove();
          unanswered.decrementAndGet();
        }
      }
      if (wrote) {
        ctx.flush();
      }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
      if (ctx.channel().isWritable()) {
        drain(ctx);
      }
      super.channelWritabilityChanged(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      open.forEach(AdminStreams.Stream::close);
      open.clear();
      super.channelInactive(ctx);
    }
  }

  @Override
  public synchronized void close() {
    if (server != null) {
      // The listening socket, then every client connection: a client waiting on a stopped member learns at
      // once that the connection is gone, rather than at its own timeout.
      server.close().awaitUninterruptibly();
      clients.close().awaitUninterruptibly();
    }
    if (group != null) {
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
  }
}
