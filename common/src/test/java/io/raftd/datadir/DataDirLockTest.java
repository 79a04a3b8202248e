package io.raftd.datadir;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data directory lock: one writer, or readers; a reader writes nothing. */
class DataDirLockTest {
  @TempDir Path dir;

  @Test
  void theDataDirectoryLockIsExclusive() throws IOException {
    try (DataDirLock held = DataDirLock.acquire(dir)) {
      DataDirLock.DataDirLockedException e = assertThrows(DataDirLock.DataDirLockedException.class,
          () -> DataDirLock.acquire(dir));
      assertTrue(e.getMessage().contains("pid " + ProcessHandle.current().pid()), e.getMessage());
      assertThrows(DataDirLock.DataDirLockedException.class, () -> DataDirLock.acquireForReading(dir),
          "a reader waits for the writer too");
    }
    DataDirLock.acquire(dir).close();  // released with its holder
  }

  @Test
  void aReaderKeepsWritersOutAndCreatesNothing() throws IOException {
    try (DataDirLock reading = DataDirLock.acquireForReading(dir)) {
      assertFalse(Files.exists(dir.resolve(DataDirLock.FILE)), "no LOCK file: no raftd ever ran here");
    }
    DataDirLock.acquire(dir).close();
    byte[] before = Files.readAllBytes(dir.resolve(DataDirLock.FILE));
    try (DataDirLock reading = DataDirLock.acquireForReading(dir)) {
      assertThrows(DataDirLock.DataDirLockedException.class, () -> DataDirLock.acquire(dir));
    }
    assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(dir.resolve(DataDirLock.FILE))), "the reader wrote nothing");
  }
}
