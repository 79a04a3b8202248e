package io.raftd.docs;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A walkthrough in README.md that a test runs, so the commands an operator follows are the ones tested: the
 * {@code sh} or {@code console} block right after a line {@code <!-- runbook:NAME ... -->}. Its commands are
 * the lines starting {@code $ } (a trailing {@code  # comment} cut, a {@code $ # ...} line only a comment), and
 * the lines typed at raftctl's shell prompt ({@code raftd n1* 3/3> status}); the other lines, but {@code #}
 * comments, are the output the README shows for the command before them.
 */
public final class Runbook {
  /** The README, from a module's directory unless {@code raftd.readme} says where. */
  private static final Path README = Paths.get(System.getProperty("raftd.readme", "../README.md"));

  /** One command and the output the README shows for it; {@code inShell}: typed at raftctl's shell prompt. */
  public record Step(String command, List<String> shown, boolean inShell) {
    /** The command's words, each README placeholder replaced by the value it stands for here. */
    public String[] words(Map<String, String> placeholders) {
      return Arrays.stream(command.split("\\s+")).map(w -> substitute(w, placeholders)).toArray(String[]::new);
    }

    /** Whether the command runs raftctl, as the README writes it after installing ({@code raftctl}) or building ({@code bin/raftctl}). */
    public boolean isRaftctl() {
      return command.startsWith("raftctl ") || command.startsWith("bin/raftctl ");
    }

    /** raftctl's arguments, placeholders replaced. */
    public String[] raftctlArgs(Map<String, String> placeholders) {
      String[] words = words(placeholders);
      if (!isRaftctl()) {
        throw new IllegalStateException("not a raftctl command: " + command);
      }
      return Arrays.copyOfRange(words, 1, words.length);
    }

    /**
     * The shown output lines that {@code output} lacks: a shown line is there when some line of the output starts
     * with its first two words, placeholders replaced (the rest of it holds ids, sizes and checksums of the
     * README's own run).
     */
    public List<String> shownButMissing(String output, Map<String, String> placeholders) {
      List<String> lines = output.lines().map(String::strip).toList();
      List<String> missing = new ArrayList<>();
      for (String line : shown) {
        String[] words = line.strip().split("\\s+");
        String start = substitute(words[0], placeholders) + (words.length > 1 ? " " + substitute(words[1], placeholders) : "");
        if (lines.stream().noneMatch(l -> l.startsWith(start))) {
          missing.add(line);
        }
      }
      return missing;
    }
  }

  /** raftctl's shell prompt with a command typed after it. */
  private static final Pattern SHELL_PROMPT = Pattern.compile("raftd [^>]*> (.*)");

  private Runbook() {}

  /** The steps of the README's runbook {@code name}; fails if there is none or it has no command. */
  public static List<Step> read(String name) {
    return read(README, name);
  }

  /** The steps of the runbook {@code name} in the Markdown file {@code markdown}. */
  static List<Step> read(Path markdown, String name) {
    List<String> lines;
    try {
      lines = Files.readAllLines(markdown, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + markdown.toAbsolutePath(), e);
    }
    int at = 0;
    while (at < lines.size() && !lines.get(at).startsWith("<!-- runbook:" + name + " ")) {
      at++;
    }
    if (at + 1 >= lines.size()) {
      throw new AssertionError(markdown + " has no runbook " + name);
    }
    String fence = lines.get(at + 1);
    if (!fence.equals("```sh") && !fence.equals("```console")) {
      throw new AssertionError("the runbook " + name + " does not start with a sh or console block: " + fence);
    }
    List<String> commands = new ArrayList<>();
    List<Boolean> inShell = new ArrayList<>();
    List<List<String>> shown = new ArrayList<>();
    for (int i = at + 2; !lines.get(i).equals("```"); i++) {
      String line = lines.get(i);
      Matcher prompt = SHELL_PROMPT.matcher(line);
      boolean typed = prompt.matches();
      if (line.startsWith("$ ") || typed) {
        String text = typed ? prompt.group(1) : line.substring(2);
        int comment = text.startsWith("#") ? 0 : text.indexOf(" #");
        String command = (comment < 0 ? text : text.substring(0, comment)).strip();
        if (!command.isEmpty()) {
          commands.add(command);
          inShell.add(typed);
          shown.add(new ArrayList<>());
        }
      } else if (!line.isBlank() && !line.startsWith("#") && !shown.isEmpty()) {
        shown.get(shown.size() - 1).add(line);
      }
    }
    if (commands.isEmpty()) {
      throw new AssertionError("the runbook " + name + " has no commands");
    }
    List<Step> steps = new ArrayList<>();
    for (int i = 0; i < commands.size(); i++) {
      steps.add(new Step(commands.get(i), List.copyOf(shown.get(i)), inShell.get(i)));
    }
    return steps;
  }

  /**
   * {@code text} with each placeholder in it replaced in one pass, the longest first where two start at the same
   * place, so that a value put in is never replaced again.
   */
  public static String substitute(String text, Map<String, String> placeholders) {
    if (placeholders.isEmpty()) {
      return text;
    }
    String alternatives = placeholders.keySet().stream().sorted(Comparator.comparingInt(String::length).reversed())
        .map(Pattern::quote).collect(Collectors.joining("|"));
    return Pattern.compile(alternatives).matcher(text)
        .replaceAll(m -> Matcher.quoteReplacement(placeholders.get(m.group())));
  }
}
