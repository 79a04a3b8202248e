package io.raftd.auth;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The admin port's tokens file: what it must be, and the one line that says what is wrong when it is not. */
class AdminTokensTest {
  private static final String TOKEN = "0123456789abcdef0123";

  @TempDir
  Path dir;

  private Path file(String text, String mode) throws IOException {
    Path f = Files.writeString(dir.resolve("admin-tokens.toml"), text);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString(mode));
    return f;
  }

  private String refusal(Path f) {
    String message = assertThrows(IOException.class, () -> AdminTokens.load(f)).getMessage();
    assertEquals(1, message.lines().count(), message);
    return message;
  }

  @Test
  void holdersByTokenWithTheirRoles() throws IOException {
    AdminTokens tokens = AdminTokens.load(file("""
        [alice]
        token = "%s"
        role = "admin"

        [ci]
        token = "%s-ci"
        role = "write"
        """.formatted(TOKEN, TOKEN), "rw-------"));
    assertEquals(new AdminTokens.Holder("alice", Role.ADMIN), tokens.holder(TOKEN));
    assertEquals(new AdminTokens.Holder("ci", Role.WRITE), tokens.holder(TOKEN + "-ci"));
    assertNull(tokens.holder(TOKEN + "x"));
    assertNull(tokens.holder(""));
    assertEquals(TOKEN, tokens.ownToken(), "the first holder's by name");
  }

  @Test
  void aFileOthersCanReadIsRefusedWithTheFix() throws IOException {
    Path f = file("[alice]\ntoken = \"" + TOKEN + "\"\nrole = \"read\"\n", "rw-r-----");
    assertEquals(f + " is mode rw-r-----, open to others than its owner: it holds the admin port's tokens; chmod 600 "
        + f, refusal(f));
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("r--------"));
    assertEquals(Role.READ, AdminTokens.load(f).holder(TOKEN).role(), "0400 is stricter: fine");
  }

  @Test
  void aShortTokenIsRefusedWithoutShowingIt() throws IOException {
    Path f = file("[alice]\ntoken = \"short-secret\"\nrole = \"read\"\n", "rw-------");
    String message = refusal(f);
    assertEquals(f + ": alice.token is too short (12 characters, not shown): expected at least 16, such as the output"
        + " of openssl rand -hex 32", message);
    assertFalse(message.contains("short-secret"));
  }

  @Test
  void anUnknownRoleIsRefused() throws IOException {
    Path f = file("[alice]\ntoken = \"" + TOKEN + "\"\nrole = \"root\"\n", "rw-------");
    assertEquals(f + ": alice.role is not a role: expected role = \"read\", \"write\" or \"admin\"", refusal(f));
  }

  @Test
  void otherMistakesEachGetTheirLine() throws IOException {
    Path f = file("[alice]\ntoken = \"" + TOKEN + "\"\nrole = \"read\"\n[bob]\ntoken = \"" + TOKEN + "\"\nrole = \"admin\"\n",
        "rw-------");
    assertEquals(f + ": alice and bob have the same token: give each holder its own (openssl rand -hex 32)", refusal(f));
    file("[alice]\ntoken = \"" + TOKEN + "\"\nrole = \"read\"\nexpires = 3\n", "rw-------");
    assertEquals(f + ": alice.expires is not a known key: expected token, role and certificate", refusal(f));
    file("", "rw-------");
    assertEquals(f + " holds no tokens: the admin port would refuse everyone; add one: [NAME] then token = \"...\" and"
        + " role = \"read\", \"write\" or \"admin\"", refusal(f));
    file("[alice]\ntoken = \"" + TOKEN + "\" trailing\n", "rw-------");
    String bad = refusal(f);
    assertFalse(bad.contains(TOKEN), "toml4j's message quotes the line, and with it the token: " + bad);
    Path missing = dir.resolve("nope.toml");
    assertEquals(missing + " does not exist: expected admin_auth.tokens_file, the admin port's tokens ([NAME] then"
        + " token = \"...\" and role = \"read\", \"write\" or \"admin\")", refusal(missing));
  }
}
