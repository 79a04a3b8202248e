package io.raftd.config;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

/**
 * One table of the parsed file (the top level, {@code [raft]}, one member's entry...) with checked, typed
 * reads. toml4j hands back untyped maps and accepts any key, so every read here checks the value's type and
 * every table checks its keys: a misspelt setting must be an error, never silently ignored.
 */
final class TomlTable {
  private static final long KIB = 1024;

  private final ConfigSource source;
  private final String path;
  private final Map<?, ?> values;

  /** @param values a table as toml4j gives it: string keys, values Long, Double, Boolean, String, Date, List or Map */
  TomlTable(ConfigSource source, String path, Map<?, ?> values) {
    this.source = source;
    this.path = path;
    this.values = values;
  }

  /** The key's dotted path from the top of the file, as messages name it. */
  private String pathOf(String key) {
    return path.isEmpty() ? key : path + "." + key;
  }

  /** Fails on the first key (alphabetically) that is not one of these. */
  void rejectUnknownKeys(List<String> known) throws ConfigException {
    for (String key : new TreeSet<>(values.keySet().stream().map(String::valueOf).toList())) {
      if (!known.contains(key)) {
        String table = path.isEmpty() ? "at the top level" : path.endsWith("]") ? "in " + path : "in [" + path + "]";
        throw source.error(pathOf(key),
            "is not a known key: expected one of " + String.join(", ", known) + " " + table);
      }
    }
  }

  /** The keys the file sets here, sorted. */
  List<String> keys() {
    return new TreeSet<>(values.keySet().stream().map(String::valueOf).toList()).stream().toList();
  }

  /** Whether the file sets this key (to anything). */
  boolean has(String key) {
    return values.containsKey(key);
  }

  /** The sub-table, empty if the file leaves it out. */
  TomlTable table(String key) throws ConfigException {
    Object value = values.get(key);
    if (value == null) {
      return new TomlTable(source, pathOf(key), Map.of());
    }
    if (!(value instanceof Map<?, ?> map)) {
      throw wrongType(key, "a table [" + pathOf(key) + "]");
    }
    return new TomlTable(source, pathOf(key), map);
  }

  /** An array of tables, each named by its index ({@code cluster.members[2]}). */
  Optional<List<TomlTable>> tables(String key, String expected) throws ConfigException {
    Object value = values.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof List<?> list)) {
      throw wrongType(key, expected);
    }
    List<TomlTable> tables = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      String element = pathOf(key) + "[" + i + "]";
      if (!(list.get(i) instanceof Map<?, ?> map)) {
        throw source.error(element, list.get(i), "has the wrong type: expected a table in " + expected);
      }
      tables.add(new TomlTable(source, element, map));
    }
    return Optional.of(tables);
  }

  Optional<String> string(String key) throws ConfigException {
    Object value = values.get(key);
    if (value != null && !(value instanceof String)) {
      throw wrongType(key, "a string");
    }
    return Optional.ofNullable((String) value);
  }

  /** An array of strings, each named by its index in errors ({@code cluster.previous_tokens[1]}). */
  Optional<List<String>> strings(String key) throws ConfigException {
    Object value = values.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof List<?> list)) {
      throw wrongType(key, "an array of strings");
    }
    List<String> strings = new ArrayList<>();
    for (int i = 0; i < list.size(); i++) {
      if (!(list.get(i) instanceof String s)) {
        throw source.error(pathOf(key) + "[" + i + "]", list.get(i), "has the wrong type: expected a string");
      }
      strings.add(s);
    }
    return Optional.of(strings);
  }

  boolean bool(String key, boolean defaultValue) throws ConfigException {
    Object value = values.get(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof Boolean b)) {
      throw wrongType(key, "true or false");
    }
    return b;
  }

  /** One of the given words. */
  String choice(String key, String defaultValue, List<String> choices) throws ConfigException {
    String value = string(key).orElse(defaultValue);
    if (!choices.contains(value)) {
      throw invalid(key, "is not valid: expected one of \"" + String.join("\", \"", choices) + "\"");
    }
    return value;
  }

  Optional<HostPort> address(String key) throws ConfigException {
    Optional<String> text = string(key);
    try {
      return text.map(HostPort::parse);
    } catch (IllegalArgumentException e) {
      throw invalid(key, "is not a valid address (" + e.getMessage()
          + "): expected host:port, the host a name, an IPv4 address or [an IPv6 address], the port 1..65535");
    }
  }

  long integer(String key, long defaultValue, long min, long max) throws ConfigException {
    return integer(key, defaultValue, min, max, min + ".." + max);
  }

  /** An integer at least min, with no upper limit of its own. */
  long atLeast(String key, long defaultValue, long min) throws ConfigException {
    return integer(key, defaultValue, min, Long.MAX_VALUE, "at least " + min);
  }

  /** An integer number of bytes; the range is also shown in KiB, MiB or GiB. */
  long bytes(String key, long defaultValue, long min, long max) throws ConfigException {
    return integer(key, defaultValue, min, max, min + ".." + max + " (" + human(min) + " .. " + human(max) + ")");
  }

  private long integer(String key, long defaultValue, long min, long max, String range) throws ConfigException {
    Object value = values.get(key);
    if (value == null) {
      return defaultValue;
    }
    if (!(value instanceof Long n)) {
      throw wrongType(key, "an integer " + range);
    }
    if (n < min || n > max) {
      throw invalid(key, "is out of range: expected " + range);
    }
    return n;
  }

  /** A two-integer array, such as {@code [min, max]}. */
  Optional<long[]> integerPair(String key, String expected) throws ConfigException {
    Object value = values.get(key);
    if (value == null) {
      return Optional.empty();
    }
    if (!(value instanceof List<?> list) || !list.stream().allMatch(e -> e instanceof Long)) {
      throw wrongType(key, expected);
    }
    if (list.size() != 2) {
      throw invalid(key, "has the wrong length: expected " + expected);
    }
    return Optional.of(new long[] {(Long) list.get(0), (Long) list.get(1)});
  }

  /** {@code <key> is required: expected <expected>}. */
  ConfigException missing(String key, String expected) {
    return error(key, "is required: expected " + expected);
  }

  /** {@code <key> <problem>}, for a value that must not be echoed, or is absent. */
  ConfigException error(String key, String problem) {
    return source.error(pathOf(key), problem);
  }

  /** {@code <key> = <its value> <problem>}. */
  ConfigException invalid(String key, String problem) {
    return source.error(pathOf(key), values.get(key), problem);
  }

  private ConfigException wrongType(String key, String expected) {
    return invalid(key, "has the wrong type: expected " + expected);
  }

  private static String human(long bytes) {
    String[] units = {"bytes", "KiB", "MiB", "GiB"};
    int unit = 0;
    while (unit < units.length - 1 && bytes % KIB == 0 && bytes >= KIB) {
      bytes /= KIB;
      unit++;
    }
    return bytes + " " + units[unit];
  }
}
