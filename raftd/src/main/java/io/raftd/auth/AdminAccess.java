package io.raftd.auth;

import io.raftd.proto.AdminRequest;
import io.raftd.proto.Error;
import io.raftd.proto.ErrorCode;
import io.raftd.transport.AdminGate;
import java.net.InetAddress;
import java.util.function.Supplier;

/**
 * Authentication and roles on the admin port ({@code [admin_auth]}): a request must carry a token from the
 * tokens file, or come over a connection whose client certificate names a holder marked {@code certificate
 * = true}, and that holder's role must allow it ({@link RequiredRoles}). A token, when given, is what
 * counts. An address that sent too many wrong tokens is refused unchecked for a while ({@link
 * FailedAttempts}). Each refusal says which it is and what to do.
 */
public final class AdminAccess implements AdminGate {
  /** The identity the audit stream gives a caller who presented a token no one holds. */
  static final String UNKNOWN_TOKEN = "unknown-token";

  private final Supplier<AdminTokens> tokens;
  private final FailedAttempts failures;

  /** @param tokens the tokens file as it is now (it is read again when it changes) */
  public AdminAccess(Supplier<AdminTokens> tokens, FailedAttempts failures) {
    this.tokens = tokens;
    this.failures = failures;
  }

  @Override
  public Admission admit(AdminRequest request, Caller caller) {
    InetAddress from = caller.remote().getAddress();
    if (failures.lockedOut(from)) {
      return refuse(caller.certificateIdentity(), ErrorCode.UNAUTHENTICATED, "too many wrong tokens from "
          + from.getHostAddress() + " lately: its requests are refused for " + failures.secondsLeft(from)
          + " s more; fix the token, then retry");
    }
    AdminTokens tokens = this.tokens.get();
    AdminTokens.Holder holder;
    if (!request.getToken().isEmpty()) {
      holder = tokens.holder(request.getToken());
      if (holder == null) {
        failures.failed(from);
        return refuse(UNKNOWN_TOKEN, ErrorCode.UNAUTHENTICATED,
            "the token is not valid on this member: use one from its tokens file");
      }
    } else {
      holder = tokens.holderOfCertificate(caller.certificateNames());
      if (holder == null) {
        return refuse(caller.certificateIdentity(), ErrorCode.UNAUTHENTICATED, caller.certificateNames().isEmpty()
            ? "this member requires a token: give one from its tokens file (raftctl --token-file FILE, or RAFTCTL_TOKEN)"
            : "the client certificate names " + caller.certificateNames() + ", no holder of the tokens file with"
                + " certificate = true: give a token (raftctl --token-file FILE), or add the holder");
      }
    }
    Role needed = RequiredRoles.of(request.getBodyCase());
    if (!holder.role().allows(needed)) {
      return refuse(holder.name(), ErrorCode.PERMISSION_DENIED, RequiredRoles.operation(request.getBodyCase())
          + " needs the " + needed.label() + " role; the " + (request.getToken().isEmpty() ? "certificate" : "token")
          + " of " + holder.name() + " has role " + holder.role().label() + ": use a token with role " + needed.label());
    }
    return new Admission(holder.name(), null);
  }

  private static Admission refuse(String identity, ErrorCode code, String message) {
    return new Admission(identity, Error.newBuilder().setCode(code).setMessage(message).build());
  }
}
