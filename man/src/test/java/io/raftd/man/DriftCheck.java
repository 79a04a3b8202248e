package io.raftd.man;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;

/**
 * What a command tree or raftd.toml has that its man pages do not say: each finding one line, none when the pages
 * are complete. The pages are read as {@link ManPage} terms, so a name in passing prose does not count: an option
 * must be a term of OPTIONS, a command a term of its parent's COMMANDS and the title of its own page, an exit code
 * a term of EXIT STATUS, a raftd.toml key a term (or, for a table, a subsection title) of raftd.toml(5).
 */
final class DriftCheck {
  private DriftCheck() {}

  /**
   * What {@code spec} and its commands (hidden ones aside, as in --help) have that is missing from {@code pages}:
   * each command's page is NAME.SECTION, NAME its qualified name with dashes (raftctl-member-add.1).
   */
  static List<String> commands(CommandSpec spec, int section, Map<String, ManPage> pages) {
    List<String> missing = new ArrayList<>();
    check(spec, section, pages, missing);
    return missing;
  }

  private static void check(CommandSpec spec, int section, Map<String, ManPage> pages, List<String> missing) {
    String command = spec.qualifiedName(" ");
    String file = spec.qualifiedName("-") + "." + section;
    ManPage page = pages.get(file);
    if (page == null) {
      missing.add(command + ": no page " + file);
    } else {
      for (OptionSpec option : spec.options()) {
        for (String name : option.hidden() ? new String[0] : option.names()) {
          if (!hasToken(page.terms("OPTIONS"), name)) {
            missing.add(command + ": option " + name + " is not in OPTIONS of " + file);
          }
        }
      }
      for (PositionalParamSpec positional : spec.positionalParameters()) {
        if (!positional.hidden() && !hasToken(page.terms("ARGUMENTS"), positional.paramLabel())) {
          missing.add(command + ": argument " + positional.paramLabel() + " is not in ARGUMENTS of " + file);
        }
      }
      for (String code : spec.usageMessage().exitCodeList().keySet()) {
        if (!hasToken(page.terms("EXIT STATUS"), code.strip())) {
          missing.add(command + ": exit code " + code.strip() + " is not in EXIT STATUS of " + file);
        }
      }
    }
    for (CommandLine sub : spec.subcommands().values()) {
      CommandSpec subSpec = sub.getCommandSpec();
      if (subSpec.usageMessage().hidden()) {
        continue;
      }
      if (page != null && !hasToken(page.terms("COMMANDS"), subSpec.name())) {
        missing.add(command + ": command " + subSpec.name() + " is not in COMMANDS of " + file);
      }
      check(subSpec, section, pages, missing);
    }
  }

  /**
   * The keys of {@code keysByTable} (table "" the top level) that {@code page} has no term for: a key is written
   * qualified (raft.heartbeat_ms), as the first word of its term; an entry of an array of tables with "[]"
   * (cluster.members[].name); a table may be a subsection titled [raft] instead.
   */
  static List<String> configKeys(Map<String, List<String>> keysByTable, ManPage page) {
    List<String> firstWords = page.allTerms().stream()
        .map(t -> t.split("[\\s=]+", 2)[0].replace("[]", ""))
        .map(w -> w.startsWith("[") && w.endsWith("]") ? w.substring(1, w.length() - 1) : w)
        .toList();
    List<String> missing = new ArrayList<>();
    keysByTable.forEach((table, keys) -> {
      for (String key : keys) {
        String qualified = table.isEmpty() ? key : table + "." + key;
        if (!firstWords.contains(qualified)) {
          missing.add("raftd.toml: key " + qualified + " is not a term of " + page.file);
        }
      }
    });
    return missing;
  }

  /**
   * The keys whose default {@code page} states otherwise than {@code example} does, or not at all. The example is
   * raftd's commented raftd.toml, which shows every key with its default (ConfigLoaderTest keeps it so). A key's
   * definition must say "default VALUE", VALUE as TOML writes it; keys the example gives only as samples (those the
   * page calls required, or without a default) and keys it leaves commented out are not compared.
   */
  static List<String> configDefaults(Map<String, List<String>> keysByTable, Map<String, Object> example,
      ManPage page) {
    List<String> wrong = new ArrayList<>();
    keysByTable.forEach((table, keys) -> {
      Object values = table.isEmpty() ? example : example.get(table);
      if (!(values instanceof Map<?, ?> map)) {
        return;  // commented out, or an array of tables (cluster.members): samples
      }
      for (String key : keys) {
        String qualified = table.isEmpty() ? key : table + "." + key;
        Object value = map.get(key);
        String definition = page.definition(qualified);
        if (value == null || keysByTable.containsKey(qualified) || definition == null
            || definition.matches(".*(required|no default|default none).*")) {
          continue;
        }
        String expected = "default " + toml(value);
        // Not followed by a digit: "default 1000" does not say "default 100".
        if (!Pattern.compile(Pattern.quote(expected) + "(?![0-9])").matcher(definition).find()) {
          wrong.add("raftd.toml: " + qualified + " does not say " + expected + " in " + page.file + ": " + definition);
        }
      }
    });
    return wrong;
  }

  /** A value as TOML writes it: "text", 100, [1000, 2000], {}. */
  private static String toml(Object value) {
    if (value instanceof String s) {
      return "\"" + s + "\"";
    }
    if (value instanceof List<?> list) {
      return "[" + String.join(", ", list.stream().map(DriftCheck::toml).toList()) + "]";
    }
    if (value instanceof Map<?, ?> map) {
      return map.isEmpty() ? "{}" : "{ " + String.join(", ", map.entrySet().stream()
          .map(e -> e.getKey() + " = " + toml(e.getValue())).toList()) + " }";
    }
    return String.valueOf(value);
  }

  /**
   * Whether one of {@code terms}, split into words, is {@code word}: "-o, --output=table|json" has -o, --output and
   * table|json; "[DATA]" (an optional argument) has DATA.
   */
  private static boolean hasToken(List<String> terms, String word) {
    return terms.stream().flatMap(t -> Arrays.stream(t.split("[\\s,=\\[\\]]+"))).anyMatch(word::equals);
  }
}
