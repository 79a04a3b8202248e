package io.raftd.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * An [admin_auth] tokens file for tests: a holder of each role (reader, writer, operator). Public for raftctl's
 * tests, which get it through raftd's test jar.
 */
public final class AdminTokensFile {
  public static final String READ_TOKEN = "read-token-0123456789abcdef";
  public static final String WRITE_TOKEN = "write-token-0123456789abcdef";
  public static final String ADMIN_TOKEN = "admin-token-0123456789abcdef";
  /** Long enough, and in no file. */
  public static final String WRONG_TOKEN = "wrong-token-0123456789abcdef";

  private AdminTokensFile() {}

  /** Writes {@code dir}/admin-tokens.toml, mode 0600, and returns the [admin_auth] table naming it. */
  public static String adminAuth(Path dir, int maxFailures) throws IOException {
    Path tokens = dir.resolve("admin-tokens.toml");
    Files.writeString(tokens, """
        [reader]
        token = "%s"
        role = "read"

        [writer]
        token = "%s"
        role = "write"

        [operator]
        token = "%s"
        role = "admin"
        """.formatted(READ_TOKEN, WRITE_TOKEN, ADMIN_TOKEN));
    Files.setPosixFilePermissions(tokens, PosixFilePermissions.fromString("rw-------"));
    return "[admin_auth]\ntokens_file = \"" + tokens + "\"\nmax_failures = " + maxFailures + "\n";
  }
}
