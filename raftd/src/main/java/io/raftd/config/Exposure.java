package io.raftd.config;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * Which of a member's ports would be open to the network unprotected. A port bound to loopback is reachable
 * only from its own host; one bound to any other address (a wildcard, an interface, a name that resolves to
 * one) is protected only by TLS and authentication: for the peer port {@code [peer_tls]} (peers always
 * authenticate with the cluster token), for the admin port {@code [admin_tls]} and either {@code [admin_auth]} or required client
 * certificates. raftd refuses to start with an unprotected port off loopback unless {@code insecure = true}
 * says the operator means it, and then warns at every start (see {@link #openPorts}).
 */
public final class Exposure {
  private Exposure() {}

  /** One line per port that is off loopback and unprotected: what is open and what would protect it. */
  public static List<String> openPorts(RaftdConfig c) {
    List<String> open = new ArrayList<>();
    if (!loopback(c.peerAddress()) && c.peerTls().isEmpty()) {
      // Peers prove the cluster token (without one, the port accepts no peer at all); TLS is what is missing.
      open.add("peer_address = \"" + c.peerAddress() + "\" is not loopback and the peer port has no TLS"
          + " ([peer_tls]): whoever can see its traffic reads every write");
    }
    boolean tls = c.adminTls().isPresent();
    boolean authenticated = c.adminAuth().isPresent() || c.adminTls().map(t -> t.clientCaFile().isPresent()).orElse(false);
    if (!loopback(c.adminAddress()) && !(tls && authenticated)) {
      open.add("admin_address = \"" + c.adminAddress() + "\" is not loopback and the admin port has " + (authenticated
          ? "no TLS ([admin_tls]): whoever can see its traffic reads its tokens and every key"
          : (tls ? "" : "neither TLS ([admin_tls]) nor ") + "authentication ([admin_auth], or admin_tls.client_ca_file):"
              + " whoever reaches it can read and write every key"));
    }
    return open;
  }

  /**
   * Refuses a configuration with an unprotected port off loopback, unless it sets {@code insecure = true}.
   *
   * @throws ConfigException one line: the first open port, and the three ways out
   */
  static void check(RaftdConfig c) throws ConfigException {
    List<String> open = openPorts(c);
    if (!open.isEmpty() && !c.insecure()) {
      throw new ConfigException(c.source() + ": " + open.get(0) + "; protect it (README: Security), bind it to"
          + " 127.0.0.1, or set insecure = true to run it open anyway");
    }
  }

  /**
   * Whether every address the host names is a loopback address. A host that does not resolve cannot be
   * bound at all (the start fails there, saying so): it is not called open here.
   */
  private static boolean loopback(HostPort address) {
    try {
      for (InetAddress a : InetAddress.getAllByName(address.host())) {
        if (!a.isLoopbackAddress()) {
          return false;
        }
      }
      return true;
    } catch (UnknownHostException e) {
      return true;
    }
  }
}
