package io.raftd.ctl;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.raftd.walformat.Damage;
import io.raftd.walformat.OfflineWal;
import io.raftd.walformat.WalVerifier;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * What the offline wal commands found in a WAL, and what it means for raftd, in the words and JSON they
 * share: each damage with its file, offset, the entries it affects and the consequence; the log recovery
 * would rebuild; problems that are not one file's.
 */
final class WalFindings {
  /**
   * One damaged segment's damage.
   *
   * @param entriesFrom the first entry index affected, or null if none is (never-written space)
   * @param entriesTo the last, or null if every entry from {@code entriesFrom} on is
   */
  record Finding(Damage damage, boolean preallocated, Long entriesFrom, Long entriesTo, String consequence) {
    String range() {
      return entriesFrom == null ? "no entry" : "entries " + entriesFrom + (entriesTo == null ? " onwards" : ".." + entriesTo);
    }

    String line() {
      return damage.file() + " at offset " + damage.offset() + ": " + damage.what() + " (" + (damage.torn() ? "torn tail"
          : preallocated ? "in never-written preallocated space" : "corruption") + "; " + range() + "): " + consequence;
    }

    JsonObject json() {
      JsonObject o = new JsonObject();
      o.addProperty("file", damage.file());
      o.addProperty("offset", damage.offset());
      o.addProperty("kind", damage.torn() ? "torn" : "corrupt");
      o.addProperty("preallocated", preallocated);
      o.addProperty("what", damage.what());
      o.addProperty("entries_from", entriesFrom);
      o.addProperty("entries_to", entriesTo);
      o.addProperty("consequence", consequence);
      return o;
    }
  }

  private WalFindings() {}

  static List<Finding> of(OfflineWal wal) throws IOException {
    List<Finding> found = new ArrayList<>();
    List<WalVerifier.SegmentReport> segments = wal.report.segments();
    for (int k = 0; k < segments.size(); k++) {
      WalVerifier.SegmentReport s = segments.get(k);
      Damage d = s.damage();
      if (d == null) {
        continue;
      }
      boolean newest = k == segments.size() - 1;
      Long to = newest ? null : wal.segments.get(k + 1).firstIndex() - 1;
      long from = s.lastEntry() > 0 ? s.lastEntry() + 1 : wal.segments.get(k).firstIndex();
      if (d.torn() && !newest) {
        found.add(new Finding(d, false, null, null, "raftd seals it when it starts: a crash interrupted the rollover"
            + " to the next segment before this one was sealed, and nothing was lost"));
      } else if (d.torn()) {
        found.add(new Finding(d, false, from, null, "raftd drops this last batch when it starts: it was never"
            + " fsynced, so never acknowledged; whatever it held from index " + from + " on is lost"));
      } else if (wal.inPreallocatedSpace(s)) {
        found.add(new Finding(d, true, null, null, "raftd refuses to start: space it never wrote does not read as"
            + " zeros; no entry is lost, but the disk changed bytes nobody wrote"));
      } else {
        found.add(new Finding(d, false, from, to, "raftd refuses to start: data it had fsynced changed"));
      }
    }
    return found;
  }

  /** Exit 1, naming the first thing wrong, if anything is. */
  static void failIfDamaged(OfflineWal wal, Path dataDir, List<Finding> findings, List<String> problems)
      throws CtlException {
    if (!wal.clean() || !problems.isEmpty()) {
      throw new CtlException(ExitCode.FAILURE, "the data directory " + dataDir + " is damaged: "
          + (findings.isEmpty() ? problems.get(0) : findings.get(0).line()));
    }
  }

  /** Problems that are no single file's: a missing segment, a log that cannot be rebuilt. */
  static List<String> problems(OfflineWal wal) {
    List<String> problems = new ArrayList<>(wal.report.problems());
    if (wal.unusable != null) {
      problems.add(wal.unusable);
    }
    return problems;
  }

  /** The log as recovery would rebuild it from the part before any damage. */
  static String logLine(OfflineWal wal) {
    StringBuilder b = new StringBuilder("log: ");
    if (wal.log.last() > wal.log.base()) {
      b.append("entries ").append(wal.log.base() + 1).append("..").append(wal.log.last());
    } else {
      b.append("no entries");
    }
    b.append(wal.log.base() > 0 ? " after the snapshot at " + wal.log.base() + " (term " + wal.log.baseTerm() + ")" : "")
        .append("; commit ").append(wal.hardState.getCommit())
        .append("; term ").append(wal.hardState.getTerm())
        .append(wal.hardState.getVotedFor() != 0 ? ", voted for " + Json.id(wal.hardState.getVotedFor()) : "");
    List<long[]> changes = termChanges(wal);
    if (!changes.isEmpty()) {
      b.append("; terms: ");
      for (int i = 0; i < changes.size(); i++) {
        b.append(i == 0 ? "" : ", ").append(changes.get(i)[1]).append(" from ").append(changes.get(i)[0]);
      }
    }
    return b.toString();
  }

  static JsonObject logJson(OfflineWal wal) {
    JsonObject o = new JsonObject();
    o.addProperty("snapshot_index", wal.log.base());
    o.addProperty("snapshot_term", wal.log.baseTerm());
    o.addProperty("first_index", wal.log.base() + 1);
    o.addProperty("last_index", wal.log.last());
    o.addProperty("commit", wal.hardState.getCommit());
    o.addProperty("term", wal.hardState.getTerm());
    o.addProperty("voted_for", wal.hardState.getVotedFor() == 0 ? null : Json.id(wal.hardState.getVotedFor()));
    JsonArray changes = new JsonArray();
    for (long[] c : termChanges(wal)) {
      JsonObject t = new JsonObject();
      t.addProperty("index", c[0]);
      t.addProperty("term", c[1]);
      changes.add(t);
    }
    o.add("term_changes", changes);
    return o;
  }

  /** (index, term) where each term's entries begin in the log. */
  private static List<long[]> termChanges(OfflineWal wal) {
    List<long[]> changes = new ArrayList<>();
    long previous = wal.log.baseTerm();
    for (long i = wal.log.base() + 1; i <= wal.log.last(); i++) {
      long t = wal.log.term(i);
      if (t != previous) {
        changes.add(new long[] {i, t});
        previous = t;
      }
    }
    return changes;
  }
}
