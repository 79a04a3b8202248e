package io.raftd.sim;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.storage.FileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The simulated file system keeps its crash model: forced bytes survive, unforced ones only by whole sectors. */
class SimFileSystemTest {
  private static final Path DIR = Path.of("/data");
  private static final Path FILE = DIR.resolve("wal-1");

  @Test
  void forcedBytesAlwaysSurviveAndUnforcedOnesSurviveOnlyByWholeSectors() throws IOException {
    byte[] old = filled(3 * SimFileSystem.SECTOR, (byte) 1);
    byte[] fresh = filled(3 * SimFileSystem.SECTOR, (byte) 2);
    int none = 0;
    int all = 0;
    int partial = 0;
    for (long seed = 0; seed < 200; seed++) {
      SimFileSystem fs = new SimFileSystem();
      fs.createDirectories(DIR);
      try (FileIO.Handle h = fs.open(FILE, true)) {
        h.write(0, ByteBuffer.wrap(old));
        h.force();
        h.write(0, ByteBuffer.wrap(fresh));
      }
      fs.syncDirectory(DIR);
      fs.crash(new SplittableRandom(seed));
      byte[] after = read(fs, FILE);
      assertEquals(old.length, after.length);
      int freshSectors = 0;
      for (int s = 0; s < 3; s++) {
        byte[] sector = Arrays.copyOfRange(after, s * SimFileSystem.SECTOR, (s + 1) * SimFileSystem.SECTOR);
        boolean isOld = Arrays.equals(sector, Arrays.copyOfRange(old, 0, SimFileSystem.SECTOR));
        boolean isFresh = Arrays.equals(sector, Arrays.copyOfRange(fresh, 0, SimFileSystem.SECTOR));
        assertTrue(isOld || isFresh, "seed " + seed + ": sector " + s + " is torn inside");
        freshSectors += isFresh ? 1 : 0;
      }
      none += freshSectors == 0 ? 1 : 0;
      all += freshSectors == 3 ? 1 : 0;
      partial += freshSectors == 1 || freshSectors == 2 ? 1 : 0;
    }
    assertTrue(none > 0 && all > 0 && partial > 0, "outcomes none/all/partial: " + none + "/" + all + "/" + partial);
  }

  @Test
  void aForcedWriteSurvivesEveryCrash() throws IOException {
    for (long seed = 0; seed < 50; seed++) {
      SimFileSystem fs = new SimFileSystem();
      fs.createDirectories(DIR);
      byte[] data = filled(700, (byte) 7);
      try (FileIO.Handle h = fs.open(FILE, true)) {
        h.write(0, ByteBuffer.wrap(data));
        h.force();
      }
      fs.syncDirectory(DIR);
      fs.crash(new SplittableRandom(seed));
      assertArrayEquals(data, read(fs, FILE));
    }
  }

  @Test
  void nameChangesSurviveOnlyADirectorySync() throws IOException {
    SimFileSystem fs = new SimFileSystem();
    fs.createDirectories(DIR);
    try (FileIO.Handle h = fs.open(DIR.resolve("snap.tmp"), true)) {
      h.write(0, ByteBuffer.wrap(filled(10, (byte) 3)));
      h.force();
    }
    fs.syncDirectory(DIR);
    fs.rename(DIR.resolve("snap.tmp"), DIR.resolve("snap"));
    SimFileSystem.CrashOutcome out = fs.crash(new SplittableRandom(1));
    assertEquals(List.of("snap.tmp"), fs.list(DIR), "an unsynced rename is undone");
    assertEquals(2, out.nameChangesUndone());

    fs.rename(DIR.resolve("snap.tmp"), DIR.resolve("snap"));
    fs.syncDirectory(DIR);
    fs.crash(new SplittableRandom(2));
    assertEquals(List.of("snap"), fs.list(DIR));
    assertFalse(fs.exists(DIR.resolve("snap.tmp")));
  }

  private static byte[] read(SimFileSystem fs, Path file) throws IOException {
    try (FileIO.Handle h = fs.open(file, false)) {
      ByteBuffer buf = ByteBuffer.allocate((int) h.size());
      while (buf.hasRemaining() && h.read(buf.position(), buf) > 0) {
        // read until full
      }
      return buf.array();
    }
  }

  private static byte[] filled(int n, byte b) {
    byte[] a = new byte[n];
    Arrays.fill(a, b);
    return a;
  }
}
