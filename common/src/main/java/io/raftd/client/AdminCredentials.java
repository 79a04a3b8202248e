package io.raftd.client;

/**
 * What a client presents to members' admin ports: a token from their tokens file ({@code [admin_auth]};
 * empty for none), and TLS ({@code [admin_tls]}; null for plaintext), which may carry a client certificate.
 */
public record AdminCredentials(String token, ClientTls tls) {
  /** No token, plaintext: members without [admin_auth] or [admin_tls]. */
  public static final AdminCredentials NONE = new AdminCredentials("", null);

  public AdminCredentials {
    if (token == null) {
      throw new NullPointerException("token: empty for none");
    }
  }
}
