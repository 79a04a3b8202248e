package io.raftd.ctl;

import io.raftd.client.AdminCredentials;
import io.raftd.client.ClientTls;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;

/**
 * What raftctl presents to members' admin ports. The token, for members with authentication ({@code
 * [admin_auth]}): {@code --token}, else {@code --token-file}, else {@code RAFTCTL_TOKEN}, else {@code token}
 * or {@code token_file} in the user's config file ({@link UserConfig}), else none. A file holds the token on
 * its first line (surrounding whitespace ignored), so {@code openssl rand -hex 32 > FILE} makes one. No
 * message here shows a token. TLS, for members with {@code [admin_tls]}: {@code --cacert} (with {@code
 * --cert} and {@code --key} for a client certificate), else {@code cacert}, {@code cert} and {@code key} in
 * the config file, else plaintext.
 */
final class Credentials {
  private Credentials() {}

  /** The TLS files the command line gives; each null when not given. */
  record TlsFiles(Path cacert, Path cert, Path key) {}

  static AdminCredentials resolve(String token, Path tokenFile, TlsFiles tls, Map<String, String> env)
      throws CtlException {
    return new AdminCredentials(token(token, tokenFile, env), tls(tls, env));
  }

  /** @return null for plaintext */
  static ClientTls tls(TlsFiles given, Map<String, String> env) throws CtlException {
    String source = "--cacert, --cert and --key";
    TlsFiles files = given;
    if (given.cacert() == null && given.cert() == null && given.key() == null) {
      UserConfig config = UserConfig.read(env);
      files = new TlsFiles(config.cacert(), config.cert(), config.key());
      source = config.file() + ": cacert, cert and key";
    }
    if (files.cacert() == null) {
      if (files.cert() != null || files.key() != null) {
        throw new CtlException(ExitCode.USAGE, source + ": a client certificate needs the CA to check the members"
            + " against: give --cacert FILE too");
      }
      return null;
    }
    try {
      return ClientTls.load(files.cacert(), files.cert(), files.key());
    } catch (IOException e) {
      throw new CtlException(ExitCode.USAGE, source + ": " + e.getMessage());
    }
  }

  /** @return the token, or "" for none */
  static String token(String option, Path optionFile, Map<String, String> env) throws CtlException {
    if (option != null && optionFile != null) {
      throw new CtlException(ExitCode.USAGE, "--token and --token-file are both given: keep one");
    }
    if (option != null) {
      return nonEmpty(option.strip(), "--token");
    }
    if (optionFile != null) {
      return fromFile(optionFile, "--token-file");
    }
    String fromEnv = env.get("RAFTCTL_TOKEN");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return fromEnv.strip();
    }
    UserConfig config = UserConfig.read(env);
    if (config.token() != null) {
      return config.token();
    }
    if (config.tokenFile() != null) {
      return fromFile(config.tokenFile(), config.file() + ": token_file");
    }
    return "";
  }

  private static String fromFile(Path file, String source) throws CtlException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (NoSuchFileException e) {
      throw new CtlException(ExitCode.USAGE, source + ": " + file
          + " does not exist: expected a file holding the token");
    } catch (IOException e) {
      throw new CtlException(ExitCode.USAGE, source + ": " + file + " cannot be read: " + Reasons.plain(e));
    }
    return nonEmpty(text.lines().findFirst().orElse("").strip(), source + ": " + file + "'s first line");
  }

  private static String nonEmpty(String token, String source) throws CtlException {
    if (token.isEmpty()) {
      throw new CtlException(ExitCode.USAGE, source + " is empty: expected a token from the members' tokens file");
    }
    return token;
  }
}
