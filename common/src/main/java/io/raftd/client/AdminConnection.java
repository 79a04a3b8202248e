package io.raftd.client;

import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import com.google.protobuf.CodedOutputStream;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;

/**
 * One connection to a member's admin port: length-prefixed AdminRequest/AdminResponse frames, requests
 * pipelined and matched to responses by id. A reader thread completes the futures (so what a caller chains
 * on them runs there, and must not block); when the connection breaks, every request still waiting fails (its
 * outcome unknown to the caller). A request answered by a stream (WatchEvents) has its responses handed, in
 * order, to its listener until the connection closes.
 *
 * <p>Sending takes no lock and flushes once per burst, not per request: each request is queued as one whole
 * frame, and whichever sender finds nobody writing drains the queue into the buffered socket stream and
 * flushes when the queue is empty. Requests queued meanwhile by other threads go out in the same flush.
 */
final class AdminConnection implements AutoCloseable {
  private static final int MAX_FRAME = 64 << 20;

  final String address;
  /** Put on every request, streams included: the admin port checks each on its own. */
  private final String token;
  private final Socket socket;  // a TLS socket over the TCP one when the credentials have TLS
  private final OutputStream out;
  private final DataInputStream in;
  /** Refuses a request over the members' limits before it is queued. */
  private final ServerLimits limits;
  /** Frames not yet written, in the order they were sent. */
  private final Queue<Outgoing> outgoing = new ConcurrentLinkedQueue<>();
  /** Held by the one sender draining {@link #outgoing}. */
  private final AtomicBoolean writing = new AtomicBoolean();
  private final Map<Long, CompletableFuture<AdminResponse>> waiting = new ConcurrentHashMap<>();
  /** Streams open on this connection, by request id, and what each ends with when the connection goes. */
  private final Map<Long, Consumer<AdminResponse>> streams = new ConcurrentHashMap<>();
  private final Map<Long, CompletableFuture<Void>> streamEnds = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private volatile IOException broken;
  private volatile boolean retiring;

  /**
   * @param credentials the token every request carries (admin.proto's AdminRequest.token), and TLS for the
   *     connection if the member has it
   */
  AdminConnection(String address, AdminCredentials credentials, int connectTimeoutMs, ServerLimits limits)
      throws IOException {
    this.address = address;
    this.token = credentials.token();
    this.limits = limits;
    Socket tcp = new Socket();
    try {
      InetSocketAddress to = parse(address);
      tcp.connect(to, connectTimeoutMs);
      tcp.setTcpNoDelay(true);
      this.socket = credentials.tls() == null ? tcp
          : credentials.tls().wrap(tcp, to.getHostString(), to.getPort(), connectTimeoutMs);
      this.out = new BufferedOutputStream(socket.getOutputStream(), 64 << 10);
      this.in = new DataInputStream(new BufferedInputStream(socket.getInputStream()));
    } catch (IOException e) {
      tcp.close();
      throw e;
    }
    Thread reader = new Thread(this::read, "raftd-client-" + address);
    reader.setDaemon(true);
    reader.start();
  }

  static InetSocketAddress parse(String address) {
    int colon = address.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("endpoint " + address + " is not host:port");
    }
    String host = address.substring(0, colon);
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    return new InetSocketAddress(host, Integer.parseInt(address.substring(colon + 1)));
  }

  boolean isBroken() {
    return broken != null;
  }

  /**
   * Sends the request (its id and token are set here); the future fails with an IOException if the connection breaks,
   * with a {@link NotSent} if it was closed before the request went out, with a {@link RaftdException} if the
   * request is over the members' limits (it is not sent at all).
   */
  CompletableFuture<AdminResponse> send(AdminRequest.Builder request) {
    long id = ids.incrementAndGet();
    CompletableFuture<AdminResponse> f = new CompletableFuture<>();
    AdminRequest built = request.setId(id).setToken(token).build();
    try {
      limits.check(built);
    } catch (RaftdException e) {
      f.completeExceptionally(e);
      return f;
    }
    waiting.put(id, f);
    IOException closed = broken;
    if (closed != null) {
      waiting.remove(id);
      f.completeExceptionally(new NotSent(closed));
      return f;
    }
    queue(id, built);
    return f;
  }

  /**
   * Sends a request answered by a stream: each response goes to {@code frames} on the reader thread, in order.
   *
   * @return fails with the IOException that broke or closed the connection, the stream's only end
   */
  CompletableFuture<Void> stream(AdminRequest.Builder request, Consumer<AdminResponse> frames) {
    long id = ids.incrementAndGet();
    CompletableFuture<Void> end = new CompletableFuture<>();
    streams.put(id, frames);
    streamEnds.put(id, end);
    queue(id, request.setId(id).setToken(token).build());
    if (broken != null) {
      end.completeExceptionally(broken);
    }
    return end;
  }

  /** A request's whole frame, length prefix included, waiting to be written. */
  private record Outgoing(long id, byte[] frame) {}

  private void queue(long id, AdminRequest request) {
    int size = request.getSerializedSize();
    byte[] frame = new byte[4 + size];
    frame[0] = (byte) (size >>> 24);
    frame[1] = (byte) (size >>> 16);
    frame[2] = (byte) (size >>> 8);
    frame[3] = (byte) size;
    try {
      CodedOutputStream coded = CodedOutputStream.newInstance(frame, 4, size);
      request.writeTo(coded);
      coded.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new IllegalStateException("a request did not serialize to its own size", e);
    }
    outgoing.add(new Outgoing(id, frame));
    drain();
  }

  /**
   * Writes what is queued, unless another sender is writing (it will write this too: it looks at the queue
   * again after letting go), and flushes once the queue is empty.
   */
  private void drain() {
    while (!outgoing.isEmpty() && writing.compareAndSet(false, true)) {
      Outgoing o = null;
      try {
        while ((o = outgoing.poll()) != null) {
          out.write(o.frame);
        }
        out.flush();
      } catch (IOException e) {
        if (o != null) {
          // The frame did not all reach the socket, and the member acts on whole frames only: this request
          // cannot have applied, whatever becomes of those before it (written whole, they may have).
          notSent(o.id, e);
        }
        fail(e);
      } finally {
        writing.set(false);
      }
    }
  }

  private void notSent(long id, IOException why) {
    CompletableFuture<AdminResponse> f = waiting.remove(id);
    if (f != null) {
      f.completeExceptionally(new NotSent(why));
    }
  }

  private void read() {
    try {
      while (true) {
        int length = in.readInt();
        if (length < 0 || length > MAX_FRAME) {
          throw new IOException(address + " sent a frame of " + length + " bytes");
        }
        byte[] frame = new byte[length];
        in.readFully(frame);
        AdminResponse r = AdminResponse.parseFrom(frame);
        CompletableFuture<AdminResponse> f = waiting.remove(r.getId());
        Consumer<AdminResponse> stream = streams.get(r.getId());
        if (f != null) {
          f.complete(r);
        } else if (stream != null) {
          stream.accept(r);
        }
        closeIfRetiredAndIdle();
      }
    } catch (EOFException e) {
      fail(new IOException(address + " closed the connection"));
    } catch (IOException e) {
      fail(e);
    }
  }

  private void fail(IOException e) {
    if (broken == null) {
      broken = e;
    }
    try {
      socket.close();
    } catch (IOException ignored) {
      // closing a broken socket: nothing left to report
    }
    for (Outgoing o; (o = outgoing.poll()) != null; ) {
      notSent(o.id, e);
    }
    waiting.values().forEach(f -> f.completeExceptionally(e));
    waiting.clear();
    streams.clear();
    streamEnds.values().forEach(f -> f.completeExceptionally(e));
    streamEnds.clear();
  }

  /**
   * No new request will be sent here (the client moved on to another member): closes once every request
   * already sent has its answer, so other threads' requests in flight on it are not cut off.
   */
  void retire() {
    retiring = true;
    closeIfRetiredAndIdle();
  }

  private void closeIfRetiredAndIdle() {
    if (retiring && waiting.isEmpty()) {
      close();
    }
  }

  @Override
  public void close() {
    fail(new IOException("connection to " + address + " closed"));
  }

  /**
   * The request never left whole: the connection was closed before it was sent, or broke while it was being
   * written. The member cannot have acted on it, so it is safe to send again.
   */
  static final class NotSent extends IOException {
    NotSent(IOException why) {
      super("not sent: " + why.getMessage(), why);
    }
  }
}
