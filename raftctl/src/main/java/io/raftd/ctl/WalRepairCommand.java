package io.raftd.ctl;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.raftd.datadir.DataDirFile;
import io.raftd.datadir.DataDirLock;
import io.raftd.walformat.WalRepair;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code raftctl wal repair}: truncates a stopped member's WAL after an index and leaves a vote barrier
 * ({@link WalRepair}), under the data directory's lock, once the operator has read what it drops.
 */
@Command(name = "repair", description = {"Truncates the WAL after INDEX so raftd starts from it again: takes the"
    + " data directory's lock (refused while raftd runs), prints what it drops and what that means, asks for"
    + " \"yes\" unless --yes, then cuts the log durably and writes a vote barrier: until the member has caught up"
    + " past the highest index it ever held, it neither votes nor campaigns.",
    "Dropping committed entries is allowed (that is what repairing a damaged member may take); INDEX below the"
    + " snapshot or beyond the last readable index is refused (exit 2, nothing written). Prefer removing the"
    + " member and adding a new one: see the README's runbook."})
final class WalRepairCommand extends CtlCommand {
  @Mixin
  WalDataDir dataDir;

  @Option(names = "--truncate-after", required = true, paramLabel = "INDEX",
      description = "keep the log up to INDEX, drop everything after it")
  long index;

  @Option(names = "--yes", description = "do not ask for confirmation (needed in scripts: stdin is the script)")
  boolean yes;

  @Override
  int run(Raftctl ctl) throws Exception {
    if (index < 0) {
      throw new CtlException(ExitCode.USAGE, "--truncate-after must not be negative: " + index);
    }
    if (!yes && ctl.inScript()) {
      throw new CtlException(ExitCode.USAGE, "wal repair: in script mode stdin is the script; add --yes");
    }
    try (DataDirLock lock = dataDir.lockForWriting()) {
      WalRepair.Plan plan;
      try {
        plan = WalRepair.plan(dataDir.dir, index);
      } catch (WalRepair.Refused e) {
        throw new CtlException(e.badIndex ? ExitCode.USAGE : ExitCode.FAILURE, e.getMessage() + "; nothing was written");
      }
      Output out = ctl.output();
      // The plan is what the operator confirms: on stdout in table mode, on stderr beside the JSON.
      PrintStream show = out.json ? ctl.io.err() : ctl.io.out();
      describe(plan).forEach(show::println);
      boolean confirmed = yes || confirm(ctl);
      if (confirmed) {
        WalRepair.apply(plan);
      }
      if (out.json) {
        out.json(json(plan, confirmed));
      } else if (confirmed) {
        out.line("repaired: the log now ends at " + index + "; vote barrier at index " + plan.barrier().getIndex()
            + " (term " + plan.barrier().getTerm() + ") in " + dataDir.dir.resolve(DataDirFile.VOTE_BARRIER));
      }
      if (!confirmed) {
        throw new CtlException(ExitCode.FAILURE, "not confirmed: nothing was written");
      }
      return ExitCode.OK;
    }
  }

  private static boolean confirm(Raftctl ctl) throws java.io.IOException {
    ctl.io.err().print("Type yes to truncate the WAL: ");
    ctl.io.err().flush();
    String answer = new BufferedReader(new InputStreamReader(ctl.io.in(), StandardCharsets.UTF_8)).readLine();
    return answer != null && answer.strip().equals("yes");
  }

  /** What the repair drops and what that means, one line each. */
  private List<String> describe(WalRepair.Plan plan) {
    List<String> lines = new ArrayList<>();
    long base = plan.wal().log.base();
    lines.add("data dir " + dataDir.dir + ": " + WalFindings.logLine(plan.wal()));
    lines.add(plan.dropped() == 0 ? "keeps every entry up to " + plan.lastIndex() + " (drops none)"
        : "keeps entries " + (base + 1) + ".." + index + " and drops " + (index + 1) + ".." + plan.lastIndex()
            + " (" + Plural.of(plan.dropped(), "entry", "entries") + ")");
    if (plan.newCommit() < plan.commit()) {
      lines.add("entries " + (plan.newCommit() + 1) + ".." + plan.commit() + " are committed: this member forgets"
          + " them; the other members hold them (a committed entry is on a majority) and send them back, but until"
          + " then a copy is gone: the cluster tolerates one failure less");
    }
    if (plan.hardState().getTerm() > plan.wal().hardState.getTerm()) {
      lines.add("raises its term from " + plan.wal().hardState.getTerm() + " to " + plan.hardState().getTerm() + " with a"
          + " vote for itself: a record shows that term, and its vote in it may have been lost with the damage");
    }
    plan.damageDropped().forEach(d -> lines.add("drops damage: " + d.file() + " at offset " + d.offset() + ": " + d.what()));
    lines.add("rewrites " + plan.rewritten() + (plan.deleted().isEmpty() ? "" : "; deletes " + String.join(", ", plan.deleted())));
    lines.add("vote barrier: index " + plan.barrier().getIndex() + ", term " + plan.barrier().getTerm() + ": until this"
        + " member has committed up to that index in that term or later, it neither votes nor campaigns; start it only"
        + " while the other members can elect a leader without it");
    if (plan.wal().stoppedAt >= 0) {
      lines.add("the WAL is damaged: entries it held in the damaged part cannot be read, so the barrier counts only"
          + " what is readable (the highest index any readable record or segment name shows)");
    }
    return lines;
  }

  private JsonObject json(WalRepair.Plan plan, boolean repaired) {
    JsonObject o = new JsonObject();
    o.addProperty("data_dir", dataDir.dir.toString());
    o.addProperty("truncate_after", index);
    o.addProperty("last_index", plan.lastIndex());
    o.addProperty("snapshot_index", plan.wal().log.base());
    o.addProperty("dropped_from", plan.dropped() == 0 ? null : index + 1);
    o.addProperty("dropped_to", plan.dropped() == 0 ? null : plan.lastIndex());
    o.addProperty("dropped_entries", plan.dropped());
    o.addProperty("commit", plan.commit());
    o.addProperty("new_commit", plan.newCommit());
    o.addProperty("drops_committed", plan.newCommit() < plan.commit());
    o.addProperty("term", plan.hardState().getTerm());
    o.addProperty("rewritten_segment", plan.rewritten());
    JsonArray deleted = new JsonArray();
    plan.deleted().forEach(deleted::add);
    o.add("deleted_segments", deleted);
    JsonArray damage = new JsonArray();
    plan.damageDropped().forEach(d -> {
      JsonObject j = new JsonObject();
      j.addProperty("file", d.file());
      j.addProperty("offset", d.offset());
      j.addProperty("kind", d.torn() ? "torn" : "corrupt");
      j.addProperty("what", d.what());
      damage.add(j);
    });
    o.add("damage_dropped", damage);
    JsonObject barrier = new JsonObject();
    barrier.addProperty("term", plan.barrier().getTerm());
    barrier.addProperty("index", plan.barrier().getIndex());
    o.add("vote_barrier", barrier);
    o.addProperty("repaired", repaired);
    return o;
  }
}
