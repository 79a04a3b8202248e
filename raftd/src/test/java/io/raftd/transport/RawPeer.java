package io.raftd.transport;

import io.raftd.proto.Hello;
import io.raftd.proto.HelloReply;
import io.raftd.proto.PeerFrame;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;

/** A plain socket on a transport's peer port, to send it whatever bytes a test likes. */
final class RawPeer implements AutoCloseable {
  private final Socket socket = new Socket();
  private final DataOutputStream out;
  private final DataInputStream in;

  RawPeer(InetSocketAddress address) throws IOException {
    socket.connect(address, 5000);
    socket.setSoTimeout((int) Peers.PATIENCE.toMillis());
    out = new DataOutputStream(socket.getOutputStream());
    in = new DataInputStream(socket.getInputStream());
  }

  static Hello.Builder hello(long from, long to) {
    return Hello.newBuilder().setProtocolVersion(Identity.PROTOCOL_VERSION).setClusterId(Peers.CLUSTER).setFrom(from)
        .setTo(to).setPurpose(Hello.Purpose.RAFT);
  }

  /** Says a good Hello and checks it was accepted. */
  void handshake(long from, long to) throws IOException {
    write(PeerFrame.newBuilder().setHello(hello(from, to)).build());
    HelloReply reply = read().getHelloReply();
    if (!reply.getAccepted()) {
      throw new IOException("handshake refused: " + reply.getReason());
    }
  }

  void write(PeerFrame frame) throws IOException {
    byte[] body = frame.toByteArray();
    out.writeInt(body.length);
    out.write(body);
    out.flush();
  }

  /** Writes raw bytes; the transport may already have closed the connection, which is fine. */
  void writeRaw(byte[] bytes) {
    try {
      out.write(bytes);
      out.flush();
    } catch (SocketException e) {
      // closed under us: what the tests want to see anyway
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  void endOutput() throws IOException {
    socket.shutdownOutput();
  }

  PeerFrame read() throws IOException {
    byte[] body = new byte[in.readInt()];
    in.readFully(body);
    return PeerFrame.parseFrom(body);
  }

  /** Whether the transport closed the connection (end of stream or reset) before the patience ran out. */
  boolean closedByPeer() throws IOException {
    try {
      while (in.read() >= 0) {
        // whatever the transport wrote before closing
      }
      return true;
    } catch (EOFException | SocketException e) {
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
