package io.raftd.transport;

/**
 * What guards the admin port: TLS on its connections (null: plaintext), the gate every request passes
 * (authentication and roles), and the audit stream that hears how each ended.
 */
public record AdminSecurity(AdminTls tls, AdminGate gate, AdminAudit audit) {
  /** Plaintext, open to whoever connects, unaudited: for tests of other things. */
  public static final AdminSecurity NONE = new AdminSecurity(null, AdminGate.OPEN, AdminAudit.NONE);
}
