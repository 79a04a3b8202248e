package io.raftd.ctl;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.reader.LineReader;
import org.jline.reader.ParsedLine;
import picocli.AutoComplete;
import picocli.CommandLine.Model.CommandSpec;
import picocli.shell.jline3.PicocliJLineCompleter;

/**
 * Tab completion in the shell: commands, subcommands and options from raftctl's picocli model (as the
 * bash/zsh script has them), member names from the live cluster where a command takes one, and keys by
 * prefix for the commands that take a key (a bounded scan).
 */
final class ShellCompleter implements Completer {
  private static final Set<String> KEY_COMMANDS = Set.of("get", "put", "delete", "cas");

  private final CommandSpec spec;
  private final Completer model;
  private final ShellView view;

  ShellCompleter(CommandSpec spec, ShellView view) {
    this.spec = spec;
    this.model = new PicocliJLineCompleter(spec);
    this.view = view;
  }

  @Override
  public void complete(LineReader reader, ParsedLine line, List<Candidate> candidates) {
    List<String> words = line.words();
    int at = line.wordIndex();
    String word = line.word().substring(0, line.wordCursor());
    if (at == 0) {
      for (String own : Shell.OWN_COMMANDS) {
        if (own.startsWith(word)) {
          candidates.add(new Candidate(own));
        }
      }
    }
    if (at == 1 && KEY_COMMANDS.contains(words.get(0)) && !word.startsWith("-")) {
      view.keys(word).forEach(k -> candidates.add(new Candidate(k, k, null, null, null, null, true)));
      return;
    }
    if (takesMemberName(words, at)) {
      view.memberNames().stream().filter(n -> n.startsWith(word)).forEach(n -> candidates.add(new Candidate(n)));
      return;
    }
    List<Candidate> found = new ArrayList<>();
    model.complete(reader, line, found);
    found.stream().filter(c -> !c.value().contains(CompletionScript.MEMBER_NAMES)).forEach(candidates::add);
  }

  /** Whether the word at {@code at} is one the model completes with member names (asked as if it were empty). */
  private boolean takesMemberName(List<String> words, int at) {
    List<String> args = new ArrayList<>(words);
    args.set(at, "");
    List<CharSequence> offered = new ArrayList<>();
    AutoComplete.complete(spec, args.toArray(String[]::new), at, 0, 0, offered);
    return offered.stream().anyMatch(c -> c.toString().contains(CompletionScript.MEMBER_NAMES));
  }
}
