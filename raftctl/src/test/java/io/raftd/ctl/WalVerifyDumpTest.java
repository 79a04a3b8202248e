package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.raftd.datadir.DataDirLock;
import io.raftd.walformat.RecordType;
import io.raftd.walformat.WalFormat;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code raftctl wal verify} and {@code wal dump} on WALs raftd wrote: a clean one, and copies with a
 * torn tail, a flipped bit in a closed segment, in the last record's length field and in the
 * preallocated space after the log. Each: the exit code, the one error line naming file, offset and
 * entries, and the JSON document (parsed).
 */
class WalVerifyDumpTest {
  private static final Ctl CTL = new Ctl(Map.of());

  private static final long LAST = 100;

  @TempDir Path dataDir;

  @BeforeEach
  void writeWal() throws Exception {
    TestWal.write(dataDir, LAST);
    assertTrue(TestWal.segments(dataDir).size() >= 3, "closed segments and a newest one: " + TestWal.segments(dataDir));
  }

  private Ctl.Result verify() {
    return CTL.run("-o", "json", "wal", "verify", "--data-dir", dataDir.toString());
  }

  private static JsonObject onlyDamage(Ctl.Result r) {
    JsonArray damage = r.json().getAsJsonArray("damage");
    assertEquals(1, damage.size(), r.toString());
    return damage.get(0).getAsJsonObject();
  }

  private static Long longOrNull(JsonObject o, String field) {
    JsonElement e = o.get(field);
    return e.isJsonNull() ? null : e.getAsLong();
  }

  /** The one error line: names the file, the offset and the entries. */
  private static void assertErrorLine(Ctl.Result r, Path file, long offset, String entries) {
    String err = r.err().strip();
    assertEquals(1, err.lines().count(), r.toString());
    assertTrue(err.contains(file.getFileName() + " at offset " + offset), r.toString());
    assertTrue(err.contains(entries), "expected '" + entries + "' in: " + r);
  }

  @Test
  void aCleanWalVerifiesWithItsSegmentsAndLog() {
    Ctl.Result r = verify();

    assertEquals(0, r.code(), r.toString());
    JsonObject o = r.json();
    assertTrue(o.get("clean").getAsBoolean());
    assertEquals(0, o.getAsJsonArray("damage").size());
    JsonObject log = o.getAsJsonObject("log");
    assertEquals(1, log.get("first_index").getAsLong());
    assertEquals(LAST, log.get("last_index").getAsLong());
    assertEquals(LAST - 5, log.get("commit").getAsLong());
    JsonArray changes = log.getAsJsonArray("term_changes");
    assertEquals(2, changes.size(), changes.toString());
    assertEquals(TestWal.TERM_1_UP_TO + 1, changes.get(1).getAsJsonObject().get("index").getAsLong());
    assertEquals(2, changes.get(1).getAsJsonObject().get("term").getAsLong());
    JsonArray segments = o.getAsJsonArray("segments");
    assertEquals(1, segments.get(0).getAsJsonObject().get("first_entry").getAsLong());
    JsonObject newest = segments.get(segments.size() - 1).getAsJsonObject();
    assertEquals(LAST, newest.get("last_entry").getAsLong());
    assertTrue(newest.get("used_bytes").getAsLong() < newest.get("file_bytes").getAsLong(), "preallocated space follows");
    for (JsonElement s : segments) {
      assertEquals("ok", s.getAsJsonObject().get("status").getAsString());
    }

    Ctl.Result table = CTL.run("wal", "verify", "--data-dir", dataDir.toString());
    assertEquals(0, table.code(), table.toString());
    assertTrue(table.out().contains("log: entries 1.." + LAST), table.out());
    assertTrue(table.out().contains("clean: raftd would start from this data directory as it is"), table.out());
  }

  @Test
  void aTornTailIsDamageTooAndSaysWhatRaftdWouldDrop() throws Exception {
    TestWal.append(dataDir, LAST + 1, LAST + 1, 700);  // one frame of two sectors
    List<TestWal.RecordAt> records = TestWal.records(dataDir);
    TestWal.RecordAt entry = records.get(records.size() - 1);
    Path newest = entry.file();
    long frameStart = entry.offset() - WalFormat.STAMP_BYTES - WalFormat.FRAME_HEADER_CONTENT;
    TestWal.zero(newest, frameStart + 512, 512);  // its second sector never reached the disk

    Ctl.Result r = verify();

    assertEquals(1, r.code(), r.toString());
    assertFalse(r.json().get("clean").getAsBoolean());
    JsonObject d = onlyDamage(r);
    assertEquals("torn", d.get("kind").getAsString());
    assertEquals(newest.getFileName().toString(), d.get("file").getAsString());
    assertEquals(frameStart, d.get("offset").getAsLong());
    assertEquals(LAST + 1, d.get("entries_from").getAsLong());
    assertTrue(d.get("entries_to").isJsonNull());
    assertTrue(d.get("consequence").getAsString().contains("raftd drops this last batch"), d.toString());
    assertTrue(d.get("consequence").getAsString().contains("never acknowledged"), d.toString());
    assertEquals(LAST, r.json().getAsJsonObject("log").get("last_index").getAsLong(), "what recovery would keep");
    assertErrorLine(r, newest, frameStart, "entries " + (LAST + 1) + " onwards");
  }

  @Test
  void aFlippedBitInAClosedSegmentIsCorruptionNamingItsEntries() throws Exception {
    Path closed = TestWal.segments(dataDir).get(0);
    TestWal.RecordAt victim = TestWal.records(dataDir).stream()
        .filter(x -> x.file().equals(closed) && x.type() == RecordType.ENTRY && x.offset() % 512 < 400)
        .skip(6).findFirst().orElseThrow();
    TestWal.flipBit(closed, victim.offset() + 20, 1);  // in the entry's body

    Ctl.Result r = verify();

    assertEquals(1, r.code(), r.toString());
    JsonObject d = onlyDamage(r);
    assertEquals("corrupt", d.get("kind").getAsString());
    assertFalse(d.get("preallocated").getAsBoolean());
    assertEquals(closed.getFileName().toString(), d.get("file").getAsString());
    assertEquals(victim.offset(), d.get("offset").getAsLong());
    long from = d.get("entries_from").getAsLong();
    long to = d.get("entries_to").getAsLong();
    JsonObject next = r.json().getAsJsonArray("segments").get(1).getAsJsonObject();
    assertEquals(next.get("first_index_in_name").getAsLong() - 1, to, "up to where the next segment begins");
    assertEquals(from - 1, r.json().getAsJsonObject("log").get("last_index").getAsLong(), "replay stops before it");
    assertTrue(d.get("consequence").getAsString().contains("raftd refuses to start"), d.toString());
    assertErrorLine(r, closed, victim.offset(), "entries " + from + ".." + to);

    Ctl.Result dump = CTL.run("-o", "json", "wal", "dump", "--data-dir", dataDir.toString());
    assertEquals(1, dump.code(), "dump reports the damage too: " + dump);
    assertEquals(1, dump.json().getAsJsonArray("damage").size());
    long entries = 0;
    for (JsonElement e : dump.json().getAsJsonArray("records")) {
      entries += e.getAsJsonObject().get("type").getAsString().equals("entry") ? 1 : 0;
    }
    assertTrue(entries >= from - 1 && entries < LAST, "every readable entry is listed, the damaged frame's not: " + entries);
  }

  @Test
  void aFlippedBitInTheLastRecordsLengthFieldIsCorruptionNotATornTail() throws Exception {
    Path newest = TestWal.segments(dataDir).get(TestWal.segments(dataDir).size() - 1);
    List<TestWal.RecordAt> records = TestWal.records(dataDir);
    TestWal.RecordAt last = records.get(records.size() - 1);
    assertEquals(newest, last.file());
    assertTrue(last.offset() % 512 <= 508, "the length field lies in one sector");
    TestWal.flipBit(newest, last.offset() + 3, 0);  // the low byte of the body length

    Ctl.Result r = verify();

    assertEquals(1, r.code(), r.toString());
    JsonObject d = onlyDamage(r);
    assertEquals("corrupt", d.get("kind").getAsString(), "a flipped bit is never what a crash leaves");
    assertEquals(newest.getFileName().toString(), d.get("file").getAsString());
    assertEquals(last.offset(), d.get("offset").getAsLong());
    assertEquals(LAST - 4, d.get("entries_from").getAsLong(), "the last batch's entries");
    assertTrue(d.get("entries_to").isJsonNull());
    assertErrorLine(r, newest, last.offset(), "entries " + (LAST - 4) + " onwards");
  }

  @Test
  void aFlippedBitInThePreallocatedSpaceIsDamageThatLosesNoEntry() throws Exception {
    Path newest = TestWal.segments(dataDir).get(TestWal.segments(dataDir).size() - 1);
    long size = Files.size(newest);
    TestWal.flipBit(newest, size - 100, 4);

    Ctl.Result r = verify();

    assertEquals(1, r.code(), r.toString());
    JsonObject d = onlyDamage(r);
    assertEquals("corrupt", d.get("kind").getAsString());
    assertTrue(d.get("preallocated").getAsBoolean(), d.toString());
    assertEquals((size - 100) / 512 * 512, d.get("offset").getAsLong());
    assertEquals(null, longOrNull(d, "entries_from"));
    assertEquals(LAST, r.json().getAsJsonObject("log").get("last_index").getAsLong());
    assertErrorLine(r, newest, (size - 100) / 512 * 512, "no entry");
  }

  @Test
  void dumpListsEveryRecordOrTheEntriesOfARange() {
    Ctl.Result all = CTL.run("-o", "json", "wal", "dump", "--data-dir", dataDir.toString());
    assertEquals(0, all.code(), all.toString());
    long entries = 0;
    long hardStates = 0;
    for (JsonElement e : all.json().getAsJsonArray("records")) {
      String type = e.getAsJsonObject().get("type").getAsString();
      entries += type.equals("entry") ? 1 : 0;
      hardStates += type.equals("hard_state") ? 1 : 0;
    }
    assertEquals(LAST, entries);
    assertTrue(hardStates >= LAST / 5, "one per batch, and one at the start of each segment: " + hardStates);

    Ctl.Result range = CTL.run("-o", "json", "wal", "dump", "--data-dir", dataDir.toString(), "--from", "30",
        "--to", "32");
    assertEquals(0, range.code(), range.toString());
    JsonArray records = range.json().getAsJsonArray("records");
    assertEquals(3, records.size(), records.toString());
    for (int i = 0; i < 3; i++) {
      JsonObject e = records.get(i).getAsJsonObject();
      assertEquals("entry", e.get("type").getAsString());
      assertEquals(30 + i, e.get("index").getAsLong());
      assertEquals(TestWal.term(30 + i), e.get("term").getAsLong());
      assertEquals(100, e.get("data_bytes").getAsLong());
    }

    Ctl.Result table = CTL.run("wal", "dump", "--data-dir", dataDir.toString(), "--from", "31", "--to", "31");
    assertTrue(table.out().startsWith("SEGMENT"), table.toString());
    assertTrue(table.out().contains("normal, 100 bytes"), table.toString());

    Ctl.Result backwards = CTL.run("wal", "dump", "--data-dir", dataDir.toString(), "--from", "9", "--to", "3");
    assertEquals(2, backwards.code(), backwards.toString());
    assertEquals("raftctl: --from 9 is above --to 3", backwards.err().strip());
  }

  @Test
  void aRunningMembersWalOrNoWalAtAllIsRefusedInOneLine() throws Exception {
    try (DataDirLock raftd = DataDirLock.acquire(dataDir)) {
      Ctl.Result r = CTL.run("wal", "verify", "--data-dir", dataDir.toString());
      assertEquals(1, r.code(), r.toString());
      assertTrue(r.err().strip().startsWith("raftctl: data directory " + dataDir + " is in use by another process"), r.toString());
      assertTrue(r.err().contains("stop raftd on this member first"), r.toString());
      assertEquals("", r.out());
    }
    Path elsewhere = Files.createDirectory(dataDir.resolve("not-a-member"));
    Ctl.Result r = CTL.run("wal", "verify", "--data-dir", elsewhere.toString());
    assertEquals(2, r.code(), r.toString());
    assertEquals("raftctl: --data-dir " + elsewhere + " holds no wal directory: is it a raftd data_dir?", r.err().strip());
  }
}
