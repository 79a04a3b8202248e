package io.raftd.auth;

import com.moandjiezana.toml.Toml;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The admin port's tokens file ({@code admin_auth.tokens_file}): one table per holder, named for who holds
 * it, with its token and role:
 *
 * <pre>
 * [alice]
 * token = "9b1f..."   # openssl rand -hex 32
 * role = "admin"      # read, write or admin
 *
 * ["ops.example.com"]    (quoted: a name with dots)
 * certificate = true  # a client certificate naming ops.example.com authenticates as this holder
 * role = "admin"      #   (admin_tls.client_ca_file; a token too is optional)
 * </pre>
 *
 * <p>The file must be 0600 or stricter and owned by the user raftd runs as: whoever can read it can act as
 * every holder. Only SHA-256 hashes of the tokens are kept, and a presented token is compared with every
 * one of them in constant time, so neither how long an answer takes nor a heap dump gives a token away. No
 * message here ever contains a token (nor toml4j's, which quote the line). Immutable and thread-safe.
 */
public final class AdminTokens {
  /** Shorter tokens can be guessed, even at the rate {@link FailedAttempts} allows. */
  public static final int MIN_TOKEN_LENGTH = 16;
  private static final int MAX_TOKEN_LENGTH = 256;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern TOML4J_LINE = Pattern.compile("line (\\d+)");
  private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ,
      PosixFilePermission.OWNER_WRITE);
  private static final String FORM = "[NAME] then token = \"...\" and role = \"read\", \"write\" or \"admin\"";

  /** Who holds a token: the name messages (and the audit stream) call them by, and what they may do. */
  public record Holder(String name, Role role) {}

  private record Entry(byte[] hash, Holder holder) {}

  private final List<Entry> entries;
  /** The holders who may authenticate with a client certificate, by the name the certificate must hold. */
  private final Map<String, Holder> certificateHolders;
  /** The token the member presents when it asks a seed's admin port as it joins (see {@code Joiner}). */
  private final String ownToken;

  private AdminTokens(List<Entry> entries, Map<String, Holder> certificateHolders, String ownToken) {
    this.entries = List.copyOf(entries);
    this.certificateHolders = Map.copyOf(certificateHolders);
    this.ownToken = ownToken;
  }

  /**
   * Reads and checks the file: its owner and mode, then every holder.
   *
   * @throws IOException whose message is one line naming the file, what is wrong and the fix
   */
  public static AdminTokens load(Path file) throws IOException {
    checkOwnerAndMode(file);
    Map<String, Object> holders = parse(file);
    if (holders.isEmpty()) {
      throw new IOException(file + " holds no tokens: the admin port would refuse everyone; add one: " + FORM);
    }
    List<Entry> entries = new ArrayList<>();
    Map<String, Holder> certificateHolders = new TreeMap<>();
    Map<String, String> nameByToken = new TreeMap<>();
    String ownToken = null;
    for (Map.Entry<String, Object> h : new TreeMap<>(holders).entrySet()) {
      // toml4j keeps the quotes of a quoted table name, which a name with dots needs: ["ops.example.com"].
      String name = h.getKey().length() > 1 && h.getKey().startsWith("\"") && h.getKey().endsWith("\"")
          ? h.getKey().substring(1, h.getKey().length() - 1) : h.getKey();
      if (!NAME.matcher(name).matches()) {
        throw new IOException(file + ": [" + name + "] is not a holder's name: expected letters, digits, '.', '_'"
            + " or '-', at most 64, such as [alice] or [backup-job]");
      }
      if (!(h.getValue() instanceof Map<?, ?> table)) {
        throw new IOException(file + ": " + name + " is not a table: expected " + FORM);
      }
      for (Object key : table.keySet()) {
        if (!key.equals("token") && !key.equals("role") && !key.equals("certificate")) {
          throw new IOException(file + ": " + name + "." + key + " is not a known key: expected token, role and"
              + " certificate");
        }
      }
      Object byCertificate = table.containsKey("certificate") ? table.get("certificate") : Boolean.FALSE;
      if (!(byCertificate instanceof Boolean)) {
        throw new IOException(file + ": " + name + ".certificate is not true or false: expected certificate = true"
            + " for a holder who may authenticate with a client certificate naming " + name);
      }
      Role role = table.get("role") instanceof String label ? Role.parse(label) : null;
      if (role == null) {
        throw new IOException(file + ": " + name + ".role is " + (table.containsKey("role") ? "not a role" : "missing")
            + ": expected role = \"read\", \"write\" or \"admin\"");
      }
      Holder holder = new Holder(name, role);
      if ((Boolean) byCertificate) {
        certificateHolders.put(name, holder);
        if (!table.containsKey("token")) {
          continue;  // this holder authenticates by certificate only
        }
      }
      String token = token(file, name, table.get("token"));
      String other = nameByToken.putIfAbsent(token, name);
      if (other != null) {
        throw new IOException(file + ": " + other + " and " + name + " have the same token: give each holder its"
            + " own (openssl rand -hex 32)");
      }
      entries.add(new Entry(sha256(token), holder));
      ownToken = ownToken != null ? ownToken : token;
    }
    return new AdminTokens(entries, certificateHolders, ownToken);
  }

  /** Who holds {@code token}, or null if no one does. Every hash is compared, whichever matches. */
  public Holder holder(String token) {
    byte[] hash = sha256(token);
    Holder found = null;
    for (Entry e : entries) {
      if (MessageDigest.isEqual(e.hash, hash)) {
        found = e.holder;
      }
    }
    return found;
  }

  /**
   * The holder a verified client certificate speaks for: one with {@code certificate = true} whose name the
   * certificate holds; null if none.
   */
  public Holder holderOfCertificate(List<String> names) {
    for (String name : names) {
      Holder h = certificateHolders.get(name);
      if (h != null) {
        return h;
      }
    }
    return null;
  }

  /** The names of the holders who may authenticate with a client certificate. */
  public Set<String> certificateHolders() {
    return certificateHolders.keySet();
  }

  /**
   * A token this member may present to another member's admin port: the first holder's that has one, by
   * name (empty if none has). Members of one cluster share the tokens file (raftctl's token must work on
   * every member), and status, all a joining member asks for, needs no more than the read role every token
   * has.
   */
  public String ownToken() {
    return ownToken == null ? "" : ownToken;
  }

  private static void checkOwnerAndMode(Path file) throws IOException {
    Set<PosixFilePermission> mode;
    int owner;
    int self;
    try {
      mode = Files.getPosixFilePermissions(file);
      owner = (Integer) Files.getAttribute(file, "unix:uid");
      self = (Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid");
    } catch (NoSuchFileException e) {
      throw new IOException(file + " does not exist: expected admin_auth.tokens_file, the admin port's tokens ("
          + FORM + ")");
    } catch (UnsupportedOperationException | IllegalArgumentException e) {
      return;  // no unix attributes on this file system: nothing to check
    }
    if (owner != self) {
      throw new IOException(file + " is owned by uid " + owner + ", but raftd runs as uid " + self
          + ": it holds the admin port's tokens; chown " + self + " " + file + " && chmod 600 " + file);
    }
    if (!OWNER_ONLY.containsAll(mode)) {
      throw new IOException(file + " is mode " + PosixFilePermissions.toString(mode) + ", open to others than its"
          + " owner: it holds the admin port's tokens; chmod 600 " + file);
    }
  }

  private static Map<String, Object> parse(Path file) throws IOException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (AccessDeniedException e) {
      throw new IOException(file + " cannot be read: permission denied; chmod 600 " + file);
    } catch (CharacterCodingException e) {
      throw new IOException(file + " cannot be read: expected UTF-8 text (" + FORM + ")");
    }
    try {
      return new Toml().read(text).toMap();
    } catch (IllegalStateException | NumberFormatException e) {
      // toml4j's message quotes the offending line, which may hold a token: only its line number is kept.
      Matcher line = TOML4J_LINE.matcher(String.valueOf(e.getMessage()));
      throw new IOException(file + (line.find() ? ":" + line.group(1) : "") + ": not valid TOML: expected " + FORM);
    }
  }

  private static String token(Path file, String name, Object value) throws IOException {
    if (!(value instanceof String token)) {
      throw new IOException(file + ": " + name + ".token is " + (value == null ? "missing" : "not a string")
          + ": expected token = \"...\", such as the output of openssl rand -hex 32");
    }
    // Say what is wrong with it, never the token itself.
    if (token.length() < MIN_TOKEN_LENGTH) {
      throw new IOException(file + ": " + name + ".token is too short (" + token.length() + " characters, not shown):"
          + " expected at least " + MIN_TOKEN_LENGTH + ", such as the output of openssl rand -hex 32");
    }
    if (token.length() > MAX_TOKEN_LENGTH || !token.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
      throw new IOException(file + ": " + name + ".token is not valid (not shown): expected " + MIN_TOKEN_LENGTH
          + ".." + MAX_TOKEN_LENGTH + " printable ASCII characters without spaces, such as the output of"
          + " openssl rand -hex 32");
    }
    return token;
  }

  private static byte[] sha256(String token) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }
}
