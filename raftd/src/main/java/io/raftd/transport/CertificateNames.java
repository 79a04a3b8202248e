package io.raftd.transport;

import io.netty.channel.ChannelPipeline;
import io.netty.handler.ssl.SslHandler;
import java.security.cert.Certificate;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import javax.naming.InvalidNameException;
import javax.naming.ldap.LdapName;
import javax.naming.ldap.Rdn;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;

/**
 * The names a verified certificate holds: its subjectAltName DNS names, or without any, its subject CN. A
 * member's certificate must hold the member's name ({@code [peer_tls]}); a client's is the caller's identity
 * on the admin port ({@code admin_tls.client_ca_file}).
 */
final class CertificateNames {
  private CertificateNames() {}

  /** The names the certificate of the other end of this TLS connection holds. */
  static List<String> of(ChannelPipeline pipeline) throws SSLPeerUnverifiedException {
    return of(pipeline.get(SslHandler.class).engine().getSession());
  }

  static List<String> of(SSLSession session) throws SSLPeerUnverifiedException {
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
}
