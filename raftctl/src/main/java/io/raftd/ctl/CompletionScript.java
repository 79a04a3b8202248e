package io.raftd.ctl;

import java.util.Iterator;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.AutoComplete;
import picocli.CommandLine;

/**
 * raftctl's completion script for bash and zsh: picocli's ({@link AutoComplete#bash}), generated from the
 * command model, so every command, subcommand and option is in it as it is in raftctl. picocli writes the
 * candidates for an argument as they were when the script was made; a member's name must be asked of the
 * cluster when it is completed, so such arguments name {@link MemberNames} as their candidates, which picocli
 * writes as {@link #MEMBER_NAMES}, and the script asks {@code raftctl __member-names} whenever it completes one.
 * picocli offers no zsh script of its own: its bash script loads zsh's emulation of bash completion (bashcompinit).
 */
final class CompletionScript {
  /** What picocli writes for a member's name: never a member's name itself (they are lowercase, no @). */
  static final String MEMBER_NAMES = "@member-names@";
  /** The hidden command the script asks for the members' names, one a line. */
  static final String MEMBER_NAMES_COMMAND = "__member-names";
  /** How long the script lets raftctl ask the cluster: completion must not hang on a cluster that is down. */
  static final String MEMBER_NAMES_TIMEOUT = "1s";
  /** Where picocli's script hands a word's candidates to its compReplyArray (not the function's definition). */
  private static final Pattern CANDIDATES_CALL = Pattern.compile("(?m)^([^#\\n]*)compReplyArray \"");

  private CompletionScript() {}

  /**
   * The candidates of an argument that names a member of the running cluster. Anything that completes raftctl's
   * words (this script; an interactive shell's completer) recognises this class and asks the cluster instead;
   * iterated, it gives {@link #MEMBER_NAMES}.
   */
  static final class MemberNames implements Iterable<String> {
    @Override
    public Iterator<String> iterator() {
      return List.of(MEMBER_NAMES).iterator();
    }
  }

  /** The script for {@code shell} ("bash" or "zsh"), completing the commands of {@code root}. */
  static String of(CommandLine root, String shell) {
    String picocli = AutoComplete.bash(root.getCommandName(), root);
    if (!picocli.contains("(\"" + MEMBER_NAMES + "\")")) {
      throw new IllegalStateException("picocli's completion script does not list member names as expected");
    }
    Matcher calls = CANDIDATES_CALL.matcher(picocli);
    if (!calls.find()) {
      throw new IllegalStateException("picocli's completion script hands candidates over otherwise than expected");
    }
    String body = calls.replaceAll("$1_raftctl_candidates \"");
    return header(shell) + memberNameFunctions() + body;
  }

  private static String header(String shell) {
    String install = shell.equals("zsh")
        ? "#   zsh: in ~/.zshrc, source <(raftctl completion zsh). zsh completes raftctl through its emulation of\n"
            + "#   bash completion (bashcompinit), which the script loads: picocli, which writes it, has no zsh script.\n"
        : "#   bash: in ~/.bashrc, source <(raftctl completion bash); or save it as\n"
            + "#   ~/.local/share/bash-completion/completions/raftctl (bash-completion loads it when needed).\n";
    return "# raftctl's completion for " + shell + ", made by `raftctl completion " + shell + "` from raftctl's own\n"
        + "# commands and options: make it again after upgrading raftctl.\n"
        + install
        + "# Member names (member remove NAME, --node NAME, ...) are asked of the cluster when completed, by running\n"
        + "# `raftctl --timeout " + MEMBER_NAMES_TIMEOUT + " " + MEMBER_NAMES_COMMAND + "` (with the line's --endpoints, "
        + "if it gives them).\n\n";
  }

  private static String memberNameFunctions() {
    return """
        # picocli's candidates for a word, with the marker for member names replaced by the cluster's members.
        function _raftctl_candidates() {
          if [ "$*" = "%1$s" ]; then
            local IFS=$'\\n'
            # shellcheck disable=SC2046
            compReplyArray $(_raftctl_member_names)
          else
            compReplyArray "$@"
          fi
        }

        # The members' names, one a line, from the raftctl being completed (bin/raftctl or raftctl on PATH), at
        # the --endpoints the line gives if it gives them. Nothing if the cluster does not answer in time.
        function _raftctl_member_names() {
          local IFS=$' \\t\\n'
          local endpoints="" previous="" word
          for word in ${COMP_LINE}; do
            case "$previous" in --endpoints) endpoints="--endpoints=$word" ;; esac
            case "$word" in --endpoints=*) endpoints="$word" ;; esac
            previous="$word"
          done
          # shellcheck disable=SC2086
          "${COMP_WORDS[0]}" $endpoints --timeout %2$s %3$s 2>/dev/null </dev/null
        }

        """.formatted(MEMBER_NAMES, MEMBER_NAMES_TIMEOUT, MEMBER_NAMES_COMMAND);
  }
}
