package io.raftd.ctl;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Which admin addresses raftctl talks to: {@code --endpoints}, else {@code RAFTCTL_ENDPOINTS}, else the
 * {@code endpoints} list in the user's config file ({@link UserConfig}), else the local default {@code 127.0.0.1:7200}.
 */
final class Endpoints {
  static final String DEFAULT = "127.0.0.1:7200";

  private Endpoints() {}

  static List<String> resolve(String option, Map<String, String> env) throws CtlException {
    if (option != null) {
      return parse(option, "--endpoints");
    }
    String fromEnv = env.get("RAFTCTL_ENDPOINTS");
    if (fromEnv != null && !fromEnv.isBlank()) {
      return parse(fromEnv, "RAFTCTL_ENDPOINTS");
    }
    List<String> fromConfig = UserConfig.read(env).endpoints();
    return fromConfig != null ? fromConfig : List.of(DEFAULT);
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

  static String check(String endpoint, String source) throws CtlException {
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
