package io.raftd.transport;

import io.raftd.raft.MemberId;
import io.netty.buffer.ByteBufAllocator;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SslHandler;
import io.netty.handler.ssl.SslProvider;
import io.raftd.datadir.FileFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicLong;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mutual TLS on every peer connection ({@code [peer_tls]}): TLS 1.3 only, both sides presenting a
 * certificate signed by the cluster's CA, and each certificate naming the member it speaks for (checked by
 * the handshake handlers once they know which member that is). There is no plaintext fallback: a member
 * with TLS configured neither accepts nor makes a connection without it.
 *
 * <p>The certificate, key and CA files are read again when they change (checked at most once a second, on
 * the next connection), so certificates rotate without a restart; a set of files that does not load (say,
 * half-copied) is logged and the last good one kept. Connections already open keep the certificates they
 * were made with.
 *
 * <p>Thread-safe.
 */
public final class PeerTls {
  private static final Logger log = LoggerFactory.getLogger(PeerTls.class);
  private static final String TLS_1_3 = "TLSv1.3";
  private static final long RECHECK_NANOS = 1_000_000_000L;

  /** Both sides' contexts, made from the files as they were when {@code stamp} was taken. */
  private record Contexts(SslContext server, SslContext client, String stamp) {}

  private final Path certFile;
  private final Path keyFile;
  private final Path caFile;
  private volatile Contexts contexts;
  private final AtomicLong lastCheck = new AtomicLong(System.nanoTime());

  private PeerTls(Path certFile, Path keyFile, Path caFile, Contexts contexts) {
    this.certFile = certFile;
    this.keyFile = keyFile;
    this.caFile = caFile;
    this.contexts = contexts;
  }

  /**
   * Loads the PEM files: this member's certificate (chain), its PKCS#8 private key and the CA bundle peers'
   * certificates must chain to.
   *
   * @throws IOException naming the file that does not load and why
   */
  public static PeerTls load(Path certFile, Path keyFile, Path caFile) throws IOException {
    return new PeerTls(certFile, keyFile, caFile, build(certFile, keyFile, caFile));
  }

  SslHandler serverHandler(ByteBufAllocator alloc) {
    return current().server.newHandler(alloc);
  }

  SslHandler clientHandler(ByteBufAllocator alloc) {
    return current().client.newHandler(alloc);
  }

  /** The contexts to use now: reloaded first if the files changed since the last check a second or more ago. */
  private Contexts current() {
    long now = System.nanoTime();
    long last = lastCheck.get();
    if (now - last >= RECHECK_NANOS && lastCheck.compareAndSet(last, now)) {
      reloadIfChanged();
    }
    return contexts;
  }

  private void reloadIfChanged() {
    Contexts old = contexts;
    try {
      String stamp = stamp(certFile, keyFile, caFile);
      if (stamp.equals(old.stamp)) {
        return;
      }
      contexts = build(certFile, keyFile, caFile);
      log.info("peer TLS: reloaded {}, {} and {}", certFile, keyFile, caFile);
    } catch (IOException e) {
      log.warn("peer TLS: the changed files do not load, keeping the certificates loaded before: {}", e.getMessage());
    }
  }

  private static Contexts build(Path certFile, Path keyFile, Path caFile) throws IOException {
    String stamp = stamp(certFile, keyFile, caFile);
    try {
      SslContext server = SslContextBuilder.forServer(certFile.toFile(), keyFile.toFile())
          .trustManager(caFile.toFile()).clientAuth(ClientAuth.REQUIRE)
          .sslProvider(SslProvider.JDK).protocols(TLS_1_3).build();
      // Members are dialled by address, and a certificate names a member, not a host: the handshake handlers
      // check the member's name, so the HTTPS-style host name check (on by default in Netty 4.2) is off.
      SslContext client = SslContextBuilder.forClient().keyManager(certFile.toFile(), keyFile.toFile())
          .trustManager(caFile.toFile()).sslProvider(SslProvider.JDK).protocols(TLS_1_3)
          .endpointIdentificationAlgorithm(null).build();
      return new Contexts(server, client, stamp);
    } catch (IOException | IllegalArgumentException e) {
      throw new IOException("peer_tls: cannot load " + certFile + ", " + keyFile + " and " + caFile + ": "
          + rootMessage(e) + " (expected PEM: a certificate chain, a PKCS#8 private key, a CA bundle)", e);
    }
  }

  /** When and how large each file was: what a change of the files changes. */
  private static String stamp(Path... files) throws IOException {
    StringBuilder s = new StringBuilder();
    for (Path f : files) {
      try {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        s.append(a.lastModifiedTime().toMillis()).append('/').append(a.size()).append(' ');
      } catch (IOException e) {
        throw new IOException("peer_tls: cannot read " + FileFailure.explain(e, f).getMessage(), e);
      }
    }
    return s.toString();
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
      names = peerNames(pipeline.get(SslHandler.class).engine().getSession());
    } catch (SSLPeerUnverifiedException e) {
      return "no verified certificate";
    }
    return names.contains(name) ? null
        : "the certificate names " + names + ", not member " + name + " (" + MemberId.hex(memberId) + ")";
  }

  /**
   * The names the other end's certificate holds: its subjectAltName DNS names, or without any, its subject
   * CN. A member's certificate must hold the member's name.
   */
  static List<String> peerNames(SSLSession session) throws SSLPeerUnverifiedException {
    Certificate[] chain = session.getPeerCertificates();
    if (chain.length == 0 || !(chain[0] instanceof X509Certificate cert)) {
      return List.of();
    }
    List<String> names = new ArrayList<>();
    try {
      Collection<List<?>> alt = cert.getSubjectAlternativeNames();
      if (alt != null) {
        for (List<?> entry : alt) {
          if (Objects.equals(entry.get(0), 2)) {  // dNSName
            names.add((String) entry.get(1));
          }
        }
      }
    } catch (CertificateParsingException e) {
      return List.of();
    }
    if (names.isEmpty()) {
      try {
        for (Rdn rdn : new LdapName(cert.getSubjectX500Principal().getName()).getRdns()) {
          if (rdn.getType().equalsIgnoreCase("CN")) {
            names.add(String.valueOf(rdn.getValue()));
          }
        }
      } catch (InvalidNameException e) {
        return List.of();
      }
    }
    return names;
  }

  private static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
