package io.raftd.transport;

import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import io.netty.util.concurrent.ScheduledFuture;
import io.raftd.proto.Hello;
import io.raftd.proto.PeerFrame;
import io.raftd.proto.RaftMessage;
import java.net.InetSocketAddress;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Our one outgoing RAFT connection to a peer: connected on the first send, reconnected with exponential
 * backoff whenever it fails or is lost. Sending never blocks: a message that cannot go now (not connected,
 * socket buffer full, queue full) is dropped and counted, and Raft sends again on its own.
 *
 * <p>{@link #send} may be called from any thread; everything else runs on the connection's event loop,
 * which owns the connection state.
 */
final class PeerConnection {
  private static final Logger log = LoggerFactory.getLogger(PeerConnection.class);

  final long peer;
  final InetSocketAddress address;
  private final EventLoop loop;
  private final Dialer dialer;
  private final Identity identity;
  private final Options options;
  private final Counters counters;
  private final PeerTransport.Listener listener;

  /** Frames accepted by send() and not yet written; drained on the loop, one flush per batch. */
  private final Queue<PeerFrame> queue = new ConcurrentLinkedQueue<>();
  private final AtomicInteger queued = new AtomicInteger();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  /** The connection once its handshake was accepted; null while there is none. Written on the loop. */
  private volatile Channel channel;

  // Owned by the loop.
  private boolean dialing;
  private ScheduledFuture<?> retry;
  private long backoffMillis;
  private boolean unreachableReported;
  private boolean closed;

  PeerConnection(long peer, InetSocketAddress address, EventLoop loop, Dialer dialer, Identity identity, Options options,
      Counters counters, PeerTransport.Listener listener) {
    this.peer = peer;
    this.address = address;
    this.loop = loop;
    this.dialer = dialer;
    this.identity = identity;
    this.options = options;
    this.counters = counters;
    this.listener = listener;
    this.backoffMillis = options.backoffMin().toMillis();
  }

  void send(RaftMessage m) {
    Channel ch = channel;
    if (ch == null) {
      counters.messagesDropped.incrementAndGet();
      onLoop(this::dialIfIdle);
      return;
    }
    if (!ch.isWritable()) {
      counters.messagesDropped.incrementAndGet();
      return;
    }
    PeerFrame frame = PeerFrame.newBuilder().setRaft(m).build();
    if (frame.getSerializedSize() > options.maxFrameBytes()) {
      // The peer would close the connection over it; better that the core learns to send smaller batches.
      counters.messagesDropped.incrementAndGet();
      log.warn("dropped a {}-byte message to peer {}: over the {}-byte frame limit", frame.getSerializedSize(),
          identity.label(peer), options.maxFrameBytes());
      return;
    }
    if (queued.incrementAndGet() > options.sendQueueBound()) {
      queued.decrementAndGet();
      counters.messagesDropped.incrementAndGet();
      return;
    }
    queue.add(frame);
    if (drainScheduled.compareAndSet(false, true)) {
      onLoop(this::drain);
    }
  }

  /** Stops: no more reconnecting, and the connection (if any) is closed. */
  void close() {
    onLoop(() -> {
      closed = true;
      if (retry != null) {
        retry.cancel(false);
        retry = null;
      }
      Channel ch = channel;
      if (ch != null) {
        ch.close();
      }
    });
  }

  private void onLoop(Runnable task) {
    try {
      loop.execute(task);
    } catch (RejectedExecutionException e) {
      // The transport is shutting down: nothing is sent or reconnected any more.
    }
  }

  private void drain() {
    drainScheduled.set(false);  // before polling, so a message added after the poll schedules another drain
    Channel ch = channel;
    int written = 0;
    for (PeerFrame frame; (frame = queue.poll()) != null; ) {
      queued.decrementAndGet();
      if (ch == null) {
        counters.messagesDropped.incrementAndGet();  // the connection was lost after send() saw it
      } else {
        ch.write(frame, ch.voidPromise());
        written++;
      }
    }
    if (written > 0) {
      ch.flush();
    }
  }

  private void dialIfIdle() {
    if (!closed && channel == null && !dialing && retry == null) {
      dial();
    }
  }

  private void dial() {
    dialing = true;
    Promise<Channel> handshaken = loop.newPromise();
    handshaken.addListener((Future<Channel> f) -> {
      dialing = false;
      if (f.isSuccess()) {
        connected(f.getNow());
      } else {
        unreachable(f.cause());
      }
    });
    dialer.dial(loop, address, Hello.Purpose.RAFT, peer, new RaftMessageHandler(peer, identity, listener), handshaken,
        options.connectTimeout());
  }

  private void connected(Channel ch) {
    if (closed) {
      ch.close();
      return;
    }
    log.info("connected to peer {} at {}", identity.label(peer), address);
    channel = ch;
    backoffMillis = options.backoffMin().toMillis();
    unreachableReported = false;
    ch.closeFuture().addListener(f -> {
      channel = null;
      unreachable(null);
    });
  }

  /** The connection failed or was lost: tells the listener once per outage, and tries again after a while. */
  private void unreachable(Throwable cause) {
    if (closed) {
      return;
    }
    if (!unreachableReported) {
      unreachableReported = true;
      log.warn("peer {} at {} unreachable{}; reconnecting with backoff up to {} ms", identity.label(peer), address,
          cause == null ? " (connection lost)" : ": " + cause, options.backoffMax().toMillis());
      listener.onUnreachable(peer);
    }
    retry = loop.schedule(() -> {
      retry = null;
      if (!closed) {
        counters.reconnects.incrementAndGet();
        dial();
      }
    }, backoffMillis, TimeUnit.MILLISECONDS);
    backoffMillis = Math.min(backoffMillis * 2, options.backoffMax().toMillis());
  }
}
