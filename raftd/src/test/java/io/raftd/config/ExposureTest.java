package io.raftd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Which ports are open to the network unprotected: off loopback, the peer port needs [peer_tls], the admin
 * port [admin_tls] and authentication ([admin_auth] or client certificates); such a port is refused unless
 * insecure = true.
 */
class ExposureTest {
  private static final String TLS = "cert_file = \"/c.crt\"\nkey_file = \"/c.key\"\n";

  private static RaftdConfig config(String peer, String admin, String extra) throws ConfigException {
    return ConfigLoader.parse("""
        name = "n1"
        data_dir = "/var/lib/raftd"
        peer_address = "%s"
        admin_address = "%s"
        %s
        """.formatted(peer, admin, extra), "raftd.toml");
  }

  private static List<String> open(String peer, String admin, String extra) throws ConfigException {
    return Exposure.openPorts(config(peer, admin, extra)).stream().map(l -> l.substring(0, l.indexOf(' '))).toList();
  }

  @Test
  void loopbackIsNeverOpen() throws ConfigException {
    assertEquals(List.of(), open("127.0.0.1:7100", "[::1]:7200", ""));
    assertEquals(List.of(), open("localhost:7100", "127.0.0.2:7200", ""));
  }

  @Test
  void offLoopbackEachPortNeedsItsProtection() throws ConfigException {
    assertEquals(List.of("peer_address", "admin_address"), open("0.0.0.0:7100", "10.1.2.3:7200", ""));
    assertEquals(List.of("admin_address"), open("0.0.0.0:7100", "0.0.0.0:7200",
        "[peer_tls]\n" + TLS + "ca_file = \"/ca.crt\"\n"));
    assertEquals(List.of("admin_address"), open("127.0.0.1:7100", "0.0.0.0:7200", "[admin_tls]\n" + TLS),
        "TLS without authentication");
    assertEquals(List.of("admin_address"), open("127.0.0.1:7100", "0.0.0.0:7200",
        "[admin_auth]\ntokens_file = \"/t.toml\"\n"), "authentication without TLS");
    assertEquals(List.of(), open("127.0.0.1:7100", "0.0.0.0:7200",
        "[admin_tls]\n" + TLS + "[admin_auth]\ntokens_file = \"/t.toml\"\n"));
    assertEquals(List.of(), open("127.0.0.1:7100", "0.0.0.0:7200",
        "[admin_tls]\n" + TLS + "client_ca_file = \"/clients.crt\"\n"), "client certificates authenticate");
  }

  @Test
  void anOpenPortIsRefusedUnlessInsecureSaysSo() throws ConfigException {
    ConfigException e = assertThrows(ConfigException.class, () -> Exposure.check(config("127.0.0.1:7100",
        "0.0.0.0:7200", "")));
    assertEquals("raftd.toml: admin_address = \"0.0.0.0:7200\" is not loopback and the admin port has neither TLS"
        + " ([admin_tls]) nor authentication ([admin_auth], or admin_tls.client_ca_file): whoever reaches it can read"
        + " and write every key; protect it (README: Security), bind it to 127.0.0.1, or set insecure = true to run"
        + " it open anyway", e.getMessage());
    Exposure.check(config("127.0.0.1:7100", "0.0.0.0:7200", "insecure = true"));
  }
}
