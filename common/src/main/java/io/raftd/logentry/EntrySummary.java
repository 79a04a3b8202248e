package io.raftd.logentry;

import com.google.protobuf.ByteString;
import io.raftd.proto.ConfigurationChange;
import io.raftd.proto.Excerpt;
import io.raftd.proto.LogEntryOrBuilder;
import java.util.List;

/**
 * A decoded entry in one line for people ({@code LogEntry.summary}): {@code put "k"="v" (1 B)}. Keys and values
 * are quoted and escaped ({@link ByteText#quoted}) and cut short after {@link #SHOWN_BYTES}, with "..." after the
 * closing quote and their full size; commands that are not text show their first {@link #SHOWN_HEX_BYTES} bytes
 * in hex. The line stays short whatever the entry holds: {@code raftctl log show} prints the bytes in full.
 */
final class EntrySummary {
  static final int SHOWN_BYTES = 40;
  static final int SHOWN_HEX_BYTES = 16;

  private EntrySummary() {}

  static String of(LogEntryOrBuilder e) {
    return switch (e.getKind()) {
      case "noop" -> "no-op: a new leader's first entry";
      case "config" -> configuration(e.getConfiguration());
      case "open-session" -> "open session " + e.getSession() + " (timeout " + e.getSessionTimeoutMs() + " ms)";
      case "keep-alive" -> "keep-alive session " + e.getSession() + " (lowest pending " + e.getLowestPending() + ")";
      case "close-session" -> "close session " + e.getSession();
      case "checksum-mark" -> "checksum mark: every member digests its state as of here";
      case "checksum-report" -> "checksum report for the mark at " + e.getMarkIndex() + ": SHA-256 "
          + hex(e.getDigest(), e.getDigest().size());
      case "undecodable" -> "undecodable, " + e.getProblem() + (e.getValue().getSize() > 0 ? ": " + hex(e.getValue()) : "");
      default -> inSession(e) + command(e);
    };
  }

  /** A command for the state machine: the store's decoded, any other in hex. */
  private static String command(LogEntryOrBuilder e) {
    return switch (e.getKind()) {
      case "put" -> "put " + text(e.getKey()) + "=" + text(e.getValue()) + " (" + size(e.getValue()) + ")";
      case "delete" -> "delete " + text(e.getKey());
      case "append" -> "append " + text(e.getValue()) + " (" + size(e.getValue()) + ")";
      case "cas" -> "cas " + text(e.getKey()) + " " + expectation(e) + ", set " + text(e.getValue()) + " ("
          + size(e.getValue()) + ")";
      default -> "command " + hex(e.getValue());
    };
  }

  private static String inSession(LogEntryOrBuilder e) {
    return e.getSession() == 0 ? "" : "session " + e.getSession() + " seq " + e.getSeq() + ": ";
  }

  private static String expectation(LogEntryOrBuilder e) {
    return switch (e.getExpectCase()) {
      case EXPECTED_VALUE -> "if " + text(e.getExpectedValue());
      case EXPECTED_VERSION -> "if version " + e.getExpectedVersion();
      case EXPECT_ABSENT -> e.getExpectAbsent() ? "if absent" : "if present";
      case EXPECT_NOT_SET -> "with no expectation (never sets)";
    };
  }

  private static String configuration(ConfigurationChange c) {
    StringBuilder b = new StringBuilder(c.getJoint() ? "config (joint): voters " : "config: voters ");
    boolean changed = !c.getOldVotersList().isEmpty() && !c.getOldVotersList().equals(c.getVotersList());
    if (c.getJoint() || changed) {
      b.append(String.join(", ", c.getOldVotersList())).append(" -> ");
    }
    b.append(String.join(", ", c.getVotersList()));
    if (c.getLearnersCount() == 0) {
      return b.append("; no learners").toString();
    }
    List<String> learners = c.getLearnersList().stream()
        .map(l -> c.getToPromoteList().contains(l) ? l + " (to promote)" : l).toList();
    return b.append("; learners ").append(String.join(", ", learners)).toString();
  }

  private static String text(Excerpt x) {
    ByteString shown = ByteText.head(x.getBytes(), SHOWN_BYTES);
    return ByteText.quoted(shown) + (shown.size() < x.getSize() ? "..." : "");
  }

  private static String hex(Excerpt x) {
    return hex(x.getBytes(), x.getSize());
  }

  /** The first bytes of {@code size} in hex. */
  private static String hex(ByteString bytes, long size) {
    if (size == 0) {
      return "(0 B)";
    }
    ByteString shown = bytes.substring(0, Math.min(SHOWN_HEX_BYTES, bytes.size()));
    return ByteText.hex(shown) + (shown.size() < size ? "..." : "") + " (" + size + " B, hex)";
  }

  private static String size(Excerpt x) {
    return x.getSize() + " B";
  }
}
