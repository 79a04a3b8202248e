package io.raftd.ctl;

import com.moandjiezana.toml.Toml;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which admin addresses raftctl talks to: {@code --endpoints}, else {@code RAFTCTL_ENDPOINTS}, else the
 * {@code endpoints} list in the user's config file ({@code $XDG_CONFIG_HOME/raftctl/config.toml}, by default
 * {@code ~/.config/raftctl/config.toml}), else the local default {@code 127.0.0.1:7200}.
 */
final class Endpoints {
  static final String DEFAULT = "127.0.0.1:7200";
  private static final Set<String> CONFIG_KEYS = Set.of("endpoints");

  private Endpoints() {}

  static List<String> resolve(String option, Map<String, String> env) throws CtlException {
    if (option != null) {
      return parse(option, "--endpoints");
    }
    String fromEnv = env.get("RAFTCTL_ENDPOINTS");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return parse(fromEnv, "RAFTCTL_ENDPOINTS");
    }
    Path file = configFile(env);
    if (file != null && Files.isRegularFile(file)) {
      return fromConfig(file);
    }
    return List.of(DEFAULT);
  }

  static Path configFile(Map<String, String> env) {
    String xdg = env.get("XDG_CONFIG_HOME");
    if (xdg != null && !xdg.isBlank()) {
      return Path.of(xdg, "raftctl", "config.toml");
    }
    String home = env.get("HOME");
    return home == null || home.isBlank() ? null : Path.of(home, ".config", "raftctl", "config.toml");
  }

  private static List<String> fromConfig(Path file) throws CtlException {
    Toml toml;
    try {
      toml = new Toml().read(file.toFile());
    } catch (RuntimeException e) {
      throw new CtlException(ExitCode.USAGE, file + ": not valid TOML: " + e.getMessage());
    }
    for (String key : toml.toMap().keySet()) {
      if (!CONFIG_KEYS.contains(key)) {
        throw new CtlException(ExitCode.USAGE, file + ": unknown key " + key + " (expected: endpoints = [\"host:port\", ...])");
      }
    }
    Object value = toml.toMap().get("endpoints");
    if (!(value instanceof List<?> list) || list.isEmpty() || !list.stream().allMatch(String.class::isInstance)) {
      throw new CtlException(ExitCode.USAGE, file + ": endpoints must be a non-empty list of \"host:port\" strings");
    }
    List<String> out = new ArrayList<>();
    for (Object o : list) {
      out.add(check((String) o, file.toString()));
    }
    return out;
  }

  static List<String> parse(String csv, String source) throws CtlException {
    List<String> out = new ArrayList<>();
    for (String part : csv.split(",")) {
      if (!part.isBlank()) {
        out.add(check(part.trim(), source));
      }
    }
    if (out.isEmpty()) {
      throw new CtlException(ExitCode.USAGE, source + " is empty: give host:port[,host:port...]");
    }
    return out;
  }

  private static String check(String endpoint, String source) throws CtlException {
    int colon = endpoint.lastIndexOf(':');
    boolean ok = colon > 0 && colon < endpoint.length() - 1;
    if (ok) {
      try {
        int port = Integer.parseInt(endpoint.substring(colon + 1));
        ok = port > 0 && port < 65536;
      } catch (NumberFormatException e) {
        ok = false;
      }
    }
    if (!ok) {
      throw new CtlException(ExitCode.USAGE, source + ": " + endpoint + " is not host:port (e.g. 127.0.0.1:7200)");
    }
    return endpoint;
  }
}
