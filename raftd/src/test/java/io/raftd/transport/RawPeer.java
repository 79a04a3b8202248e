package io.raftd.transport;

import com.google.protobuf.ByteString;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslProvider;
import io.raftd.proto.Hello;
import io.raftd.proto.HelloReply;
import io.raftd.proto.PeerFrame;
import io.raftd.proto.Proof;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import javax.net.ssl.SSLContext;

/**
 * A plain socket on a transport's peer port, to send it whatever bytes a test likes: a stranger, or (with
 * the cluster token's keys) a member that authenticates and then says what a test wants it to say.
 */
public final class RawPeer implements AutoCloseable {
  private final Socket socket;
  private final DataOutputStream out;
  private final DataInputStream in;

  public RawPeer(InetSocketAddress address) throws IOException {
    this(address, null);
  }

  /** Connects over TLS with {@code tls} (a client context with a member's certificate), or plain if null. */
  public RawPeer(InetSocketAddress address, SSLContext tls) throws IOException {
    socket = tls == null ? new Socket() : tls.getSocketFactory().createSocket();
    socket.connect(address, 5000);
    socket.setSoTimeout((int) Peers.PATIENCE.toMillis());
    out = new DataOutputStream(socket.getOutputStream());
    in = new DataInputStream(socket.getInputStream());
  }

  /** A TLS client context presenting {@code cert} and trusting {@code ca}, as a member's would. */
  public static SSLContext tlsClient(Path cert, Path key, Path ca) throws IOException {
    return ((JdkSslContext) SslContextBuilder.forClient().keyManager(cert.toFile(), key.toFile())
        .trustManager(ca.toFile()).sslProvider(SslProvider.JDK).protocols("TLSv1.3")
        .endpointIdentificationAlgorithm(null).build()).context();
  }

  /** A Hello of Peers' test cluster, proving with Peers.KEYS. */
  static Hello.Builder hello(long from, long to) {
    return hello(Peers.CLUSTER, from, to, Peers.KEYS);
  }

  /** A well-formed Hello for a RAFT connection, with a fresh nonce and the fingerprint of {@code keys}. */
  public static Hello.Builder hello(long clusterId, long from, long to, ClusterKeys keys) {
    return Hello.newBuilder().setProtocolVersion(Identity.PROTOCOL_VERSION).setClusterId(clusterId).setFrom(from)
        .setTo(to).setPurpose(Hello.Purpose.RAFT).setNonce(ByteString.copyFrom(ClusterKeys.nonce()))
        .setKeyId(keys.usable() ? keys.currentKeyId() : 0);
  }

  /** Says a good Hello of Peers' test cluster and checks it was accepted. */
  void handshake(long from, long to) throws IOException {
    HelloReply reply = handshake(hello(from, to), Peers.KEYS);
    if (!reply.getAccepted()) {
      throw new IOException("handshake refused: " + reply.getReason());
    }
  }

  /**
   * Runs the handshake for {@code hello}, proving with {@code keys} (a stranger's keys give a wrong proof),
   * and returns the acceptor's HelloReply: the refusal of the Hello itself, or the answer after the proof.
   */
  public HelloReply handshake(Hello.Builder hello, ClusterKeys keys) throws IOException {
    Hello h = hello.build();
    write(PeerFrame.newBuilder().setHello(h).build());
    PeerFrame answer = read();
    if (answer.hasHelloReply()) {
      return answer.getHelloReply();
    }
    if (!answer.hasChallenge()) {
      throw new IOException("Hello answered with " + answer.getBodyCase());
    }
    byte[] secret = keys.usable() ? keys.currentSecret() : new byte[32];
    byte[] proof = ClusterKeys.connectorProof(secret, h, answer.getChallenge().getNonce().toByteArray());
    write(PeerFrame.newBuilder().setProof(Proof.newBuilder().setProof(ByteString.copyFrom(proof))).build());
    return read().getHelloReply();
  }

  public void write(PeerFrame frame) throws IOException {
    byte[] body = frame.toByteArray();
    out.writeInt(body.length);
    out.write(body);
    out.flush();
  }

  /** Writes a frame; the transport may already have closed the connection, which is fine. */
  public void writeIfOpen(PeerFrame frame) {
    byte[] body = frame.toByteArray();
    writeRaw(ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array());
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

  public PeerFrame read() throws IOException {
    byte[] body = new byte[in.readInt()];
    in.readFully(body);
    return PeerFrame.parseFrom(body);
  }

  /** Whether the transport closed the connection (end of stream or reset) before the patience ran out. */
  public boolean closedByPeer() throws IOException {
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
