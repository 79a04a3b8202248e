package io.raftd.transport;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.raftd.daemon.LocalCluster;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.NodeStatus;
import io.raftd.proto.StatusRequest;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Closing the admin port ends every client connection, busy or idle, and releases the port: a client
 * waiting on a stopped member learns at once, rather than at its own timeout. Netty's event loops may
 * terminate without closing their channels, so close() must do it; each of the 20 rounds closes once.
 */
class AdminServerCloseTest {
  @ParameterizedTest(name = "epoll allowed: {0}")
  @ValueSource(booleans = {true, false})
  void closeEndsEveryClientConnectionAndReleasesThePort(boolean epoll) throws Exception {
    Options options = Options.defaults().withEpoll(epoll);
    InetSocketAddress address = new InetSocketAddress(InetAddress.getLoopbackAddress(), LocalCluster.freePorts(1)[0]);
    for (int round = 0; round < 20; round++) {
      AdminServer server = new AdminServer(address, options, PortLimits.unbounded("admin_port"), r -> CompletableFuture.completedFuture(
          AdminResponse.newBuilder().setId(r.getId()).setStatus(NodeStatus.getDefaultInstance()).build()),
          AdminStreams.NONE, AdminSecurity.NONE);
      server.start();  // binds the port the last round's server released
      try (Socket idle = connect(address); Socket busy = connect(address)) {
        exchange(idle, 1);
        AtomicBoolean stop = new AtomicBoolean();
        Thread client = new Thread(() -> {
          try {
            for (long id = 0; !stop.get(); id++) {
              exchange(busy, id);
            }
          } catch (IOException ended) {
            // the server closed it: what this test waits for
          }
        }, "busy-client");
        client.start();
        try {
          server.close();
        } finally {
          stop.set(true);
        }
        client.join(30_000);
        assertTrue(!client.isAlive(), "round " + round + ": the busy client still waits for an answer");
        assertEnded(idle, "round " + round + ": the idle connection");
        assertEnded(busy, "round " + round + ": the busy connection");
      }
    }
  }

  private static Socket connect(InetSocketAddress address) throws IOException {
    Socket s = new Socket();
    s.connect(address, 5_000);
    s.setSoTimeout(20_000);
    return s;
  }

  private static void exchange(Socket s, long id) throws IOException {
    byte[] frame = AdminRequest.newBuilder().setId(id).setStatus(StatusRequest.getDefaultInstance()).build().toByteArray();
    DataOutputStream out = new DataOutputStream(s.getOutputStream());
    out.writeInt(frame.length);
    out.write(frame);
    out.flush();
    DataInputStream in = new DataInputStream(s.getInputStream());
    in.readFully(new byte[in.readInt()]);
  }

  /** The server closed {@code s}: reading ends (EOF or reset) within 20 s. */
  private static void assertEnded(Socket s, String what) throws IOException {
    try {
      while (s.getInputStream().read() != -1) {
        // answers still in flight before the close
      }
    } catch (SocketTimeoutException e) {
      fail(what + " was not closed within 20 s of close()");
    } catch (SocketException reset) {
      // closed with bytes unread: also a close by the server
    }
  }
}
