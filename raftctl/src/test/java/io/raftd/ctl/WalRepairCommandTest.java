package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.raftd.datadir.DataDirFile;
import io.raftd.datadir.DataDirLock;
import io.raftd.proto.VoteBarrier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code raftctl wal repair} on a stopped member's WAL: it says what it drops and asks first, writes
 * nothing unless told "yes" (or --yes), refuses a bad index or a locked directory with nothing written,
 * and leaves a WAL that verifies clean, with a vote barrier.
 */
class WalRepairCommandTest {
  private static final Ctl CTL = new Ctl(Map.of());

  @TempDir Path dataDir;
  private Map<String, byte[]> before;

  @BeforeEach
  void writeWal() throws Exception {
    TestWal.write(dataDir, 100);
    before = TestWal.contents(dataDir);
  }

  private void assertNothingWritten() throws Exception {
    Map<String, byte[]> now = TestWal.contents(dataDir);
    assertEquals(before.keySet(), now.keySet());
    before.forEach((name, bytes) -> assertTrue(java.util.Arrays.equals(bytes, now.get(name)), name + " changed"));
  }

  @Test
  void itAsksAndAnAnswerOtherThanYesWritesNothing() throws Exception {
    Ctl.Result r = CTL.run("no\n", false, "wal", "repair", "--data-dir", dataDir.toString(), "--truncate-after", "60");

    assertEquals(1, r.code(), r.toString());
    assertTrue(r.out().contains("keeps entries 1..60 and drops 61..100 (40 entries)"), r.toString());
    assertTrue(r.out().contains("entries 61..95 are committed: this member forgets them"), r.toString());
    assertTrue(r.out().contains("vote barrier: index 100, term 2"), r.toString());
    assertTrue(r.err().startsWith("Type yes to truncate the WAL: "), r.toString());
    assertTrue(r.err().strip().endsWith("raftctl: not confirmed: nothing was written"), r.toString());
    assertNothingWritten();
    assertFalse(Files.exists(dataDir.resolve(DataDirFile.VOTE_BARRIER)));
  }

  @Test
  void yesTruncatesLeavesABarrierAndAWalThatVerifiesClean() throws Exception {
    Ctl.Result r = CTL.run("yes\n", false, "-o", "json", "wal", "repair", "--data-dir", dataDir.toString(),
        "--truncate-after", "60");

    assertEquals(0, r.code(), r.toString());
    JsonObject o = r.json();
    assertTrue(o.get("repaired").getAsBoolean());
    assertEquals(61, o.get("dropped_from").getAsLong());
    assertEquals(100, o.get("dropped_to").getAsLong());
    assertEquals(95, o.get("commit").getAsLong());
    assertEquals(60, o.get("new_commit").getAsLong());
    assertTrue(o.get("drops_committed").getAsBoolean());
    assertEquals(100, o.getAsJsonObject("vote_barrier").get("index").getAsLong());
    assertEquals(2, o.getAsJsonObject("vote_barrier").get("term").getAsLong());
    VoteBarrier barrier = DataDirFile.read(dataDir.resolve(DataDirFile.VOTE_BARRIER), VoteBarrier.parser());
    assertEquals(100, barrier.getIndex());
    assertEquals(60, barrier.getTruncatedAfter());

    Ctl.Result verify = CTL.run("-o", "json", "wal", "verify", "--data-dir", dataDir.toString());
    assertEquals(0, verify.code(), verify.toString());
    assertEquals(60, verify.json().getAsJsonObject("log").get("last_index").getAsLong());
    assertEquals(60, verify.json().getAsJsonObject("log").get("commit").getAsLong());
  }

  @Test
  void anIndexBeyondTheLastOrBelowZeroIsAUsageErrorAndWritesNothing() throws Exception {
    Ctl.Result beyond = CTL.run("wal", "repair", "--data-dir", dataDir.toString(), "--truncate-after", "101",
        "--yes");
    Ctl.Result negative = CTL.run("wal", "repair", "--data-dir", dataDir.toString(), "--truncate-after", "-1",
        "--yes");

    assertEquals(2, beyond.code(), beyond.toString());
    assertEquals("raftctl: --truncate-after 101 is beyond the last index 100 of the log; nothing was written",
        beyond.err().strip());
    assertEquals("", beyond.out());
    assertEquals(2, negative.code(), negative.toString());
    assertNothingWritten();
  }

  @Test
  void aLockedDataDirectoryIsRefusedAndNothingIsWritten() throws Exception {
    try (DataDirLock raftd = DataDirLock.acquire(dataDir)) {
      before = TestWal.contents(dataDir);  // the lock wrote its pid
      Ctl.Result r = CTL.run("wal", "repair", "--data-dir", dataDir.toString(), "--truncate-after", "60", "--yes");

      assertEquals(1, r.code(), r.toString());
      assertTrue(r.err().strip().startsWith("raftctl: data directory " + dataDir + " is in use by another process (pid "),
          r.toString());
      assertNothingWritten();
    }
  }
}
