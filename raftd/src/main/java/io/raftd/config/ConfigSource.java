package io.raftd.config;

import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.stream.Collectors;

/**
 * The file being loaded, as error messages name it: every {@link ConfigException} is made here, so that
 * each one has the same shape, {@code <file>[:<line>]: <key> <problem>}, on one line.
 */
final class ConfigSource {
  private final String name;
  private final KeyLocator keys;

  ConfigSource(String name, String text) {
    this.name = name;
    this.keys = KeyLocator.scan(text);
  }

  KeyLocator keys() {
    return keys;
  }

  /** Whether the file itself assigns the key, as opposed to leaving it to its default. */
  boolean assigns(String path) {
    return keys.line(path).isPresent();
  }

  /** An error about the file as a whole (its syntax), at a line if known (0 if not). */
  ConfigException fileError(int line, String problem) {
    return new ConfigException(oneLine(name + (line > 0 ? ":" + line : "") + ": " + problem));
  }

  /** {@code <file>:<line>: <key> <problem>}; the line is the key's, or its table's if the key is absent. */
  ConfigException error(String path, String problem) {
    return fileError(lineOf(path), path + " " + problem);
  }

  /** {@code <file>:<line>: <key> = <value> <problem>}. */
  ConfigException error(String path, Object value, String problem) {
    return error(path, "= " + render(value) + " " + problem);
  }

  private int lineOf(String path) {
    for (String p = path; !p.isEmpty(); p = parent(p)) {
      OptionalInt line = keys.line(p);
      if (line.isPresent()) {
        return line.getAsInt();
      }
    }
    return 0;
  }

  /** {@code cluster.members[1].peer} → {@code cluster.members[1]} → {@code cluster.members} → ... → "". */
  private static String parent(String path) {
    return path.substring(0, Math.max(0, Math.max(path.lastIndexOf('.'), path.lastIndexOf('['))));
  }

  /** A value as it would be written in TOML, so the operator recognises it. */
  static String render(Object value) {
    if (value instanceof Number || value instanceof Boolean) {
      return value.toString();
    }
    if (value instanceof Date date) {
      return date.toInstant().toString();
    }
    if (value instanceof List<?> list) {
      return list.stream().map(ConfigSource::render).collect(Collectors.joining(", ", "[", "]"));
    }
    if (value instanceof Map<?, ?>) {
      return "{...}";
    }
    return quote(value.toString());
  }

  private static String quote(String s) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : s.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20 || c == 0x7f) {
        out.append(String.format("\\u%04X", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }

  /** Messages must stay on one line, whatever toml4j or the file put in them. */
  private static String oneLine(String message) {
    return message.replaceAll("\\s*[\\r\\n]+\\s*", " ");
  }
}
