package io.raftd.ctl;

import com.moandjiezana.toml.Toml;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The user's raftctl config file ({@code $XDG_CONFIG_HOME/raftctl/config.toml}, by default
 * {@code ~/.config/raftctl/config.toml}): the defaults for what the command line and the environment do not
 * give. Each value is null when the file (or the key) is absent.
 *
 * @param endpoints {@code endpoints = ["host:port", ...]}
 * @param token {@code token = "..."}: the admin port's credential
 * @param tokenFile {@code token_file = "/path"}: a file holding it (so the config file need hold no secret)
 * @param cacert {@code cacert = "/path"}: TLS to the members, checked against this CA bundle
 * @param cert {@code cert = "/path"}: a client certificate, for members that require one
 * @param key {@code key = "/path"}: its private key
 */
record UserConfig(Path file, List<String> endpoints, String token, Path tokenFile, Path cacert, Path cert, Path key) {
  private static final Set<String> KEYS = Set.of("endpoints", "token", "token_file", "cacert", "cert", "key");
  private static final String FORM = "endpoints = [\"host:port\", ...], token = \"...\" or token_file = \"/path\","
      + " cacert, cert and key = \"/path\"";

  static UserConfig read(Map<String, String> env) throws CtlException {
    Path file = path(env);
    if (file == null || !Files.isRegularFile(file)) {
      return new UserConfig(file, null, null, null, null, null, null);
    }
    Map<String, Object> values;
    try {
      values = new Toml().read(file.toFile()).toMap();
    } catch (RuntimeException e) {
      throw new CtlException(ExitCode.USAGE, file + ": not valid TOML: " + e.getMessage());
    }
    for (String key : values.keySet()) {
      if (!KEYS.contains(key)) {
        throw new CtlException(ExitCode.USAGE, file + ": unknown key " + key + " (expected: " + FORM + ")");
      }
    }
    if (values.containsKey("token") && values.containsKey("token_file")) {
      throw new CtlException(ExitCode.USAGE, file + ": token and token_file are both given: keep one");
    }
    return new UserConfig(file, endpoints(file, values.get("endpoints")), string(file, values, "token"),
        path(file, values, "token_file"), path(file, values, "cacert"), path(file, values, "cert"),
        path(file, values, "key"));
  }

  private static Path path(Path file, Map<String, Object> values, String key) throws CtlException {
    String value = string(file, values, key);
    return value == null ? null : Path.of(value);
  }

  static Path path(Map<String, String> env) {
    String xdg = env.get("XDG_CONFIG_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "raftctl", "config.toml");
    }
    String home = env.get("HOME");
    return home == null || home.isBlank() ? null : Path.of(home, ".config", "raftctl", "config.toml");
  }

  private static List<String> endpoints(Path file, Object value) throws CtlException {
    if (value == null) {
      return null;
    }
    if (!(value instanceof List<?> list) || list.isEmpty() || !list.stream().allMatch(String.class::isInstance)) {
      throw new CtlException(ExitCode.USAGE, file + ": endpoints must be a non-empty list of \"host:port\" strings");
    }
    List<String> out = new ArrayList<>();
    for (Object o : list) {
      out.add(Endpoints.check((String) o, file.toString()));
    }
    return out;
  }

  private static String string(Path file, Map<String, Object> values, String key) throws CtlException {
    Object value = values.get(key);
    if (value == null) {
      return null;
    }
    if (!(value instanceof String s) || s.isEmpty()) {
      // Never echo the value: it may be a token.
      throw new CtlException(ExitCode.USAGE, file + ": " + key + " must be a non-empty string");
    }
    return s;
  }
}
