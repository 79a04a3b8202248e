package io.raftd.it;

import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.Member;
import java.io.BufferedInputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A lossy TCP proxy in front of one member's admin port, speaking its framing (4-byte big-endian length,
 * then one protobuf message) so it can see what it drops. Client-to-server frames are forwarded as they
 * are; a server-to-client frame that answers a write successfully is, with probability {@code dropRate},
 * swallowed, and the connection then closed both ways: the server has applied the write but the client never
 * hears so, which is exactly the unknown outcome a session must retry without applying twice.
 *
 * <p>The proxies of one {@link Group} share their counters, and rewrite the leader a NOT_LEADER answer names
 * from the member's real admin address to its proxy's, so that a client given only proxy addresses stays
 * behind the proxies when it follows redirects.
 */
final class FaultProxy implements AutoCloseable {
  /** Counters and settings shared by the proxies in front of one cluster. */
  static final class Group implements AutoCloseable {
    final double dropRate;
    private final Random random;
    final AtomicLong connections = new AtomicLong();
    final AtomicLong writesForwarded = new AtomicLong();
    /** Write requests (session, seq) forwarded more than once: the client's retries. */
    final AtomicLong writesResent = new AtomicLong();
    final AtomicLong responsesDropped = new AtomicLong();
    final AtomicLong redirectsRewritten = new AtomicLong();
    private final Set<String> seenWrites = ConcurrentHashMap.newKeySet();
    /** A member's real admin address to its proxy's. */
    private final Map<String, String> proxyOf = new ConcurrentHashMap<>();
    private final List<FaultProxy> proxies = new ArrayList<>();

    Group(double dropRate, long seed) {
      this.dropRate = dropRate;
      this.random = new Random(seed);
    }

    /** Starts a proxy in front of {@code target} (host:port) on a free loopback port. */
    synchronized FaultProxy proxy(String target) throws IOException {
      FaultProxy p = new FaultProxy(this, target);
      proxies.add(p);
      proxyOf.put(target, p.address());
      return p;
    }

    private boolean drop() {
      synchronized (random) {
        return random.nextDouble() < dropRate;
      }
    }

    @Override
    public synchronized void close() {
      proxies.forEach(FaultProxy::close);
    }

    @Override
    public String toString() {
      return "proxy: " + connections + " connections, " + writesForwarded + " writes forwarded, " + writesResent
          + " resent, " + responsesDropped + " responses dropped, " + redirectsRewritten + " redirects rewritten";
    }
  }

  private final Group group;
  private final String target;
  private final ServerSocket server;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private FaultProxy(Group group, String target) throws IOException {
    this.group = group;
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread acceptor = new Thread(this::accept, "fault-proxy-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  String address() {
    return "127.0.0.1:" + server.getLocalPort();
  }

  private void accept() {
    while (!closed) {
      Socket client;
      try {
        client = server.accept();
      } catch (IOException e) {
        return;  // closed
      }
      group.connections.incrementAndGet();
      Socket upstream = new Socket();
      try {
        int colon = target.lastIndexOf(':');
        upstream.connect(new InetSocketAddress(target.substring(0, colon), Integer.parseInt(target.substring(colon + 1))), 2000);
        client.setTcpNoDelay(true);
        upstream.setTcpNoDelay(true);
      } catch (IOException e) {
        closeQuietly(client);  // the member is down: the client sees the connection refused, in effect
        closeQuietly(upstream);
        continue;
      }
      open.add(client);
      open.add(upstream);
      start("c2s", () -> pumpRequests(client, upstream));
      start("s2c", () -> pumpResponses(upstream, client));
    }
  }

  private void start(String what, Runnable r) {
    Thread t = new Thread(r, "fault-proxy-" + server.getLocalPort() + "-" + what);
    t.setDaemon(true);
    t.start();
  }

  private void pumpRequests(Socket from, Socket to) {
    try {
      DataInputStream in = new DataInputStream(new BufferedInputStream(from.getInputStream()));
      DataOutputStream out = new DataOutputStream(to.getOutputStream());
      while (true) {
        byte[] frame = readFrame(in);
        AdminRequest r = AdminRequest.parseFrom(frame);
        if (r.hasWrite()) {
          group.writesForwarded.incrementAndGet();
          if (r.getWrite().getSession() != 0
              && !group.seenWrites.add(r.getWrite().getSession() + "/" + r.getWrite().getSeq())) {
            group.writesResent.incrementAndGet();
          }
        }
        writeFrame(out, frame);
      }
    } catch (IOException e) {
      // either side closed: close both
    } finally {
      closePair(from, to);
    }
  }

  private void pumpResponses(Socket from, Socket to) {
    try {
      DataInputStream in = new DataInputStream(new BufferedInputStream(from.getInputStream()));
      DataOutputStream out = new DataOutputStream(to.getOutputStream());
      while (true) {
        byte[] frame = readFrame(in);
        AdminResponse r = AdminResponse.parseFrom(frame);
        if (r.hasWrite() && !r.hasError() && group.drop()) {
          group.responsesDropped.incrementAndGet();
          return;  // swallowed; the finally closes both sides
        }
        if (r.hasError() && r.getError().hasLeader()) {
          String proxied = group.proxyOf.get(r.getError().getLeader().getAdminAddress());
          if (proxied != null) {
            Member leader = r.getError().getLeader().toBuilder().setAdminAddress(proxied).build();
            AdminResponse.Builder b = r.toBuilder();
            b.getErrorBuilder().setLeader(leader);
            frame = b.build().toByteArray();
            group.redirectsRewritten.incrementAndGet();
          }
        }
        writeFrame(out, frame);
      }
    } catch (IOException e) {
      // either side closed: close both
    } finally {
      closePair(from, to);
    }
  }

  private static byte[] readFrame(DataInputStream in) throws IOException {
    int length = in.readInt();
    if (length < 0 || length > (64 << 20)) {
      throw new EOFException("bad frame length " + length);
    }
    byte[] frame = new byte[length];
    in.readFully(frame);
    return frame;
  }

  private static void writeFrame(DataOutputStream out, byte[] frame) throws IOException {
    byte[] buf = new byte[4 + frame.length];
    buf[0] = (byte) (frame.length >>> 24);
    buf[1] = (byte) (frame.length >>> 16);
    buf[2] = (byte) (frame.length >>> 8);
    buf[3] = (byte) frame.length;
    System.arraycopy(frame, 0, buf, 4, frame.length);
    out.write(buf);
    out.flush();
  }

  private void closePair(Socket a, Socket b) {
    closeQuietly(a);
    closeQuietly(b);
    open.remove(a);
    open.remove(b);
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // nothing to do
    }
  }

  @Override
  public void close() {
    closed = true;
    try {
      server.close();
    } catch (IOException ignored) {
      // nothing to do
    }
    open.forEach(FaultProxy::closeQuietly);
  }
}
