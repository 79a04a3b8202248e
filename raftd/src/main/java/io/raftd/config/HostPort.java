package io.raftd.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * A {@code host:port} address as written in the configuration: the host is a DNS name, an IPv4 address or an
 * IPv6 address in brackets ({@code [::1]:7100}), the port 1..65535. Never resolved here: names are looked up
 * when the daemon binds or connects. The host is kept in lower case and without brackets; {@link
 * #toString()} puts the brackets back. Equality is textual, after lower-casing: {@code [::1]} and
 * {@code [0:0:0:0:0:0:0:1]} differ, as do a name and its address.
 */
public record HostPort(String host, int port) {
  private static final Pattern DIGITS_AND_DOTS = Pattern.compile("[0-9.]+");
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?");
  private static final int MAX_DNS_NAME = 253;

  /**
   * @throws IllegalArgumentException saying what is wrong with the text, in a few words
   */
  public static HostPort parse(String text) {
    String host;
    String port;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("no closing ']' after the IPv6 address");
      }
      if (!text.startsWith(":", close + 1)) {
        throw new IllegalArgumentException("no port after the IPv6 address");
      }
      host = text.substring(1, close).toLowerCase(Locale.ROOT);
      port = text.substring(close + 2);
      checkIpv6(host);
    } else {
      int colon = text.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("no port");
      }
      host = text.substring(0, colon).toLowerCase(Locale.ROOT);
      port = text.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException("an IPv6 address must be in brackets, as in [::1]:7100");
      }
      checkNameOrIpv4(host);
    }
    return new HostPort(host, parsePort(port));
  }

  private static void checkIpv6(String host) {
    boolean valid = host.indexOf(':') >= 0;
    if (valid) {
      // In brackets, InetAddress only checks the literal's syntax: it never falls back to a DNS lookup.
      try {
        InetAddress.getByName("[" + host + "]");
      } catch (UnknownHostException e) {
        valid = false;
      }
    }
    if (!valid) {
      throw new IllegalArgumentException("[" + host + "] is not an IPv6 address");
    }
  }

  private static void checkNameOrIpv4(String host) {
    if (host.isEmpty()) {
      throw new IllegalArgumentException("no host");
    }
    // Only digits and dots is meant as an IPv4 address: "10.0.0.256" must not pass as a host name.
    if (DIGITS_AND_DOTS.matcher(host).matches()) {
      String[] octets = host.split("\\.", -1);
      boolean valid = octets.length == 4;
      for (String octet : octets) {
        valid &= !octet.isEmpty() && octet.length() <= 3 && Integer.parseInt(octet) <= 255;
      }
      if (!valid) {
        throw new IllegalArgumentException(host + " is not an IPv4 address");
      }
      return;
    }
    boolean valid = host.length() <= MAX_DNS_NAME;
    for (String label : host.split("\\.", -1)) {
      valid &= DNS_LABEL.matcher(label).matches();
    }
    if (!valid) {
      throw new IllegalArgumentException(host + " is not a host name");
    }
  }

  private static int parsePort(String text) {
    if (text.isEmpty()) {
      throw new IllegalArgumentException("no port");
    }
    if (!text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      throw new IllegalArgumentException("port " + text + " is not a number");
    }
    int port = text.length() > 5 ? Integer.MAX_VALUE : Integer.parseInt(text);
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port " + text + " is out of range 1..65535");
    }
    return port;
  }

  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }
}
