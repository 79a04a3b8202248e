package io.raftd.ctl;

import picocli.CommandLine.Command;

/** {@code raftctl shell}: the interactive shell, as {@code raftctl} alone on a terminal opens it. */
@Command(name = "shell", description = {"Opens the interactive shell (as raftctl with no command on a terminal): "
    + "every command with its one-shot syntax and output over one connection; the prompt shows the leader; Tab "
    + "completes commands, options, member names and keys; history in $XDG_STATE_HOME/raftctl/history; "
    + "`connect HOST:PORT,...` switches cluster; Ctrl-C cancels a running command, Ctrl-D or `exit` leaves."})
final class ShellCommand extends CtlCommand {
  @Override
  int run(Raftctl ctl) throws Exception {
    if (ctl.inScript()) {
      throw new CtlException(ExitCode.USAGE, "the shell does not open from a script or inside itself");
    }
    return Shell.onSystemTerminal(ctl);
  }
}
