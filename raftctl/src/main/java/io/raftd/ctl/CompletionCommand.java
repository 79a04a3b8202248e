package io.raftd.ctl;

import com.google.gson.JsonObject;
import io.raftd.proto.Member;
import io.raftd.proto.MemberInfo;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code raftctl completion bash|zsh}: the shell completion script (see {@link CompletionScript}). */
@Command(name = "completion", description = {"Prints the completion script for bash or zsh: commands, subcommands, "
    + "options and their values, and member names (for member remove NAME, --node NAME, leader transfer NAME, ...), "
    + "which the script asks of the cluster when completing one, running raftctl --timeout "
    + CompletionScript.MEMBER_NAMES_TIMEOUT + " " + CompletionScript.MEMBER_NAMES_COMMAND + " (a hidden command; with "
    + "the --endpoints the line gives, if it gives them).",
    "bash: add source <(raftctl completion bash) to ~/.bashrc, or save the script as "
        + "~/.local/share/bash-completion/completions/raftctl.",
    "zsh: add source <(raftctl completion zsh) to ~/.zshrc. It is the same script, picocli's: zsh runs it through its "
        + "emulation of bash completion (bashcompinit), which the script loads.",
    "With -o json: {\"shell\": ..., \"script\": ...}."})
final class CompletionCommand extends CtlCommand {
  enum Shell { bash, zsh }

  @Parameters(paramLabel = "bash|zsh", description = "the shell to complete for")
  Shell shell;

  @Override
  int run(Raftctl ctl) {
    String script = CompletionScript.of(spec.root().commandLine(), shell.name());
    Output out = ctl.output();
    if (out.json) {
      JsonObject o = new JsonObject();
      o.addProperty("shell", shell.name());
      o.addProperty("script", script);
      out.json(o);
    } else {
      out.out.print(script);
      out.out.flush();
    }
    return ExitCode.OK;
  }

  /**
   * {@code raftctl __member-names}: the members' names in order, one a line, for the completion scripts; hidden, as
   * only they use it. The members as the leader lists them (learners too), or without a leader as a member does.
   */
  @Command(name = CompletionScript.MEMBER_NAMES_COMMAND, hidden = true,
      description = "The members' names, one a line (for the completion scripts).")
  static final class MemberNamesCommand extends CtlCommand {
    @Override
    int run(Raftctl ctl) throws Exception {
      Connection c = ctl.connection();
      List<Member> members = MemberCommand.list(c, c.client().deadline()).getMembersList().stream()
          .map(MemberInfo::getMember).toList();
      MemberCommand.byName(members).forEach(m -> ctl.output().line(m.getName()));
      return ExitCode.OK;
    }
  }
}
