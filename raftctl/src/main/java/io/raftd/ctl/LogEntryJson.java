package io.raftd.ctl;

import com.google.gson.JsonArray;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import io.raftd.logentry.ByteText;
import io.raftd.proto.ConfigurationChange;
import io.raftd.proto.Excerpt;
import io.raftd.proto.LogEntry;
import java.util.List;
import java.util.Locale;

/**
 * A decoded log entry as JSON, the one shape {@code log list}, {@code log show} and {@code wal dump} print: the same
 * fields for every kind, null where they do not apply. Field names are part of raftctl's contract.
 */
final class LogEntryJson {
  private LogEntryJson() {}

  /** @param encoding how keys, values and payloads are spelt ({@link Encoding#addTo}) */
  static JsonObject of(LogEntry e, Encoding encoding) {
    JsonObject o = new JsonObject();
    o.addProperty("index", e.getIndex());
    o.addProperty("term", e.getTerm());
    o.addProperty("type", e.getType().name().toLowerCase(Locale.ROOT));
    o.addProperty("size", e.getSize());
    o.addProperty("kind", e.getKind());
    o.addProperty("summary", e.getSummary());
    o.addProperty("stamp_ms", e.getStampMs() == 0 ? null : e.getStampMs());
    o.addProperty("session", e.getSession() == 0 ? null : e.getSession());
    o.addProperty("seq", e.getSeq() == 0 ? null : e.getSeq());  // sequence numbers start at 1
    boolean pending = e.getSeq() != 0 || e.getKind().equals("keep-alive");
    o.addProperty("lowest_pending", pending ? e.getLowestPending() : null);
    o.addProperty("session_timeout_ms", e.getKind().equals("open-session") ? e.getSessionTimeoutMs() : null);
    bytes(o, "key", e.hasKey() ? e.getKey() : null, encoding);
    bytes(o, "value", e.hasValue() ? e.getValue() : null, encoding);
    bytes(o, "expected_value", e.hasExpectedValue() ? e.getExpectedValue() : null, encoding);
    o.addProperty("expected_version", e.hasExpectedVersion() ? e.getExpectedVersion() : null);
    o.addProperty("expect_absent", e.hasExpectAbsent() ? e.getExpectAbsent() : null);
    o.addProperty("truncated", truncated(e.getKey()) || truncated(e.getValue()) || truncated(e.getExpectedValue()));
    o.add("configuration", e.hasConfiguration() ? configuration(e.getConfiguration()) : JsonNull.INSTANCE);
    o.addProperty("mark_index", e.getKind().equals("checksum-report") ? e.getMarkIndex() : null);
    o.addProperty("digest", e.getDigest().isEmpty() ? null : ByteText.hex(e.getDigest()));
    o.addProperty("problem", e.getProblem().isEmpty() ? null : e.getProblem());
    return o;
  }

  /** {@code field} (spelt as {@code encoding} says) and {@code field_size}, its size in all; both null if absent. */
  private static void bytes(JsonObject o, String field, Excerpt x, Encoding encoding) {
    if (x == null) {
      o.add(field, JsonNull.INSTANCE);
      o.add(field + "_size", JsonNull.INSTANCE);
      return;
    }
    encoding.addTo(o, field, x.getBytes());
    o.addProperty(field + "_size", x.getSize());
  }

  private static boolean truncated(Excerpt x) {
    return x.getBytes().size() < x.getSize();
  }

  private static JsonObject configuration(ConfigurationChange c) {
    JsonObject o = new JsonObject();
    o.addProperty("joint", c.getJoint());
    o.add("voters", names(c.getVotersList()));
    o.add("old_voters", c.getOldVotersCount() == 0 ? JsonNull.INSTANCE : names(c.getOldVotersList()));
    o.add("learners", names(c.getLearnersList()));
    o.add("to_promote", names(c.getToPromoteList()));
    return o;
  }

  private static JsonArray names(List<String> names) {
    JsonArray a = new JsonArray();
    names.forEach(a::add);
    return a;
  }
}
