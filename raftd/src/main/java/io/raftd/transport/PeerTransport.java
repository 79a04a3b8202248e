package io.raftd.transport;

import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.util.concurrent.Promise;
import io.raftd.driver.Transport;
import io.raftd.proto.Hello;
import io.raftd.proto.ProbeReply;
import io.raftd.proto.ProbeRequest;
import io.raftd.proto.RaftMessage;
import io.raftd.storage.SnapshotStore;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The peer port (peer.proto): Raft messages to and from the other members, snapshots streamed on
 * connections of their own, and probes. Sending never blocks and never throws: what cannot go now is
 * dropped and counted, and Raft retries on its own. Whatever a connection receives that breaks the
 * protocol closes that connection only.
 *
 * <p>The listener is called on Netty's event loop threads and must not block: the caller re-posts to its
 * own loop.
 */
public final class PeerTransport implements Transport, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PeerTransport.class);

  /** What the transport hands to its owner. Called on event loop threads; must not block. */
  public interface Listener {
    /** A Raft message for this member, checked to be for our cluster and from the member it claims. */
    void onMessage(RaftMessage m);

    /** A snapshot was received, verified and made durable in the store: its InstallSnapshot, for the core. */
    void onSnapshotReady(RaftMessage installSnapshot);

    /** How a {@link #sendSnapshot} ended: whether the peer confirmed the snapshot complete and verified. */
    void onSnapshotSent(long peer, boolean delivered);

    /** Our connection to the peer failed or was lost (once per outage); Raft may stop pipelining to it. */
    void onUnreachable(long peer);
  }

  /** The members this one knows, as the peer port needs them. Called on event loop threads: must not block. */
  public interface Membership {
    Membership NONE = new Membership() {
      @Override
      public boolean admits(long memberId) {
        return false;
      }

      @Override
      public String nameOf(long memberId) {
        return null;
      }
    };

    /**
     * Whether {@code memberId} may open Raft and snapshot connections, once authenticated: a member of the
     * configuration, a learner being added, or a removed id (which the core answers with Removed).
     */
    boolean admits(long memberId);

    /** The member's name, which its certificate must hold under {@code [peer_tls]}; null if unknown. */
    String nameOf(long memberId);
  }

  private final Identity identity;
  private final InetSocketAddress bind;
  private final Options options;
  private final Listener listener;
  private final SnapshotStore store;
  private final Executor snapshotIo;
  /** The snapshot I/O thread we started because the caller gave none; shut down on close. */
  private final ExecutorService ownSnapshotIo;
  private final Counters counters = new Counters();
  private final ConnectionGuard guard = new ConnectionGuard(counters);
  private final PortLimits limits;
  private final FrameBudget budget;
  private final Map<Long, PeerConnection> connections = new ConcurrentHashMap<>();
  /**
   * Every open connection, accepted or dialed. {@link #close} closes them and the listening socket itself:
   * an event loop that is running tasks when its group shuts down (quiet period 0) can terminate without
   * closing its channels, leaving the peer port bound and peers writing into connections nobody reads.
   */
  private final ChannelGroup channels = new DefaultChannelGroup("raftd-peer", GlobalEventExecutor.INSTANCE);
  private volatile Map<Long, InetSocketAddress> peers = Map.of();
  private volatile ProbeHandler probeHandler;
  private volatile boolean closed;

  // Set by start(); read under the lock (or after a locked read, as the dialer is).
  private EventLoopGroup group;
  private Dialer dialer;
  private Channel server;
  private String ioKind;

  /**
   * @param keys the cluster tokens peers authenticate with (see {@link ClusterKeys})
   * @param tls mutual TLS for every peer connection, or null for plain TCP
   * @param limits what the peer port's accepted connections may hold (the connections we dial are ours,
   *     and are not counted)
   * @param snapshotIo runs the snapshot file reads and writes (in order per transfer), or null for a
   *     thread of the transport's own
   */
  public PeerTransport(long clusterId, long selfId, ClusterKeys keys, PeerTls tls, InetSocketAddress bind,
      Options options, PortLimits limits, Listener listener, SnapshotStore store, Executor snapshotIo) {
    this.limits = limits;
    this.budget = new FrameBudget(limits, counters);
    this.identity = new Identity(selfId, clusterId, keys, tls);
    this.bind = bind;
    this.options = options;
    this.listener = listener;
    this.store = store;
    this.ownSnapshotIo = snapshotIo == null
        ? Executors.newSingleThreadExecutor(new DefaultThreadFactory("raftd-snapshot-io", true)) : null;
    this.snapshotIo = snapshotIo == null ? ownSnapshotIo : snapshotIo;
  }

  /** Binds the peer port and starts the event loops. */
  public synchronized void start() throws IOException {
    if (group != null || closed) {
      throw new IllegalStateException("a transport starts once");
    }
    IoKind io = IoKind.choose(options);
    group = new MultiThreadIoEventLoopGroup(options.ioThreads(), new DefaultThreadFactory("raftd-peer", true),
        io.handlers());
    WriteBufferWaterMark marks = new WriteBufferWaterMark(options.writeBufferHighBytes() / 2,
        options.writeBufferHighBytes());
    dialer = new Dialer(new Bootstrap().channel(io.channel()).option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, marks), identity, options, guard, channels);
    ChannelFuture bound = new ServerBootstrap().group(group).channel(io.serverChannel())
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, marks)
        .handler(new ListeningHandlers(limits, counters, channels, true))
        .childHandler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (identity.tls != null) {
              ch.pipeline().addLast("tls", identity.tls.serverHandler(ch.alloc()));
            }
            FrameCodec.install(ch.pipeline(), options, budget);
            ch.pipeline().addLast("handshake", new InboundHandshakeHandler(identity, options, guard,
                PeerTransport.this::handlerFor));
            ch.pipeline().addLast("guard", guard);
          }
        })
        .bind(bind).awaitUninterruptibly();
    if (!bound.isSuccess()) {
      group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS).awaitUninterruptibly();
      group = null;
      throw new IOException("cannot listen for peers on " + bind, bound.cause());
    }
    server = bound.channel();
    ioKind = io.name();
    log.info("member {} listening for peers on {} ({})", identity.label(identity.selfId), server.localAddress(),
        ioKind);
  }

  /** The address the peer port is bound to (with the real port when started on port 0). */
  public synchronized InetSocketAddress boundAddress() {
    return (InetSocketAddress) server.localAddress();
  }

  /**
   * Where each member listens, by member id (this member may be included; it is skipped). Called again on
   * every membership change: connections to members gone or moved are closed.
   */
  public synchronized void setPeers(Map<Long, InetSocketAddress> members) {
    Map<Long, InetSocketAddress> next = new HashMap<>(members);
    next.remove(identity.selfId);
    peers = Map.copyOf(next);
    connections.values().removeIf(c -> {
      boolean stale = !c.address.equals(next.get(c.peer));
      if (stale) {
        c.close();
      }
      return stale;
    });
  }

  /** Answers probes: {@code from} is the asker's member id, which its handshake proved it may use. */
  public interface ProbeHandler {
    CompletableFuture<ProbeReply> answer(ProbeRequest request, long from);
  }

  /**
   * The members this one knows: who may open Raft and snapshot connections to it, and the names their
   * certificates must hold. Until set, no one may. Probes are answered to any holder of the cluster token.
   */
  public void setMembership(Membership membership) {
    identity.setMembership(membership);
  }

  public void setClusterId(long clusterId) {
    identity.setClusterId(clusterId);
  }

  /**
   * The member id to speak as, when it is not the one this transport was made with: a member that joins a
   * cluster runs as the id an operator's {@code member add} gave its name. Only before any member is admitted
   * ({@link #setMembership}) and any Raft connection made.
   */
  public void setSelfId(long selfId) {
    identity.setSelfId(selfId);
  }

  /**
   * How to answer probes (the answer may come later: a join is answered once the member is added); until
   * set, a probe is answered with our cluster and member id only.
   */
  public void setProbeHandler(ProbeHandler handler) {
    this.probeHandler = handler;
  }

  /** Peer connections open now, accepted and dialed (snapshot streams and probes too). */
  public int openConnections() {
    return channels.size();
  }

  public Counters counters() {
    return counters;
  }

  /** "epoll" or "nio": which socket implementation {@link #start} chose. */
  synchronized String ioKind() {
    return ioKind;
  }

  /**
   * Sends to {@code m.getTo()} without blocking: dropped (and counted) if that peer is unknown, not
   * connected or too far behind. An InstallSnapshot goes through {@link #sendSnapshot}.
   */
  @Override
  public void send(RaftMessage m) {
    if (m.hasInstallSnapshot()) {
      sendSnapshot(m);
      return;
    }
    PeerConnection c = connection(m.getTo());
    if (c == null) {
      counters.messagesDropped.incrementAndGet();
    } else {
      c.send(m);
    }
  }

  /**
   * Streams the snapshot named by the InstallSnapshot's metadata from the store to its {@code to}, on a
   * connection of its own; the listener hears how it ended through onSnapshotSent.
   */
  public void sendSnapshot(RaftMessage installSnapshot) {
    long to = installSnapshot.getTo();
    SnapshotSender sender = new SnapshotSender(to, identity.label(to), installSnapshot, store, snapshotIo, options.snapshotChunkBytes(),
        counters, listener);
    EventLoop loop = nextLoop();
    if (loop == null) {
      return;  // closed: the owner is going away and waits for nothing
    }
    Promise<Channel> handshaken = loop.newPromise();
    handshaken.addListener((Future<Channel> f) -> {
      if (!f.isSuccess()) {
        sender.abandon("could not connect: " + f.cause());
      }
    });
    InetSocketAddress address = peers.get(to);
    if (address == null) {
      handshaken.setFailure(new IOException("member " + identity.label(to) + " has no known address"));
    } else {
      dialer.dial(loop, address, Hello.Purpose.SNAPSHOT, to, sender, handshaken, options.connectTimeout());
    }
  }

  /**
   * Asks {@code request} of whoever listens at {@code address}, on a PROBE connection. The future fails if
   * no answer arrives within {@code timeout} (or the handshake timeout, if shorter); it completes on an
   * event loop thread.
   */
  public CompletableFuture<ProbeReply> probe(InetSocketAddress address, ProbeRequest request, Duration timeout) {
    CompletableFuture<ProbeReply> answer = new CompletableFuture<>();
    EventLoop loop = nextLoop();
    if (loop == null) {
      answer.completeExceptionally(new IOException("the peer transport is closed"));
      return answer;
    }
    Promise<Channel> handshaken = loop.newPromise();
    handshaken.addListener((Future<Channel> f) -> {
      if (!f.isSuccess()) {
        answer.completeExceptionally(f.cause());
      }
    });
    Duration connectTimeout = timeout.compareTo(options.connectTimeout()) < 0 ? timeout : options.connectTimeout();
    ChannelFuture connect = dialer.dial(loop, address, Hello.Purpose.PROBE, 0, new ProbeClient(request, answer),
        handshaken, connectTimeout);
    if (connect == null) {
      return answer;
    }
    Channel ch = connect.channel();
    Future<?> deadline = loop.schedule(
        () -> answer.completeExceptionally(new TimeoutException("no answer from " + address + " within " + timeout)),
        timeout.toNanos(), TimeUnit.NANOSECONDS);
    answer.whenComplete((reply, failure) -> {
      deadline.cancel(false);
      ch.close();
    });
    return answer;
  }

  /**
   * Closes every connection and the peer port, and stops the event loops and the snapshot I/O thread. On
   * return the port may be bound again.
   */
  @Override
  public void close() {
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      connections.values().forEach(PeerConnection::close);
      connections.clear();
    }
    if (group != null) {
      // The listening socket first, so nothing is accepted meanwhile; then every connection, so every
      // transfer and probe in progress fails and reports. Dials after this see closed and do not start.
      server.close().awaitUninterruptibly();
      channels.close().awaitUninterruptibly();
      group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly();
    }
    if (ownSnapshotIo != null) {
      ownSnapshotIo.shutdown();
      try {
        if (!ownSnapshotIo.awaitTermination(10, TimeUnit.SECONDS)) {
          log.warn("the snapshot I/O thread did not stop within 10 s");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    log.info("member {} peer transport closed ({})", identity.label(identity.selfId), counters);
  }

  private ChannelHandler handlerFor(Hello hello) {
    return switch (hello.getPurpose()) {
      case RAFT -> new RaftMessageHandler(hello.getFrom(), identity, listener);
      case SNAPSHOT -> new SnapshotReceiver(hello.getFrom(), identity, store, snapshotIo, counters, listener);
      case PROBE -> new ProbeResponder(request -> answerProbe(request, hello.getFrom()));
      case UNRECOGNIZED -> throw new IllegalStateException("the handshake accepted an unknown purpose");
    };
  }

  private CompletableFuture<ProbeReply> answerProbe(ProbeRequest request, long from) {
    ProbeHandler handler = probeHandler;
    return handler != null ? handler.answer(request, from) : CompletableFuture.completedFuture(
        ProbeReply.newBuilder().setClusterId(identity.clusterId()).setMemberId(identity.selfId).build());
  }

  /** Our connection to {@code peer}, made on first use; null if the peer is unknown or we are closed. */
  private PeerConnection connection(long peer) {
    PeerConnection c = connections.get(peer);
    if (c != null) {
      return c;
    }
    synchronized (this) {
      InetSocketAddress address = peers.get(peer);
      if (closed || group == null || address == null) {
        return null;
      }
      return connections.computeIfAbsent(peer, id -> new PeerConnection(id, address, group.next(), dialer, identity,
          options, counters, listener));
    }
  }

  /** An event loop to start a connection on, or null once closed. */
  private synchronized EventLoop nextLoop() {
    return closed || group == null ? null : group.next();
  }
}
