package io.raftd.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** host:port as the file writes it: a name, IPv4 or [IPv6], then a port 1..65535. */
class ConfigAddressTest {
  @Test
  void theThreeKindsOfHost() {
    assertEquals(new HostPort("raft-1.example.com", 7100), HostPort.parse("Raft-1.Example.COM:7100"));
    assertEquals(new HostPort("localhost", 1), HostPort.parse("localhost:1"));
    assertEquals(new HostPort("10.0.0.255", 65535), HostPort.parse("10.0.0.255:65535"));
    assertEquals(new HostPort("::1", 7100), HostPort.parse("[::1]:7100"));
    assertEquals(new HostPort("2001:db8::a", 7100), HostPort.parse("[2001:DB8::A]:7100"));
  }

  @Test
  void toStringWritesItBackWithBracketsForIpv6() {
    assertEquals("[2001:db8::a]:7100", HostPort.parse("[2001:db8::a]:7100").toString());
    assertEquals("10.0.0.1:7100", HostPort.parse("10.0.0.1:7100").toString());
  }

  @Test
  void badForms() {
    assertRejected("127.0.0.1", "no port");
    assertRejected("127.0.0.1:", "no port");
    assertRejected(":7100", "no host");
    assertRejected("127.0.0.1:0", "port 0 is out of range 1..65535");
    assertRejected("127.0.0.1:70000", "port 70000 is out of range 1..65535");
    assertRejected("127.0.0.1:99999999999", "port 99999999999 is out of range 1..65535");
    assertRejected("127.0.0.1:http", "port http is not a number");
    assertRejected("127.0.0.1:-1", "port -1 is not a number");
    assertRejected("::1:7100", "an IPv6 address must be in brackets, as in [::1]:7100");
    assertRejected("[::1:7100", "no closing ']' after the IPv6 address");
    assertRejected("[::1]", "no port after the IPv6 address");
    assertRejected("[1.2.3.4]:7100", "[1.2.3.4] is not an IPv6 address");
    assertRejected("[::g]:7100", "[::g] is not an IPv6 address");
    assertRejected("256.0.0.1:7100", "256.0.0.1 is not an IPv4 address");
    assertRejected("10.0.1:7100", "10.0.1 is not an IPv4 address");
    assertRejected("under_score:7100", "under_score is not a host name");
    assertRejected("-lead.example:7100", "-lead.example is not a host name");
    assertRejected("a..b:7100", "a..b is not a host name");
  }

  private static void assertRejected(String text, String reason) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> HostPort.parse(text));
    assertEquals(reason, e.getMessage(), text);
  }
}
