package io.raftd.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.AdminRequest;
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

/** Wrong tokens are rate-limited per remote address: past the most, even a right one is refused until the lockout ends. */
class AdminAccessTest {
  private static final String TOKEN = "0123456789abcdef0123";

  @TempDir
  Path dir;

  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private static AdminRequest status(String token) {
    return AdminRequest.newBuilder().setStatus(StatusRequest.getDefaultInstance()).setToken(token).build();
  }

  @Test
  void anAddressThatSendsTooManyWrongTokensIsLockedOutForTheLockout() throws Exception {
    Path f = Files.writeString(dir.resolve("tokens.toml"), "[alice]\ntoken = \"" + TOKEN + "\"\nrole = \"read\"\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    AdminAccess access = new AdminAccess(AdminTokens.load(f), new FailedAttempts(3, Duration.ofSeconds(60), now::get));
    InetAddress guesser = InetAddress.getByName("192.0.2.7");
    InetAddress other = InetAddress.getByName("192.0.2.8");

    for (int i = 0; i < 3; i++) {
      assertEquals("the token is not valid on this member: use one from its tokens file",
          access.refuse(status("guess-number-" + i + "-0123456789"), guesser).getMessage());
    }
    assertEquals(ErrorCode.UNAUTHENTICATED, access.refuse(status(TOKEN), guesser).getCode());
    assertEquals("too many wrong tokens from 192.0.2.7 lately: its requests are refused for 60 s more; fix the token,"
        + " then retry", access.refuse(status(TOKEN), guesser).getMessage());
    assertNull(access.refuse(status(TOKEN), other), "another address is not held up");
    assertTrue(access.refuse(status(""), other) != null, "no token is refused, but guesses nothing");

    now.addAndGet(Duration.ofSeconds(59).toNanos());
    assertEquals("too many wrong tokens from 192.0.2.7 lately: its requests are refused for 1 s more; fix the token,"
        + " then retry", access.refuse(status(TOKEN), guesser).getMessage());
    now.addAndGet(Duration.ofSeconds(1).toNanos());
    assertNull(access.refuse(status(TOKEN), guesser), "the lockout is over");
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
