package io.raftd.client;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;

/**
 * TLS to members' admin ports ({@code [admin_tls]}): the members' certificates must chain to a CA bundle and
 * name the host dialled (a subjectAltName IP address or DNS name, as HTTPS checks it); optionally a client
 * certificate and key, for members that require one ({@code admin_tls.client_ca_file}). PEM files: the
 * certificates as {@code openssl} writes them, the key PKCS#8 ({@code BEGIN PRIVATE KEY}). Immutable and
 * thread-safe.
 */
public final class ClientTls {
  private static final Pattern PKCS8 = Pattern.compile(
      "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");
  private static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

  private final SSLContext context;

  private ClientTls(SSLContext context) {
    this.context = context;
  }

  /**
   * @param caFile the CA bundle members' admin certificates are signed by
   * @param certFile this client's certificate (chain), or null for none
   * @param keyFile its private key, or null (given exactly when certFile is)
   * @throws IOException one line naming the file that does not load and why
   */
  public static ClientTls load(Path caFile, Path certFile, Path keyFile) throws IOException {
    if ((certFile == null) != (keyFile == null)) {
      throw new IOException("a client certificate needs its key, and a key its certificate: give both or neither");
    }
    try {
      KeyStore trusted = KeyStore.getInstance(KeyStore.getDefaultType());
      trusted.load(null, null);
      int i = 0;
      for (Certificate ca : certificates(caFile)) {
        trusted.setCertificateEntry("ca-" + i++, ca);
      }
      TrustManagerFactory trust = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      trust.init(trusted);
      KeyManagerFactory keys = null;
      if (certFile != null) {
        KeyStore own = KeyStore.getInstance(KeyStore.getDefaultType());
        own.load(null, null);
        char[] none = new char[0];
        own.setKeyEntry("client", privateKey(keyFile), none, certificates(certFile).toArray(new Certificate[0]));
        keys = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        keys.init(own, none);
      }
      SSLContext context = SSLContext.getInstance("TLS");
      context.init(keys == null ? null : keys.getKeyManagers(), trust.getTrustManagers(), null);
      return new ClientTls(context);
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS from " + caFile + (certFile == null ? "" : ", " + certFile + " and "
          + keyFile) + ": " + e.getMessage(), e);
    }
  }

  /**
   * Puts TLS over a connected socket to {@code host} and completes the handshake within {@code timeoutMs}.
   *
   * @throws IOException if the handshake fails: the member's certificate is not of the CA, does not name
   *     the host, or the member wants a client certificate this client does not have
   */
  SSLSocket wrap(Socket socket, String host, int port, int timeoutMs) throws IOException {
    SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, host, port, true);
    SSLParameters params = tls.getSSLParameters();
    params.setEndpointIdentificationAlgorithm("HTTPS");
    params.setProtocols(PROTOCOLS);
    tls.setSSLParameters(params);
    int before = tls.getSoTimeout();
    tls.setSoTimeout(timeoutMs);
    try {
      tls.startHandshake();
    } catch (SSLHandshakeException e) {
      throw new SSLHandshakeException("the TLS handshake with " + host + ":" + port + " failed (" + e.getMessage()
          + "): its admin certificate must be signed by the CA given (--cacert) and name " + host
          + " (subjectAltName IP or DNS); if it requires a client certificate, give --cert and --key");
    }
    tls.setSoTimeout(before);
    return tls;
  }

  private static Collection<? extends Certificate> certificates(Path file) throws IOException, GeneralSecurityException {
    try (InputStream in = Files.newInputStream(file)) {
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new IOException(file + " holds no certificate: expected PEM (-----BEGIN CERTIFICATE-----)");
      }
      return certs;
    } catch (NoSuchFileException e) {
      throw new IOException(file + " does not exist: expected a PEM certificate file");
    } catch (java.security.cert.CertificateException e) {
      throw new IOException(file + " is not a PEM certificate file: " + e.getMessage());
    }
  }

  /** A PKCS#8 key of whichever algorithm the key is (EC, RSA, Ed25519). */
  private static PrivateKey privateKey(Path file) throws IOException {
    String pem;
    try {
      pem = Files.readString(file, StandardCharsets.US_ASCII);
    } catch (NoSuchFileException e) {
      throw new IOException(file + " does not exist: expected a PEM private key file");
    }
    Matcher m = PKCS8.matcher(pem);
    if (!m.find()) {
      throw new IOException(file + " is not a PKCS#8 PEM key (-----BEGIN PRIVATE KEY-----): convert it with"
          + " openssl pkcs8 -topk8 -nocrypt -in KEY -out " + file);
    }
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(m.group(1)));
    for (String algorithm : List.of("EC", "RSA", "Ed25519", "Ed448")) {
      try {
        return KeyFactory.getInstance(algorithm).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        // not this algorithm's key: try the next
      }
    }
    throw new IOException(file + " holds a private key of no algorithm this client knows (EC, RSA, Ed25519)");
  }
}
