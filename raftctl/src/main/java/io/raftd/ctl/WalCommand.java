package io.raftd.ctl;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.datadir.DataDirFile;
import io.raftd.datadir.DataDirLock;
import io.raftd.logentry.EntryDecoder;
import io.raftd.proto.ClusterRecord;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.walformat.OfflineWal;
import io.raftd.walformat.RecordType;
import io.raftd.walformat.SnapshotFile;
import io.raftd.walformat.WalFormat;
import io.raftd.walformat.WalVerifier;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code raftctl wal verify|dump|repair}: a stopped member's WAL, read (and repaired) offline through
 * {@code io.raftd.walformat}, without the daemon.
 */
@Command(name = "wal", description = {"A stopped member's write-ahead log, offline (no daemon; raftd must be stopped).",
    "See the README's runbook for a damaged WAL before you repair one."},
    subcommands = {WalCommand.Verify.class, WalCommand.Dump.class, WalRepairCommand.class})
final class WalCommand {
  /** The built-in store's name in raftd.toml's state_machine: its commands are the ones raftctl decodes. */
  static final String BUILT_IN_STORE = "kv";

  private WalCommand() {}

  @Command(name = "verify", description = {"Checks every segment, frame and record by the rules raftd's recovery"
      + " applies (no segment missing or shorter than preallocated), that never-written preallocated space reads as"
      + " zeros, and every snapshot file's checksum and that the snapshot the WAL starts from exists; prints each segment (frames, records,"
      + " entry range), the log recovery would rebuild (index range, commit, term changes) and each damage with its"
      + " file, offset, the entries it affects and what raftd would do.",
      "Exit 0 if nothing at all is wrong; 1 on any damage, a torn tail (which raftd drops at start) included."})
  static final class Verify extends CtlCommand {
    @Mixin
    WalDataDir dataDir;

    @Override
    int run(Raftctl ctl) throws Exception {
      OfflineWal wal;
      try (DataDirLock lock = dataDir.lockForReading()) {
        wal = OfflineWal.read(dataDir.walDir());
      } catch (IOException e) {
        throw dataDir.unreadable(e);
      }
      List<WalFindings.Finding> findings = WalFindings.of(wal);
      List<String> problems = WalFindings.problems(wal);
      // The snapshot files too, checked as raftd loads them: the WAL's log is worth nothing without its base.
      problems.addAll(SnapshotFile.verifyDirectory(dataDir.dir.resolve("snap"), wal.snapshot));
      boolean clean = wal.clean() && problems.isEmpty();
      Output out = ctl.output();
      if (out.json) {
        JsonObject o = new JsonObject();
        o.addProperty("data_dir", dataDir.dir.toString());
        o.addProperty("clean", clean);
        o.add("segments", segmentsJson(wal));
        o.add("log", WalFindings.logJson(wal));
        o.add("damage", damageJson(findings));
        o.add("problems", problemsJson(problems));
        out.json(o);
      } else {
        List<List<String>> rows = new ArrayList<>();
        for (WalVerifier.SegmentReport s : wal.report.segments()) {
          rows.add(List.of(s.name(), Long.toString(s.frames()), Long.toString(s.records()),
              s.firstEntry() == 0 ? "-" : s.firstEntry() + ".." + s.lastEntry(), s.end() + "/" + s.size(),
              s.damage() == null ? "ok" : s.damage().torn() ? "TORN" : "CORRUPT"));
        }
        out.table(List.of("SEGMENT", "FRAMES", "RECORDS", "ENTRIES", "USED/BYTES", "STATUS"), rows);
        out.line("");
        out.line(WalFindings.logLine(wal));
        findings.forEach(f -> out.line("damage: " + f.line()));
        problems.forEach(p -> out.line("problem: " + p));
        out.line(clean ? "clean: raftd would start from this data directory as it is" : "damaged");
      }
      WalFindings.failIfDamaged(wal, dataDir.dir, findings, problems);
      return ExitCode.OK;
    }
  }

  @Command(name = "dump", description = {"Prints every record of every sound frame, oldest first: entries (index,"
      + " term, type, data bytes and what they hold, decoded as raftctl log list decodes a running member's),"
      + " hard states (term, vote, commit) and snapshot records; then any damage, as verify reports it.",
      "Exit 1 if the WAL is damaged (after printing what is readable)."})
  static final class Dump extends CtlCommand {
    @Mixin
    WalDataDir dataDir;

    @Option(names = "--from", paramLabel = "N", description = "only entries from index N (hard states and snapshot"
        + " records are then left out)")
    Long from;

    @Option(names = "--to", paramLabel = "M", description = "only entries up to index M (as --from)")
    Long to;

    @Option(names = "--state-machine", paramLabel = "NAME", description = "the member's state_machine in raftd.toml"
        + " (default: " + BUILT_IN_STORE + "): the built-in store's commands are decoded, any other machine's shown"
        + " in hex")
    String stateMachine = BUILT_IN_STORE;

    @Override
    int run(Raftctl ctl) throws Exception {
      if (from != null && to != null && from > to) {
        throw new CtlException(ExitCode.USAGE, "--from " + from + " is above --to " + to);
      }
      boolean ranged = from != null || to != null;
      Output out = ctl.output();
      List<JsonObject> records = new ArrayList<>();
      OfflineWal wal;
      try (DataDirLock lock = dataDir.lockForReading()) {
        EntryDecoder decoder = decoder(ctl);
        wal = OfflineWal.read(dataDir.walDir(), new WalVerifier.Listener() {
          private String segment;

          @Override
          public void startSegment(WalFormat.SegmentId id) {
            segment = id.name();
          }

          @Override
          public void record(RecordType type, byte[] body, long offset, int length) {
            JsonObject r = recordJson(segment, type, body, offset, decoder);
            if (!ranged || (r.get("index").isJsonPrimitive() && type == RecordType.ENTRY && inRange(r.get("index").getAsLong()))) {
              records.add(r);
            }
          }
        });
      } catch (IOException e) {
        throw dataDir.unreadable(e);
      }
      List<WalFindings.Finding> findings = WalFindings.of(wal);
      List<String> problems = WalFindings.problems(wal);
      if (out.json) {
        JsonObject o = new JsonObject();
        o.addProperty("data_dir", dataDir.dir.toString());
        o.addProperty("clean", wal.clean());
        JsonArray all = new JsonArray();
        records.forEach(all::add);
        o.add("records", all);
        o.add("damage", damageJson(findings));
        o.add("problems", problemsJson(problems));
        out.json(o);
      } else {
        List<List<String>> rows = new ArrayList<>();
        for (JsonObject r : records) {
          rows.add(List.of(r.get("segment").getAsString(), r.get("offset").getAsString(), r.get("type").getAsString(),
              text(r, "index"), text(r, "term"), detail(r)));
        }
        out.table(List.of("SEGMENT", "OFFSET", "TYPE", "INDEX", "TERM", "DETAIL"), rows);
        findings.forEach(f -> out.line("damage: " + f.line()));
        problems.forEach(p -> out.line("problem: " + p));
      }
      WalFindings.failIfDamaged(wal, dataDir.dir, findings, problems);
      return ExitCode.OK;
    }

    /**
     * The decoder for this member's entries: members named as its cluster record names them (those changes added
     * are named in the configurations), the log starting in the bootstrap configuration.
     */
    private EntryDecoder decoder(Raftctl ctl) {
      ClusterRecord cluster = null;
      try {
        cluster = DataDirFile.read(dataDir.dir.resolve(DataDirFile.CLUSTER), ClusterRecord.parser());
      } catch (IOException e) {
        ctl.io.err().println("raftctl: members are shown by id: " + Reasons.plain(e));
      }
      Map<Long, String> names = new HashMap<>();
      if (cluster != null) {
        cluster.getMembersList().forEach(m -> names.put(m.getId(), m.getName()));
      }
      return new EntryDecoder(stateMachine.equals(BUILT_IN_STORE), names::get, false,
          cluster != null ? cluster.getBootstrap() : null);
    }

    private boolean inRange(long index) {
      return (from == null || index >= from) && (to == null || index <= to);
    }

    /** One record as JSON: the same fields for every type, null where they do not apply. */
    private static JsonObject recordJson(String segment, RecordType type, byte[] body, long offset,
        EntryDecoder decoder) {
      JsonObject r = new JsonObject();
      r.addProperty("segment", segment);
      r.addProperty("offset", offset);
      r.addProperty("type", type.name().toLowerCase(Locale.ROOT));
      Long index = null;
      Long term = null;
      String entryType = null;
      Integer dataBytes = null;
      String vote = null;
      Long commit = null;
      String snapshotId = null;
      JsonObject entry = null;
      try {
        switch (type) {
          case ENTRY -> {
            Entry e = Entry.parseFrom(body);
            index = e.getIndex();
            term = e.getTerm();
            entryType = e.getType().name().toLowerCase(Locale.ROOT);
            dataBytes = e.getData().size();
            entry = LogEntryJson.of(decoder.decode(e), Encoding.utf8);
          }
          case HARD_STATE -> {
            HardState hs = HardState.parseFrom(body);
            term = hs.getTerm();
            vote = hs.getVotedFor() == 0 ? null : Json.id(hs.getVotedFor());
            commit = hs.getCommit();
          }
          case SNAPSHOT_TAKEN, SNAPSHOT_INSTALLED -> {
            SnapshotMetadata s = SnapshotMetadata.parseFrom(body);
            index = s.getIndex();
            term = s.getTerm();
            snapshotId = Json.snapshotId(s);
            decoder.snapshot(s.getIndex(), s.getConfiguration());
          }
        }
      } catch (InvalidProtocolBufferException e) {
        entryType = "undecodable";  // passes its CRC but does not decode: reported as a problem too
      }
      r.addProperty("index", index);
      r.addProperty("term", term);
      r.addProperty("entry_type", entryType);
      r.addProperty("data_bytes", dataBytes);
      r.addProperty("voted_for", vote);
      r.addProperty("commit", commit);
      r.addProperty("snapshot_id", snapshotId);
      r.add("entry", entry != null ? entry : JsonNull.INSTANCE);  // decoded, as in log list's JSON
      return r;
    }

    private static String text(JsonObject r, String field) {
      return r.get(field).isJsonNull() ? "-" : r.get(field).getAsString();
    }

    private static String detail(JsonObject r) {
      return switch (r.get("type").getAsString()) {
        case "entry" -> r.get("entry").isJsonNull() ? text(r, "entry_type")
            : text(r, "entry_type") + ", " + Plural.of(r.get("data_bytes").getAsLong(), "byte") + ": "
                + r.getAsJsonObject("entry").get("summary").getAsString();
        case "hard_state" -> "vote " + text(r, "voted_for") + ", commit " + text(r, "commit");
        case "segment_sealed" -> "continued in the next segment";
        default -> "snapshot " + text(r, "snapshot_id");
      };
    }
  }

  static JsonArray segmentsJson(OfflineWal wal) {
    JsonArray all = new JsonArray();
    List<WalVerifier.SegmentReport> reports = wal.report.segments();
    for (int k = 0; k < reports.size(); k++) {
      WalVerifier.SegmentReport s = reports.get(k);
      JsonObject o = new JsonObject();
      o.addProperty("file", s.name());
      o.addProperty("seq", s.seq());
      o.addProperty("first_index_in_name", wal.segments.get(k).firstIndex());
      o.addProperty("frames", s.frames());
      o.addProperty("records", s.records());
      o.addProperty("first_entry", s.firstEntry() == 0 ? null : s.firstEntry());
      o.addProperty("last_entry", s.lastEntry() == 0 ? null : s.lastEntry());
      o.addProperty("used_bytes", s.end());
      o.addProperty("file_bytes", s.size());
      o.addProperty("status", s.damage() == null ? "ok" : s.damage().torn() ? "torn" : "corrupt");
      all.add(o);
    }
    return all;
  }

  static JsonArray damageJson(List<WalFindings.Finding> findings) {
    JsonArray all = new JsonArray();
    findings.forEach(f -> all.add(f.json()));
    return all;
  }

  private static JsonArray problemsJson(List<String> problems) {
    JsonArray all = new JsonArray();
    problems.forEach(all::add);
    return all;
  }
}
