package io.raftd.ctl;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.raftd.client.RaftdException;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.CreateSnapshotRequest;
import io.raftd.proto.ListSnapshotsRequest;
import io.raftd.proto.MemberStatus;
import io.raftd.proto.SnapshotMetadata;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code raftctl snapshot create|list|save|restore}: a member's snapshots, and backups. */
@Command(name = "snapshot", description = "A member's snapshots; backups (save) and new clusters made from them (restore).",
    subcommands = {SnapshotCommand.Create.class, SnapshotCommand.List_.class, SnapshotBackupCommands.Save.class,
        SnapshotBackupCommands.Restore.class})
final class SnapshotCommand {
  private SnapshotCommand() {}

  @Command(name = "create", description = "Takes a snapshot now on --node NAME (default: the leader), so its log "
      + "can be compacted; prints its index, term and size.")
  static final class Create extends CtlCommand {
    @Option(names = "--node", paramLabel = "NAME", completionCandidates = CompletionScript.MemberNames.class)
    String node;

    @Override
    int run(Raftctl ctl) throws Exception {
      Cluster cluster = Cluster.ask(ctl.connection());
      MemberStatus m = node != null ? cluster.member(node) : cluster.member(cluster.leader().orElseThrow(
          () -> new CtlException(ExitCode.UNAVAILABLE, "no leader to take the snapshot: name a member with --node"))
          .getSelf().getName());
      SnapshotMetadata s = Cluster.callMember(ctl.connection(), m,
          AdminRequest.newBuilder().setCreateSnapshot(CreateSnapshotRequest.getDefaultInstance()))
          .getCreateSnapshot().getSnapshot();
      Output out = ctl.output();
      if (out.json) {
        JsonObject o = Json.snapshot(s);
        o.addProperty("node", m.getMember().getName());
        out.json(o);
      } else {
        out.line(m.getMember().getName() + ": snapshot " + Json.snapshotId(s) + " at index " + s.getIndex() + ", term " + s.getTerm()
            + ", " + Plural.of(s.getSize(), "byte"));
      }
      return ExitCode.OK;
    }
  }

  @Command(name = "list", description = "Lists the snapshots kept by --node NAME (default: every member); "
      + "exit 1 if a member could not list them (each is named, with why, on stderr and in \"errors\").")
  static final class List_ extends CtlCommand {
    @Option(names = "--node", paramLabel = "NAME", completionCandidates = CompletionScript.MemberNames.class)
    String node;

    @Override
    int run(Raftctl ctl) throws Exception {
      Cluster cluster = Cluster.ask(ctl.connection());
      List<MemberStatus> asked = node != null ? List.of(cluster.member(node)) : cluster.members();
      Output out = ctl.output();
      JsonArray all = new JsonArray();
      JsonArray errors = new JsonArray();
      List<List<String>> rows = new ArrayList<>();
      for (MemberStatus m : asked) {
        List<SnapshotMetadata> list;
        if (node == null && !m.getReachable()) {
          // A member that is down is not skipped in silence: its snapshots are not listed, and that is an error.
          error(ctl, errors, m, "does not answer: " + Reasons.plain(m.getError()));
          continue;
        }
        try {
          list = ctl.connection().client().callAt(m.getMember().getAdminAddress(),
              AdminRequest.newBuilder().setListSnapshots(ListSnapshotsRequest.getDefaultInstance()))
              .getListSnapshots().getSnapshotsList();
        } catch (RaftdException e) {
          if (node != null) {
            throw e;
          }
          error(ctl, errors, m, Reasons.plain(e));
          continue;
        }
        for (SnapshotMetadata s : list) {
          JsonObject o = Json.snapshot(s);
          o.addProperty("node", m.getMember().getName());
          all.add(o);
          rows.add(List.of(m.getMember().getName(), Json.snapshotId(s), Long.toString(s.getIndex()), Long.toString(s.getTerm()),
              Long.toString(s.getSize())));
        }
      }
      if (out.json) {
        JsonObject o = new JsonObject();
        o.add("snapshots", all);
        o.add("errors", errors);
        out.json(o);
      } else {
        out.table(List.of("NODE", "ID", "INDEX", "TERM", "BYTES"), rows);
      }
      return errors.isEmpty() ? ExitCode.OK : ExitCode.FAILURE;  // each failure was named on stderr
    }

    /** Names a member whose snapshots could not be listed: a line on stderr and an entry in "errors". */
    private static void error(Raftctl ctl, JsonArray errors, MemberStatus m, String why) {
      ctl.io.err().println("raftctl: " + m.getMember().getName() + ": " + why);
      JsonObject err = new JsonObject();
      err.addProperty("node", m.getMember().getName());
      err.addProperty("error", why);
      errors.add(err);
    }
  }
}
