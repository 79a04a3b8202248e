package io.raftd.ctl;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import com.google.protobuf.ByteString;
import io.raftd.client.RaftdException;
import io.raftd.logentry.ByteText;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.ConfigurationChange;
import io.raftd.proto.LogEntry;
import io.raftd.proto.ReadLogRequest;
import io.raftd.proto.ReadLogResponse;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code raftctl log list|show}: a running member's replicated log through the admin port (ReadLog), each entry
 * decoded by the member with the decoder {@code wal dump} uses offline. Any member answers, for its own log: --node
 * NAME's, else the member the client reaches (the leader when there is one); every page comes from that member.
 */
@Command(name = "log", description = {"A running member's replicated log, its entries decoded: KV commands, sessions, "
    + "configurations, a new leader's no-op, checksum marks; any other command in hex. (A stopped member's WAL: wal "
    + "dump.)"},
    subcommands = {LogCommands.List_.class, LogCommands.Show.class})
final class LogCommands {
  /** How many entries {@code log list} shows without --limit. */
  static final int DEFAULT_LIMIT = 100;

  private LogCommands() {}

  /** The entries read, the figures of the member's log as of the last page, and what was compacted of the range. */
  private record Read(List<LogEntry> entries, ReadLogResponse last, String compacted) {
    String member() {
      return last.getMember().getName();
    }
  }

  /** Reads up to {@code limit} entries of the range {@code ask} names, page by page, from one member. */
  private static Read read(Raftctl ctl, String node, ReadLogRequest.Builder ask, int limit)
      throws CtlException, RaftdException, InterruptedException {
    Connection c = ctl.connection();
    ask.setLimit(limit);
    ReadLogResponse page = node != null
        ? Cluster.callMember(c, Cluster.ask(c).member(node), request(ask)).getReadLog()
        : c.client().call(request(ask), false, true).getReadLog();
    String compacted = page.getCompacted();  // the first page's: only its start was the one asked for
    String member = page.getMember().getAdminAddress();
    List<LogEntry> entries = new ArrayList<>(page.getEntriesList());
    while (page.getNext() != 0 && entries.size() < limit) {
      ask.setFrom(page.getNext()).setLimit(limit - entries.size());
      page = c.client().callAt(member, request(ask)).getReadLog();
      entries.addAll(page.getEntriesList());
    }
    return new Read(entries, page, compacted);
  }

  private static AdminRequest.Builder request(ReadLogRequest.Builder ask) {
    return AdminRequest.newBuilder().setReadLog(ask);
  }

  /** {@code --node}: whose log the log commands read. */
  static final class Whose {
    @Option(names = "--node", paramLabel = "NAME",
        description = "whose log (default: the member raftctl reaches, the leader when there is one)")
    String node;
  }

  private static CtlException notAnIndex(String option, long value) {
    return new CtlException(ExitCode.USAGE, option + " " + value + " is not a log index: indexes start at 1");
  }

  @Command(name = "list", description = {"One row per entry: its index, term, type, size and what it holds, decoded "
      + "(keys and values cut short, bytes that are not text escaped as \\xNN); then the member's log: its first and "
      + "last index and how far it is committed.",
      "Without --from, the last --limit entries (up to --to). A range that starts before the log (compacted into a "
      + "snapshot) shows what is left and says where the log starts; exit 3 if nothing of it is left."})
  static final class List_ extends CtlCommand {
    @Option(names = "--from", paramLabel = "N", description = "the first index (default: the last --limit entries)")
    Long from;

    @Option(names = "--to", paramLabel = "M", description = "the last index (default: the log's last)")
    Long to;

    @Option(names = "--limit", paramLabel = "K", description = "at most K entries (default: " + DEFAULT_LIMIT + ")")
    int limit = DEFAULT_LIMIT;

    @Mixin
    Whose whose;

    @Override
    int run(Raftctl ctl) throws Exception {
      if (from != null && from < 1) {
        throw notAnIndex("--from", from);
      }
      if (to != null && to < 1) {
        throw notAnIndex("--to", to);
      }
      if (from != null && to != null && from > to) {
        throw new CtlException(ExitCode.USAGE, "--from " + from + " is above --to " + to);
      }
      if (limit < 1) {
        throw new CtlException(ExitCode.USAGE, "--limit " + limit + ": give 1 or more");
      }
      ReadLogRequest.Builder range = ReadLogRequest.newBuilder().setFrom(from == null ? 0 : from)
          .setTo(to == null ? 0 : to);
      Read r = read(ctl, whose.node, range, limit);
      if (r.entries().isEmpty() && !r.compacted().isEmpty()) {
        throw new CtlException(ExitCode.NOT_FOUND, r.compacted());
      }
      ReadLogResponse log = r.last();
      Output out = ctl.output();
      if (out.json) {
        JsonObject o = figures(r);
        o.addProperty("compacted", r.compacted().isEmpty() ? null : r.compacted());
        o.addProperty("next", log.getNext() == 0 ? null : log.getNext());
        JsonArray entries = new JsonArray();
        r.entries().forEach(e -> entries.add(json(e, log.getCommit(), Encoding.utf8)));
        o.add("entries", entries);
        out.json(o);
        return ExitCode.OK;
      }
      List<List<String>> rows = new ArrayList<>();
      for (LogEntry e : r.entries()) {
        rows.add(List.of(Long.toString(e.getIndex()), Long.toString(e.getTerm()),
            e.getType().name().toLowerCase(Locale.ROOT), Long.toString(e.getSize()), e.getSummary()));
      }
      out.table(List.of("INDEX", "TERM", "TYPE", "BYTES", "ENTRY"), rows);
      out.line("");
      out.line(r.member() + "'s log: " + (log.getLastIndex() < log.getFirstIndex() ? "no entries"
          : "entries " + log.getFirstIndex() + ".." + log.getLastIndex()) + ", committed up to " + log.getCommit());
      if (!r.compacted().isEmpty()) {
        out.line(r.compacted());
      }
      if (log.getNext() != 0) {
        out.line("more entries follow: raftctl log list --from " + log.getNext());
      }
      return ExitCode.OK;
    }
  }

  @Command(name = "show", description = {"The entry at INDEX in full: its place, type and size, whether it is "
      + "committed, and everything it holds, keys and values whole (spelt as --encoding says; with utf8, in quotes "
      + "with bytes that are not text escaped as \\xNN), any other command's bytes in hex.",
      "Exit 3 if the member's log does not hold INDEX (compacted into a snapshot, or past its end)."})
  static final class Show extends CtlCommand {
    @Parameters(index = "0", paramLabel = "INDEX", description = "the entry's index in the log")
    long index;

    @Mixin
    Whose whose;

    @Mixin
    EncodingOption encoding;

    @Override
    int run(Raftctl ctl) throws Exception {
      if (index < 1) {
        throw notAnIndex("INDEX", index);
      }
      Read r = read(ctl, whose.node, ReadLogRequest.newBuilder().setFrom(index).setTo(index).setFull(true), 1);
      if (r.entries().isEmpty()) {
        throw new CtlException(ExitCode.NOT_FOUND, !r.compacted().isEmpty() ? r.compacted()
            : "no entry " + index + ": " + r.member() + "'s log ends at " + r.last().getLastIndex());
      }
      LogEntry e = r.entries().get(0);
      long commit = r.last().getCommit();
      Output out = ctl.output();
      if (out.json) {
        JsonObject o = json(e, commit, encoding.encoding);
        o.addProperty("node", r.member());
        out.json(o);
      } else {
        out.fields(fields(e, commit, encoding.encoding));
      }
      return ExitCode.OK;
    }

    private static Map<String, String> fields(LogEntry e, long commit, Encoding encoding) {
      Map<String, String> f = new LinkedHashMap<>();
      f.put("index", Long.toString(e.getIndex()));
      f.put("term", Long.toString(e.getTerm()));
      f.put("type", e.getType().name().toLowerCase(Locale.ROOT));
      f.put("size", Plural.of(e.getSize(), "byte"));
      f.put("committed", e.getIndex() <= commit ? "yes" : "not yet (commit " + commit + ")");
      f.put("kind", e.getKind());
      f.put("entry", e.getSummary());
      if (e.getStampMs() != 0) {
        f.put("stamp", Instant.ofEpochMilli(e.getStampMs()).toString());
      }
      if (e.getSession() != 0) {
        f.put("session", Long.toString(e.getSession()));
      }
      if (e.getSeq() != 0) {
        f.put("seq", Long.toString(e.getSeq()));
      }
      if (e.getSeq() != 0 || e.getKind().equals("keep-alive")) {
        f.put("lowest pending", Long.toString(e.getLowestPending()));
      }
      if (e.getKind().equals("open-session")) {
        f.put("session timeout", e.getSessionTimeoutMs() + " ms");
      }
      if (e.hasKey()) {
        f.put("key", spelt(e.getKey().getBytes(), encoding));
      }
      switch (e.getExpectCase()) {
        case EXPECTED_VALUE -> f.put("expect", "value " + spelt(e.getExpectedValue().getBytes(), encoding));
        case EXPECTED_VERSION -> f.put("expect", "version " + e.getExpectedVersion());
        case EXPECT_ABSENT -> f.put("expect", e.getExpectAbsent() ? "absent" : "present");
        case EXPECT_NOT_SET -> {
          if (e.getKind().equals("cas")) {
            f.put("expect", "nothing (never sets)");
          }
        }
      }
      if (e.hasValue()) {
        boolean opaque = e.getKind().equals("command") || e.getKind().equals("undecodable");
        f.put(opaque ? "data" : e.getKind().equals("cas") ? "new value" : "value", opaque && encoding == Encoding.utf8
            ? ByteText.hex(e.getValue().getBytes()) + " (hex)" : spelt(e.getValue().getBytes(), encoding));
      }
      if (e.hasConfiguration()) {
        ConfigurationChange c = e.getConfiguration();
        f.put("joint", c.getJoint() ? "yes: the voters of both halves decide" : "no");
        f.put("voters", String.join(", ", c.getVotersList()));
        f.put("old voters", c.getOldVotersCount() == 0 ? "not known" : String.join(", ", c.getOldVotersList()));
        f.put("learners", c.getLearnersCount() == 0 ? "none" : String.join(", ", c.getLearnersList()));
        f.put("to promote", c.getToPromoteCount() == 0 ? "none" : String.join(", ", c.getToPromoteList()));
      }
      if (e.getKind().equals("checksum-report")) {
        f.put("mark", Long.toString(e.getMarkIndex()));
        f.put("digest", ByteText.hex(e.getDigest()));
      }
      if (!e.getProblem().isEmpty()) {
        f.put("problem", e.getProblem());
      }
      return f;
    }

    /** With utf8, quoted and escaped (unambiguous, one line); otherwise in that encoding. */
    private static String spelt(ByteString bytes, Encoding encoding) {
      return encoding == Encoding.utf8 ? ByteText.quoted(bytes) : encoding.text(bytes);
    }
  }

  /** The member's log as the last page saw it: whose, where it starts and ends, how far it is committed. */
  private static JsonObject figures(Read r) {
    ReadLogResponse log = r.last();
    JsonObject o = new JsonObject();
    o.addProperty("node", r.member());
    o.addProperty("first_index", log.getFirstIndex());
    o.addProperty("last_index", log.getLastIndex());
    o.addProperty("commit", log.getCommit());
    o.addProperty("snapshot_index", log.getSnapshotIndex());
    o.addProperty("snapshot_term", log.getSnapshotTerm());
    return o;
  }

  private static JsonObject json(LogEntry e, long commit, Encoding encoding) {
    JsonObject o = LogEntryJson.of(e, encoding);
    o.addProperty("committed", e.getIndex() <= commit);
    return o;
  }
}
