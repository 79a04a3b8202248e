package io.raftd.transport;

import io.raftd.proto.AdminRequest;
import io.raftd.proto.Error;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * Whether the admin port lets a request through to be answered (authentication and roles), and who asked:
 * asked for every request, streams included, before anything acts on it. Called on the connection's event
 * loop, so it must not wait.
 */
public interface AdminGate {
  /** No authentication configured: everything goes through, asked by whoever the caller's certificate names. */
  AdminGate OPEN = (request, caller) -> new Admission(caller.certificateIdentity(), null);

  Admission admit(AdminRequest request, Caller caller);

  /**
   * Who is on the other end of a connection, as far as the transport knows.
   *
   * @param remote the connection's remote address
   * @param certificateNames the names of the verified client certificate ({@code admin_tls.client_ca_file});
   *     empty without one
   */
  record Caller(InetSocketAddress remote, List<String> certificateNames) {
    public Caller {
      certificateNames = List.copyOf(certificateNames);
    }

    /** The certificate's first name, or {@code anonymous} without a certificate. */
    public String certificateIdentity() {
      return certificateNames.isEmpty() ? "anonymous" : certificateNames.get(0);
    }
  }

  /**
   * The gate's decision.
   *
   * @param identity who asked, as the audit stream records it: a token holder's name, a certificate's name,
   *     or what is known of an unauthenticated caller ({@code anonymous}, {@code unknown-token})
   * @param refusal null to let the request through, else the error to answer it with
   */
  record Admission(String identity, Error refusal) {}
}
