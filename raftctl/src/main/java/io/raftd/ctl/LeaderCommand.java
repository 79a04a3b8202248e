package io.raftd.ctl;

import com.google.gson.JsonObject;
import io.raftd.client.RaftdException;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.NodeStatus;
import io.raftd.proto.TransferLeaderRequest;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code raftctl leader transfer}: hands leadership over and waits until it has moved. */
@Command(name = "leader", description = "The cluster's leadership.", subcommands = LeaderCommand.Transfer.class)
final class LeaderCommand {
  private LeaderCommand() {}

  @Command(name = "transfer", description = {"Hands leadership to voter NAME (default: the most up-to-date one) "
      + "and waits, within --timeout, until it leads."})
  static final class Transfer extends CtlCommand {
    @Parameters(arity = "0..1", paramLabel = "NAME", completionCandidates = CompletionScript.MemberNames.class)
    String target;

    @Override
    int run(Raftctl ctl) throws Exception {
      Connection c = ctl.connection();
      long deadline = c.client().deadline();  // one --timeout for the whole command
      Cluster before = Cluster.ask(c, deadline);
      if (target != null) {
        before.member(target);  // NOT_FOUND with the names there are
      }
      String from = before.leader().map(s -> s.getSelf().getName()).orElse(null);
      if (target == null || !target.equals(from)) {
        c.client().call(AdminRequest.newBuilder().setTransferLeader(
            TransferLeaderRequest.newBuilder().setTargetName(target == null ? "" : target)), true, true, deadline);
      }
      NodeStatus now = null;
      String last = from;
      while (System.nanoTime() - deadline < 0) {
        Optional<NodeStatus> leader;
        try {
          leader = Cluster.ask(c, deadline).leader();
        } catch (RaftdException e) {
          break;  // out of time, or nobody answers: said below
        }
        String name = leader.map(s -> s.getSelf().getName()).orElse(null);
        last = name;
        if (name != null && (target != null ? name.equals(target) : !name.equals(from))) {
          now = leader.get();
          break;
        }
        Thread.sleep(50);  // polling interval while the transfer completes
      }
      if (now == null) {
        throw new CtlException(ExitCode.FAILURE, "the transfer did not complete within " + c.timeout.toMillis()
            + " ms (the target may be behind or unreachable); the leader was " + (from == null ? "unknown" : from)
            + ", and is now " + (last == null ? "unknown" : last));
      }
      Output out = ctl.output();
      if (out.json) {
        JsonObject o = new JsonObject();
        o.addProperty("from", from);
        o.addProperty("leader", now.getSelf().getName());
        o.addProperty("term", now.getTerm());
        out.json(o);
      } else if (now.getSelf().getName().equals(from)) {
        out.line(from + " already leads (term " + now.getTerm() + ")");
      } else {
        out.line("leader is now " + now.getSelf().getName() + " (term " + now.getTerm() + ")"
            + (from != null ? ", was " + from : ""));
      }
      return ExitCode.OK;
    }
  }
}
