package io.raftd.transport;

import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.LongSupplier;

/**
 * TLS on the admin port ({@code [admin_tls]}): TLS 1.3 or 1.2, the port presenting its certificate; with a
 * client CA, every client must present a certificate that chains to it, and the names that certificate
 * holds are the caller's identity ({@link CertificateNames}). There is no plaintext fallback. The files are
 * read again when they change ({@link ReloadingFiles}), so certificates rotate without a restart.
 *
 * <p>Thread-safe.
 */
public final class AdminTls {
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final ReloadingFiles<SslContext> files;
  private final boolean clientCertificates;

  private AdminTls(ReloadingFiles<SslContext> files, boolean clientCertificates) {
    this.files = files;
    this.clientCertificates = clientCertificates;
  }

  /**
   * Loads the PEM files: the port's certificate (chain), its PKCS#8 private key, and the CA bundle clients'
   * certificates must chain to (absent: clients present none).
   *
   * @param nanoClock the host's monotonic clock, which spaces the looks for changed files
   * @throws IOException naming the file that does not load and why
   */
  public static AdminTls load(Path certFile, Path keyFile, Optional<Path> clientCaFile, LongSupplier nanoClock)
      throws IOException {
    List<Path> paths = new ArrayList<>(List.of(certFile, keyFile));
    clientCaFile.ifPresent(paths::add);
    return new AdminTls(ReloadingFiles.load("admin_tls", paths, () -> build(certFile, keyFile, clientCaFile), nanoClock),
        clientCaFile.isPresent());
  }

  /** Whether every client must present a certificate of the client CA. */
  public boolean clientCertificates() {
    return clientCertificates;
  }

  SslHandler serverHandler(ByteBufAllocator alloc) {
    return files.current().newHandler(alloc);
  }

  private static SslContext build(Path certFile, Path keyFile, Optional<Path> clientCaFile) throws IOException {
    try {
      SslContextBuilder server = SslContextBuilder.forServer(certFile.toFile(), keyFile.toFile())
          .sslProvider(SslProvider.JDK).protocols(PROTOCOLS);
      if (clientCaFile.isPresent()) {
        server.trustManager(clientCaFile.get().toFile()).clientAuth(ClientAuth.REQUIRE);
      }
      return server.build();
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException("admin_tls: cannot load " + certFile + " and " + keyFile
          + clientCaFile.map(ca -> " and " + ca).orElse("") + ": " + ReloadingFiles.rootMessage(e)
          + " (expected PEM: a certificate chain, a PKCS#8 private key" + (clientCaFile.isPresent() ? ", a CA bundle" : "")
          + ")", e);
    }
  }
}
