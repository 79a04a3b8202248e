package io.raftd.auth;

import io.raftd.proto.AdminRequest;
import io.raftd.proto.Error;
import io.raftd.proto.ErrorCode;
import io.raftd.transport.AdminGate;
import java.net.InetAddress;

/**
 * Authentication and roles on the admin port ({@code [admin_auth]}): a request must carry a token from the
 * tokens file whose role allows it ({@link RequiredRoles}), and an address that sent too many wrong tokens
 * is refused unchecked for a while ({@link FailedAttempts}). Each refusal says which it is and what to do.
 */
public final class AdminAccess implements AdminGate {
  private final AdminTokens tokens;
  private final FailedAttempts failures;

  public AdminAccess(AdminTokens tokens, FailedAttempts failures) {
    this.tokens = tokens;
    this.failures = failures;
  }

  @Override
  public Error refuse(AdminRequest request, InetAddress from) {
    if (failures.lockedOut(from)) {
      return error(ErrorCode.UNAUTHENTICATED, "too many wrong tokens from " + from.getHostAddress()
          + " lately: its requests are refused for " + failures.secondsLeft(from) + " s more; fix the token, then retry");
    }
    if (request.getToken().isEmpty()) {
      return error(ErrorCode.UNAUTHENTICATED, "this member requires a token: give one from its tokens file"
          + " (raftctl --token-file FILE, or RAFTCTL_TOKEN)");
    }
    AdminTokens.Holder holder = tokens.holder(request.getToken());
    if (holder == null) {
      failures.failed(from);
      return error(ErrorCode.UNAUTHENTICATED, "the token is not valid on this member: use one from its tokens file");
    }
    Role needed = RequiredRoles.of(request.getBodyCase());
    if (!holder.role().allows(needed)) {
      return error(ErrorCode.PERMISSION_DENIED, RequiredRoles.operation(request.getBodyCase()) + " needs the "
          + needed.label() + " role; the token of " + holder.name() + " has role " + holder.role().label()
          + ": use a token with role " + needed.label());
    }
    return null;
  }

  private static Error error(ErrorCode code, String message) {
    return Error.newBuilder().setCode(code).setMessage(message).build();
  }
}
