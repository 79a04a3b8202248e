package io.raftd.ctl;

import io.raftd.datadir.OfflineAudit;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.raftd.datadir.DataDirFile;
import io.raftd.datadir.DataDirLock;
import io.raftd.proto.ForcedNewCluster;
import io.raftd.proto.Member;
import io.raftd.walformat.ForceNewCluster;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code raftctl recover --force-new-cluster}: quorum-loss recovery on a stopped surviving member
 * ({@link ForceNewCluster}), under the data directory's lock, once the operator has read what it loses.
 */
@Command(name = "recover", description = {"Recovers from a lost majority (offline, on a stopped surviving member):"
    + " with --force-new-cluster, makes this member the only voter of a NEW cluster holding its log. Prints what it"
    + " keeps and what may be lost (the members left out; with --drop-uncommitted the entries above its recorded"
    + " commit index) and asks y/N on the terminal unless --yes; refused without --yes when stdin is not a terminal"
    + " (exit 2, nothing written).",
    "By default every entry of its log is kept: the commit index a WAL records lags what the member acknowledged, so"
    + " cutting there could lose acknowledged writes; entries kept above it may never have been committed (their"
    + " clients saw an error or no answer) and apply now. Writes that never reached this member are lost: recover"
    + " the survivor with the longest log (raftctl wal verify --data-dir DIR prints its last index).",
    "The new cluster id is random: the left-out members' data directories belong to the old cluster and are refused"
    + " by this one for good; wipe them before those machines join again. Then start raftd on DIR (its config's"
    + " cluster.members are ignored, with a warning) and grow the cluster with member add.",
    "An interrupted recover is finished by running it again (raftd refuses to start until then)."})
final class RecoverCommand extends CtlCommand {
  @Mixin
  WalDataDir dataDir;

  @Option(names = "--force-new-cluster", description = "required: this member alone becomes a new cluster")
  boolean forceNewCluster;

  @Option(names = "--yes", description = "do not ask for confirmation (scripts: stdin is not a terminal)")
  boolean yes;

  @Option(names = "--drop-uncommitted", description = "keep the log only up to the commit index its WAL records"
      + " (may lose acknowledged writes: see above)")
  boolean dropUncommitted;

  @Override
  int run(Raftctl ctl) throws Exception {
    if (!forceNewCluster) {
      throw new CtlException(ExitCode.USAGE, "recover needs --force-new-cluster: it makes this member alone a new"
          + " cluster, dropping every other member (see raftctl recover --help); nothing was written");
    }
    try (DataDirLock lock = dataDir.lockForWriting()) {
      if (Files.exists(dataDir.dir.resolve(DataDirFile.FORCED_NEW_CLUSTER))) {
        return finish(ctl);
      }
      ForceNewCluster.Plan plan;
      try {
        plan = ForceNewCluster.plan(dataDir.dir, dropUncommitted);
      } catch (ForceNewCluster.Refused e) {
        throw new CtlException(ExitCode.FAILURE, e.getMessage() + "; nothing was written");
      }
      Output out = ctl.output();
      PrintStream show = out.json ? ctl.io.err() : ctl.io.out();
      describe(plan).forEach(show::println);
      if (!yes && (ctl.inScript() || !ctl.io.stdinTerminal())) {
        throw new CtlException(ExitCode.USAGE, "recover asks for confirmation on a terminal and stdin is not one: read"
            + " the above, then run it again with --yes; nothing was written");
      }
      boolean confirmed = yes || confirm(ctl, plan);
      if (!confirmed) {
        throw new CtlException(ExitCode.FAILURE, "not confirmed: nothing was written");
      }
      ForceNewCluster.apply(plan);
      OfflineAudit.record(dataDir.dir, "recover", "force-new-cluster: the one-member cluster "
          + SnapshotBackupCommands.hex(plan.newClusterId()) + " out of "
          + SnapshotBackupCommands.hex(plan.oldCluster().getClusterId()) + ", its log kept up to index "
          + plan.keep(), System.currentTimeMillis());
      if (out.json) {
        out.json(json(plan));
      } else {
        out.line("recovered: " + dataDir.dir + " is now the one-member cluster "
            + SnapshotBackupCommands.hex(plan.newClusterId()) + "; start raftd on it, then grow the cluster with"
            + " member add");
      }
      return ExitCode.OK;
    } catch (java.io.IOException e) {
      throw dataDir.unreadable(e);
    }
  }

  /** A recovery decided earlier and interrupted: finished, with no question (it was confirmed then). */
  private int finish(Raftctl ctl) throws Exception {
    ForcedNewCluster r = ForceNewCluster.finish(dataDir.dir);
    String cluster = SnapshotBackupCommands.hex(r.getCluster().getClusterId());
    OfflineAudit.record(dataDir.dir, "recover", "force-new-cluster (finished after an interruption): the one-member"
        + " cluster " + cluster + ", its log kept up to index " + r.getCommit(), System.currentTimeMillis());
    Output out = ctl.output();
    if (out.json) {
      JsonObject o = new JsonObject();
      o.addProperty("data_dir", dataDir.dir.toString());
      o.addProperty("finished_interrupted", true);
      o.addProperty("cluster_id", cluster);
      o.addProperty("commit", r.getCommit());
      out.json(o);
    } else {
      out.line("finished the recovery interrupted earlier: " + dataDir.dir + " is now the one-member cluster " + cluster
          + " (entries kept up to " + r.getCommit() + "); start raftd on it");
    }
    return ExitCode.OK;
  }

  private static boolean confirm(Raftctl ctl, ForceNewCluster.Plan plan) throws java.io.IOException {
    ctl.io.err().print("Make " + plan.self().getName() + " alone a new cluster? [y/N] ");
    ctl.io.err().flush();
    String answer = new BufferedReader(new InputStreamReader(ctl.io.in(), StandardCharsets.UTF_8)).readLine();
    return answer != null && (answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes"));
  }

  /** What the recovery keeps, loses and changes, one line each. */
  private List<String> describe(ForceNewCluster.Plan plan) {
    List<String> lines = new ArrayList<>();
    long base = plan.wal().log.base();
    lines.add("data dir " + dataDir.dir + ": member " + plan.self().getName() + " ("
        + SnapshotBackupCommands.hex(plan.self().getMemberId()) + ") of cluster "
        + SnapshotBackupCommands.hex(plan.oldCluster().getClusterId()) + "; log after snapshot " + base + " up to "
        + plan.lastIndex() + ", recorded commit index " + plan.commit() + " (term " + plan.hardState().getTerm() + ")");
    if (plan.keptAboveCommit() > 0) {
      lines.add("keeps its whole log, up to " + plan.keep() + ": entries " + (plan.commit() + 1) + ".." + plan.keep()
          + " (" + Plural.of(plan.keptAboveCommit(), "entry", "entries") + ") lie above its recorded commit index: some"
          + " were acknowledged, others may never have been committed and apply now (--drop-uncommitted drops them)");
    } else {
      lines.add("keeps every entry up to " + plan.keep() + (plan.keep() == plan.lastIndex() ? ", its whole log"
          : ", its recorded commit index"));
    }
    if (plan.dropped() > 0) {
      lines.add("MAY LOSE: drops entries " + (plan.keep() + 1) + ".." + plan.lastIndex() + " ("
          + Plural.of(plan.dropped(), "entry", "entries") + " above its recorded commit index): acknowledged writes"
          + " among them are lost");
    }
    lines.add("MAY LOSE: writes the old cluster committed that never reached this member (recover the survivor with"
        + " the longest log)");
    if (plan.leftOut().isEmpty()) {
      lines.add("leaves out no member: it was alone already");
    } else {
      lines.add("LEAVES OUT " + String.join(", ", plan.leftOut().stream().map(RecoverCommand::label).toList())
          + ": removed for good; their data directories belong to the old cluster and can never rejoin: wipe them"
          + " before those machines are added again");
    }
    if (!plan.selfWasVoter()) {
      lines.add("this member was not a voter (a learner): the cluster may have committed entries it never received");
    }
    if (Files.exists(dataDir.dir.resolve(DataDirFile.VOTE_BARRIER))) {
      lines.add("deletes its vote barrier (from raftctl wal repair): no other voter is left for it to protect");
    }
    lines.add("new cluster " + SnapshotBackupCommands.hex(plan.newClusterId()) + ": entry " + (plan.keep() + 1)
        + " makes " + plan.self().getName() + " its only voter; then start raftd on it and grow the cluster with member"
        + " add");
    return lines;
  }

  private static String label(Member m) {
    return m.getName() + (m.getPeerAddress().isEmpty() ? "" : " (" + m.getPeerAddress() + ")");
  }

  private JsonObject json(ForceNewCluster.Plan plan) {
    JsonObject o = new JsonObject();
    o.addProperty("data_dir", dataDir.dir.toString());
    o.addProperty("name", plan.self().getName());
    o.addProperty("old_cluster_id", SnapshotBackupCommands.hex(plan.oldCluster().getClusterId()));
    o.addProperty("cluster_id", SnapshotBackupCommands.hex(plan.newClusterId()));
    o.addProperty("commit", plan.commit());
    o.addProperty("kept_up_to", plan.keep());
    o.addProperty("last_index", plan.lastIndex());
    o.addProperty("kept_above_commit", plan.keptAboveCommit());
    o.addProperty("dropped_entries", plan.dropped());
    o.addProperty("dropped_from", plan.dropped() == 0 ? null : plan.keep() + 1);
    o.addProperty("dropped_to", plan.dropped() == 0 ? null : plan.lastIndex());
    JsonArray left = new JsonArray();
    for (Member m : plan.leftOut()) {
      JsonObject j = new JsonObject();
      j.addProperty("name", m.getName());
      j.addProperty("id", SnapshotBackupCommands.hex(m.getId()));
      j.addProperty("peer_address", m.getPeerAddress());
      left.add(j);
    }
    o.add("left_out", left);
    o.addProperty("recovered", true);
    return o;
  }
}
