package io.raftd.ctl;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Help;
import picocli.CommandLine.IHelpSectionRenderer;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * How raftctl's --help looks. A subcommand's help lists only its own options and points to {@code raftctl
 * --help} for the global ones, which every subcommand accepts (they are inherited) but which would otherwise
 * fill every page. Lines are wrapped at 80 columns only at blanks: picocli wraps where
 * {@link java.text.BreakIterator} allows, which is inside "--endpoints=HOST:PORT" and "~/.config".
 */
final class HelpLayout {
  static final int WIDTH = 80;
  static final String GLOBAL_OPTIONS_FOOTER =
      "%nGlobal options (--endpoints, -o, --timeout, --debug, ...): see raftctl --help.";
  /** Wide enough that picocli wraps nothing itself; {@link #wrap} then wraps at blanks. */
  private static final int UNWRAPPED = 1000;

  private HelpLayout() {}

  static void apply(CommandLine cli) {
    cli.setUsageHelpWidth(UNWRAPPED);
    Map<String, IHelpSectionRenderer> sections = new LinkedHashMap<>(cli.getHelpSectionMap());
    IHelpSectionRenderer synopsis = sections.get(CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS);
    IHelpSectionRenderer options = sections.get(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST);
    sections.replaceAll((key, renderer) -> help -> wrap(renderer.render(help)));
    // The synopsis is wrapped with its heading ("Usage: "), so its continuation lines line up after the name.
    sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_SYNOPSIS, help -> {
      String heading = help.synopsisHeading();
      String text = isRoot(help) ? synopsis.render(help) : help.abbreviatedSynopsis();
      return wrap(heading + text).substring(heading.length());
    });
    sections.put(CommandLine.Model.UsageMessageSpec.SECTION_KEY_OPTION_LIST, help -> wrap(isRoot(help) ? options.render(help)
        : help.optionListExcludingGroups(ownOptions(help.commandSpec()), help.createDefaultLayout(),
            help.createDefaultOptionSort(), help.parameterLabelRenderer())));
    cli.setHelpSectionMap(sections);
    footers(cli);
  }

  private static boolean isRoot(Help help) {
    return help.commandSpec().parent() == null;
  }

  /** Its own options and --help; the inherited global ones (and --version) are on raftctl --help. */
  static List<OptionSpec> ownOptions(CommandSpec spec) {
    return spec.options().stream().filter(o -> !o.hidden() && !o.longestName().equals("--version"))
        .filter(o -> !o.inherited() || o.longestName().equals("--help")).toList();
  }

  private static void footers(CommandLine cli) {
    for (CommandLine sub : cli.getSubcommands().values()) {
      if (!(sub.getCommand() instanceof CommandLine.HelpCommand)) {
        sub.getCommandSpec().usageMessage().footer(GLOBAL_OPTIONS_FOOTER);
        footers(sub);
      }
    }
  }

  /**
   * Each line longer than {@link #WIDTH} broken at blanks, continuing where its text column starts (after the
   * command name on a usage line, after the first gap of two blanks in an option or command row). A word longer
   * than the line is left whole.
   */
  static String wrap(String text) {
    StringBuilder b = new StringBuilder();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      b.append(wrapLine(lines[i]));
      if (i < lines.length - 1) {
        b.append('\n');
      }
    }
    return b.toString();
  }

  private static String wrapLine(String line) {
    String trimmed = line.stripTrailing();
    if (trimmed.length() <= WIDTH) {
      return line;  // as it is: a heading's trailing blank ("Usage: ") is part of it
    }
    int indent = Math.min(continuationIndent(trimmed), WIDTH / 2);
    int start = leadingBlanks(trimmed);
    List<String> out = new ArrayList<>();
    StringBuilder current = new StringBuilder(trimmed.substring(0, start));
    int firstWordEnd = start;
    // The first line keeps its layout up to the text column; words are only moved after it.
    for (String word : splitKeepingGaps(trimmed.substring(start))) {
      if (current.length() > indent && current.length() + word.length() > WIDTH && !current.toString().isBlank()) {
        out.add(current.toString().stripTrailing());
        current = new StringBuilder(" ".repeat(indent));
        word = word.stripLeading();
      }
      current.append(word);
    }
    out.add(current.toString().stripTrailing());
    return String.join("\n", out);
  }

  /** The words with the blanks before each attached, so the gaps of a row's first line survive. */
  private static List<String> splitKeepingGaps(String s) {
    List<String> words = new ArrayList<>();
    int i = 0;
    while (i < s.length()) {
      int j = i;
      while (j < s.length() && s.charAt(j) == ' ') {
        j++;
      }
      while (j < s.length() && s.charAt(j) != ' ') {
        j++;
      }
      words.add(s.substring(i, j));
      i = j;
    }
    return words;
  }

  private static int continuationIndent(String line) {
    if (line.startsWith("Usage: ")) {
      int afterName = line.indexOf(' ', "Usage: ".length());
      return afterName < 0 ? 0 : afterName + 1;
    }
    int lead = leadingBlanks(line);
    int gap = line.indexOf("  ", lead);
    if (lead > 0 && gap > 0) {
      int column = gap;
      while (column < line.length() && line.charAt(column) == ' ') {
        column++;
      }
      return column + 2;
    }
    return lead > 0 ? lead + 2 : 0;
  }

  private static int leadingBlanks(String s) {
    int i = 0;
    while (i < s.length() && s.charAt(i) == ' ') {
      i++;
    }
    return i;
  }
}
