package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.daemon.LocalCluster;
import io.raftd.transport.TestCertificates;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * raftctl against a member with [admin_tls], with a throwaway CA made by the test: --cacert (or cacert in
 * the config file) works; without it one line says the port wants TLS and how to give it (exit 5); a CA
 * that did not sign the member's certificate fails the handshake, saying so; with client_ca_file, --cert
 * and --key get in.
 */
class RaftctlTlsTest {
  @TempDir static Path certs;
  static TestCertificates ca;
  static TestCertificates otherCa;
  static TestCertificates.Issued server;

  @TempDir Path dir;

  @BeforeAll
  static void makeCertificates() throws Exception {
    ca = new TestCertificates(certs.resolve("ca"), "admin");
    otherCa = new TestCertificates(certs.resolve("other"), "other");
    server = ca.issue("n1-admin", "n1", "IP:127.0.0.1");
  }

  private LocalCluster cluster(boolean clientCertificates) throws Exception {
    LocalCluster c = new LocalCluster(dir.resolve("cluster"), 1, LocalCluster.FAST_WAL + "[admin_tls]\ncert_file = \""
        + server.cert() + "\"\nkey_file = \"" + server.key() + "\"\n"
        + (clientCertificates ? "client_ca_file = \"" + ca.ca() + "\"\n" : ""));
    c.startAll();
    c.awaitLeader();
    return c;
  }

  private Ctl ctl(LocalCluster c) {
    return new Ctl(new HashMap<>(Map.of("HOME", dir.resolve("home").toString(),
        "RAFTCTL_ENDPOINTS", String.join(",", c.adminAddresses))));
  }

  @Test
  void withTheCaItWorksAndWithoutOneLineSaysToGiveIt() throws Exception {
    try (LocalCluster c = cluster(false)) {
      Ctl.Result put = ctl(c).run("--cacert", ca.ca().toString(), "put", "k", "v");
      assertEquals(0, put.code(), put.toString());

      Ctl.Result plain = ctl(c).run("get", "k");
      assertEquals(5, plain.code(), plain.toString());
      assertEquals("raftctl: not authenticated: this member's admin port speaks TLS only ([admin_tls]): connect with"
          + " TLS (raftctl --cacert FILE, the CA of its admin certificate)\n", plain.err());

      Ctl.Result stranger = ctl(c).run("--cacert", otherCa.ca().toString(), "get", "k");
      assertEquals(5, stranger.code(), stranger.toString());
      assertEquals(1, stranger.err().lines().count(), stranger.err());
      assertTrue(stranger.err().contains("its admin certificate must be signed by the CA given (--cacert)"),
          stranger.err());

      Ctl.userConfig(dir.resolve("home"), "cacert = \"" + ca.ca() + "\"\n");
      Ctl.Result got = ctl(c).run("get", "k");
      assertEquals("v\n", got.out(), got.toString());
    }
  }

  @Test
  void clientCertificatesGetInWhereTheMemberRequiresThem() throws Exception {
    TestCertificates.Issued alice = ca.issue("alice", "alice");
    try (LocalCluster c = cluster(true)) {
      Ctl.Result in = ctl(c).run("--cacert", ca.ca().toString(), "--cert", alice.cert().toString(), "--key",
          alice.key().toString(), "status");
      assertEquals(0, in.code(), in.toString());

      Ctl.Result without = ctl(c).run("--cacert", ca.ca().toString(), "status");
      assertEquals(5, without.code(), without.toString());
      assertTrue(without.err().contains("give one of its client CA (--cert and --key)"), without.err());

      Ctl.Result half = ctl(c).run("--cacert", ca.ca().toString(), "--cert", alice.cert().toString(), "status");
      assertEquals(2, half.code(), half.toString());
      assertEquals("raftctl: --cacert, --cert and --key: a client certificate needs its key, and a key its"
          + " certificate: give both or neither\n", half.err());
    }
  }
}
