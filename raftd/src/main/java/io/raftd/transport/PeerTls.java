package io.raftd.transport;

import io.raftd.raft.MemberId;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.function.LongSupplier;
import javax.net.ssl.SSLPeerUnverifiedException;

/**
 * Mutual TLS on every peer connection ({@code [peer_tls]}): TLS 1.3 only, both sides presenting a
 * certificate signed by the cluster's CA, and each certificate naming the member it speaks for (checked by
 * the handshake handlers once they know which member that is). There is no plaintext fallback: a member
 * with TLS configured neither accepts nor makes a connection without it.
 *
 * <p>The certificate, key and CA files are read again when they change ({@link ReloadingFiles}), so certificates
 * rotate without a restart.
 *
 * <p>Thread-safe.
 */
public final class PeerTls {
  private static final String TLS_1_3 = "TLSv1.3";

  /** Both sides' contexts. */
  private record Contexts(SslContext server, SslContext client) {}

  private final ReloadingFiles<Contexts> files;

  private PeerTls(ReloadingFiles<Contexts> files) {
    this.files = files;
  }

  /**
   * Loads the PEM files: this member's certificate (chain), its PKCS#8 private key and the CA bundle peers'
   * certificates must chain to.
   *
   * @param nanoClock the host's monotonic clock, which spaces the looks for changed files
   * @throws IOException naming the file that does not load and why
   */
  public static PeerTls load(Path certFile, Path keyFile, Path caFile, LongSupplier nanoClock) throws IOException {
    return new PeerTls(ReloadingFiles.load("peer_tls", List.of(certFile, keyFile, caFile),
        () -> build(certFile, keyFile, caFile), nanoClock));
  }

  SslHandler serverHandler(ByteBufAllocator alloc) {
    return files.current().server.newHandler(alloc);
  }

  SslHandler clientHandler(ByteBufAllocator alloc) {
    return files.current().client.newHandler(alloc);
  }

  private static Contexts build(Path certFile, Path keyFile, Path caFile) throws IOException {
    try {
      SslContext server = SslContextBuilder.forServer(certFile.toFile(), keyFile.toFile())
          .trustManager(caFile.toFile()).clientAuth(ClientAuth.REQUIRE)
          .sslProvider(SslProvider.JDK).protocols(TLS_1_3).build();
      // Members are dialled by address, and a certificate names a member, not a host: the handshake handlers
      // check the member's name, so the HTTPS-style host name check (on by default in Netty 4.2) is off.
      SslContext client = SslContextBuilder.forClient().keyManager(certFile.toFile(), keyFile.toFile())
          .trustManager(caFile.toFile()).sslProvider(SslProvider.JDK).protocols(TLS_1_3)
          .endpointIdentificationAlgorithm(null).build();
      return new Contexts(server, client);
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException("peer_tls: cannot load " + certFile + ", " + keyFile + " and " + caFile + ": "
          + ReloadingFiles.rootMessage(e) + " (expected PEM: a certificate chain, a PKCS#8 private key, a CA bundle)", e);
    }
  }

  /**
   * Why the other end of this TLS connection may not speak for member {@code memberId}, or null if its
   * certificate holds that member's name.
   */
  static String certificateRefusal(io.netty.channel.ChannelPipeline pipeline, Identity identity, long memberId) {
    String name = identity.nameOf(memberId);
    if (name == null) {
      return "no name is known for member " + MemberId.hex(memberId) + " to check its certificate against";
    }
    List<String> names;
    try {
      names = CertificateNames.of(pipeline);
    } catch (SSLPeerUnverifiedException e) {
      return "no verified certificate";
    }
    return names.contains(name) ? null
        : "the certificate names " + names + ", not member " + name + " (" + MemberId.hex(memberId) + ")";
  }
}
