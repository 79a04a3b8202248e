package io.raftd.ctl;

import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A raftctl subcommand: runs against the invocation ({@link Raftctl}) it belongs to. */
abstract class CtlCommand implements Callable<Integer> {
  @Spec
  CommandSpec spec;

  @Override
  public final Integer call() throws Exception {
    Raftctl ctl = (Raftctl) spec.root().userObject();
    ctl.checkArguments();
    return run(ctl);
  }

  /** @return the exit code */
  abstract int run(Raftctl ctl) throws Exception;
}
