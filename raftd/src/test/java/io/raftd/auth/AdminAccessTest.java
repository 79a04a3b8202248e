package io.raftd.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.AdminRequest;
import io.raftd.proto.Error;
import io.raftd.proto.TransferLeaderRequest;
import io.raftd.transport.AdminGate;
import java.net.InetSocketAddress;
import java.util.List;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.StatusRequest;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Wrong tokens are rate-limited per remote address: past the most, even a right one is refused until the
 * lockout ends. A verified client certificate authenticates as the holder it names; each decision names who
 * asked, for the audit stream.
 */
class AdminAccessTest {
  private static final String TOKEN = "0123456789abcdef0123";

  @TempDir
  Path dir;

  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private static AdminRequest status(String token) {
    return AdminRequest.newBuilder().setStatus(StatusRequest.getDefaultInstance()).setToken(token).build();
  }

  private static Error refusal(AdminAccess access, AdminRequest request, InetAddress from) {
    return access.admit(request, new AdminGate.Caller(new InetSocketAddress(from, 40000), List.of())).refusal();
  }

  private AdminTokens tokens(String text) throws Exception {
    Path f = Files.writeString(dir.resolve("tokens.toml"), text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    return AdminTokens.load(f);
  }

  @Test
  void anAddressThatSendsTooManyWrongTokensIsLockedOutForTheLockout() throws Exception {
    AdminTokens alice = tokens("[alice]\ntoken = \"" + TOKEN + "\"\nrole = \"read\"\n");
    AdminAccess access = new AdminAccess(() -> alice, new FailedAttempts(3, Duration.ofSeconds(60), now::get));
    InetAddress guesser = InetAddress.getByName("192.0.2.7");
    InetAddress other = InetAddress.getByName("192.0.2.8");

    for (int i = 0; i < 3; i++) {
      assertEquals("the token is not valid on this member: use one from its tokens file",
          refusal(access, status("guess-number-" + i + "-0123456789"), guesser).getMessage());
    }
    assertEquals(ErrorCode.UNAUTHENTICATED, refusal(access, status(TOKEN), guesser).getCode());
    assertEquals("too many wrong tokens from 192.0.2.7 lately: its requests are refused for 60 s more; fix the token,"
        + " then retry", refusal(access, status(TOKEN), guesser).getMessage());
    assertNull(refusal(access, status(TOKEN), other), "another address is not held up");
    assertTrue(refusal(access, status(""), other) != null, "no token is refused, but guesses nothing");

    now.addAndGet(Duration.ofSeconds(59).toNanos());
    assertEquals("too many wrong tokens from 192.0.2.7 lately: its requests are refused for 1 s more; fix the token,"
        + " then retry", refusal(access, status(TOKEN), guesser).getMessage());
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertNull(refusal(access, status(TOKEN), guesser), "the lockout is over");
  }

  @Test
  void aClientCertificateNamingACertificateHolderActsAsThatHolderAndATokenComesFirst() throws Exception {
    AdminTokens holders = tokens("[\"ops.example.com\"]\ncertificate = true\nrole = \"admin\"\n\n"
        + "[reader]\ntoken = \"" + TOKEN + "\"\nrole = \"read\"\n");
    AdminAccess access = new AdminAccess(() -> holders, new FailedAttempts(3, Duration.ofSeconds(60), now::get));
    InetSocketAddress from = new InetSocketAddress(InetAddress.getByName("192.0.2.10"), 40000);
    AdminRequest transfer = AdminRequest.newBuilder().setTransferLeader(TransferLeaderRequest.getDefaultInstance()).build();

    AdminGate.Admission ops = access.admit(transfer, new AdminGate.Caller(from, List.of("ops.example.com")));
    assertNull(ops.refusal(), "the certificate holder has the admin role");
    assertEquals("ops.example.com", ops.identity());

    AdminGate.Admission withToken = access.admit(transfer.toBuilder().setToken(TOKEN).build(),
        new AdminGate.Caller(from, List.of("ops.example.com")));
    assertEquals(ErrorCode.PERMISSION_DENIED, withToken.refusal().getCode(), "the token's holder is who asks");
    assertEquals("reader", withToken.identity());

    AdminGate.Admission stranger = access.admit(transfer, new AdminGate.Caller(from, List.of("intruder.example.com")));
    assertEquals(ErrorCode.UNAUTHENTICATED, stranger.refusal().getCode());
    assertEquals("intruder.example.com", stranger.identity());
    assertEquals("the client certificate names [intruder.example.com], no holder of the tokens file with certificate"
        + " = true: give a token (raftctl --token-file FILE), or add the holder", stranger.refusal().getMessage());

    AdminGate.Admission anonymous = access.admit(transfer, new AdminGate.Caller(from, List.of()));
    assertEquals("anonymous", anonymous.identity());
    AdminGate.Admission guess = access.admit(transfer.toBuilder().setToken("not-a-token-of-anyone").build(),
        new AdminGate.Caller(from, List.of()));
    assertEquals(AdminAccess.UNKNOWN_TOKEN, guess.identity());
  }

  @Test
  void failuresSpreadOverMoreThanAPeriodDoNotLock() throws Exception {
    FailedAttempts failures = new FailedAttempts(3, Duration.ofSeconds(60), now::get);
    InetAddress from = InetAddress.getByName("192.0.2.9");
    for (int i = 0; i < 10; i++) {
      failures.failed(from);
      now.addAndGet(Duration.ofSeconds(31).toNanos());
      assertTrue(!failures.lockedOut(from), "two wrong tokens a minute, at most");
    }
  }
}
