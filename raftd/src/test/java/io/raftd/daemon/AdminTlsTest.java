package io.raftd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.client.AdminCredentials;
import io.raftd.client.ClientTls;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.proto.ErrorCode;
import io.raftd.transport.TestCertificates;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TLS on the admin port ([admin_tls]), with a throwaway CA made by the test: a client trusting the CA works;
 * a plaintext client is told the port speaks TLS; a client trusting another CA fails the handshake, saying
 * why; with client_ca_file a client without a certificate of that CA cannot connect, and one with it can;
 * and new certificate files are used without a restart.
 */
class AdminTlsTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @TempDir static Path certs;
  static TestCertificates ca;
  static TestCertificates otherCa;
  static TestCertificates.Issued server;

  @TempDir Path dir;

  @BeforeAll
  static void makeCertificates() throws Exception {
    ca = new TestCertificates(certs.resolve("ca"), "admin");
    otherCa = new TestCertificates(certs.resolve("other"), "other");
    server = ca.issue("n1-admin", "n1", "DNS:localhost,IP:127.0.0.1");
  }

  private static String adminTls(TestCertificates.Issued cert, Path clientCa) {
    return "[admin_tls]\ncert_file = \"" + cert.cert() + "\"\nkey_file = \"" + cert.key() + "\"\n"
        + (clientCa == null ? "" : "client_ca_file = \"" + clientCa + "\"\n");
  }

  private static RaftdClient client(LocalCluster c, ClientTls tls) {
    return RaftdClient.create(c.adminAddresses, TIMEOUT, new AdminCredentials("", tls));
  }

  @Test
  void aClientOfTheCaWorksAndAPlaintextOneIsToldThePortSpeaksTls() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 1, LocalCluster.FAST_WAL + adminTls(server, null))) {
      c.startAll();
      try (RaftdClient tls = client(c, ClientTls.load(ca.ca(), null, null))) {
        assertEquals("n1", tls.status(null).getSelf().getName());
      }
      try (RaftdClient plain = client(c, null)) {
        RaftdException e = assertThrows(RaftdException.class, () -> plain.status(null));
        assertEquals(ErrorCode.UNAUTHENTICATED, e.code(), e.getMessage());
        assertTrue(e.getMessage().contains("this member's admin port speaks TLS only ([admin_tls]): connect with TLS"
            + " (raftctl --cacert FILE"), e.getMessage());
      }
      try (RaftdClient stranger = client(c, ClientTls.load(otherCa.ca(), null, null))) {
        RaftdException e = assertThrows(RaftdException.class, () -> stranger.status(null));
        assertTrue(e.getMessage().contains("the TLS handshake with 127.0.0.1:") && e.getMessage().contains(
            "its admin certificate must be signed by the CA given (--cacert)"), e.getMessage());
      }
    }
  }

  @Test
  void withAClientCaOnlyClientsWithItsCertificatesConnect() throws Exception {
    TestCertificates.Issued alice = ca.issue("alice", "alice");
    TestCertificates.Issued mallory = otherCa.issue("mallory", "mallory");
    try (LocalCluster c = new LocalCluster(dir, 1, LocalCluster.FAST_WAL + adminTls(server, ca.ca()))) {
      c.startAll();
      try (RaftdClient withCert = client(c, ClientTls.load(ca.ca(), alice.cert(), alice.key()))) {
        assertEquals("n1", withCert.status(null).getSelf().getName());
      }
      for (ClientTls refused : List.of(ClientTls.load(ca.ca(), null, null),
          ClientTls.load(ca.ca(), mallory.cert(), mallory.key()))) {
        try (RaftdClient without = client(c, refused)) {
          assertThrows(RaftdException.class, () -> without.status(null));
        }
      }
    }
  }

  @Test
  void newCertificateFilesAreUsedWithoutARestart() throws Exception {
    Path cert = Files.copy(server.cert(), dir.resolve("admin.crt"));
    Path key = Files.copy(server.key(), dir.resolve("admin.key"));
    TestCertificates.Issued rotated = otherCa.issue("n1-admin-rotated", "n1", "DNS:localhost,IP:127.0.0.1");
    try (LocalCluster c = new LocalCluster(dir.resolve("cluster"), 1,
        LocalCluster.FAST_WAL + adminTls(new TestCertificates.Issued(cert, key), null))) {
      c.startAll();
      ClientTls trustsNew = ClientTls.load(otherCa.ca(), null, null);
      try (RaftdClient before = client(c, trustsNew)) {
        assertThrows(RaftdException.class, () -> before.status(null), "the old certificate is not of the new CA");
      }
      // The key first: a certificate whose key has not arrived yet does not load, and the old pair stays.
      Files.copy(rotated.key(), key, StandardCopyOption.REPLACE_EXISTING);
      Files.copy(rotated.cert(), cert, StandardCopyOption.REPLACE_EXISTING);
      // Not reloaded yet fails (it looks at the files at most once a second), and is polled again.
      LocalCluster.await("the rotated certificate", Duration.ofSeconds(30), () -> {
        try (RaftdClient after = client(c, trustsNew)) {
          return after.status(null).getSelf().getName().equals("n1");
        }
      });
    }
  }
}
