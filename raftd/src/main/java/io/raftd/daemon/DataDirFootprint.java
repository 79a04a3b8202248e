package io.raftd.daemon;

import io.raftd.datadir.DataDirLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What a data directory held before a start, so that a start that fails puts it back: it deletes every
 * file and directory the start made and restores the LOCK file's bytes (the lock writes its pid there).
 * A failed first start thus leaves no half-made member behind, whose one-node cluster or member id would
 * make the corrected config's start be refused. Taken before anything is written.
 */
final class DataDirFootprint {
  private final Path dataDir;
  private final Set<Path> before = new HashSet<>();
  private final byte[] lockBytes;

  private DataDirFootprint(Path dataDir, byte[] lockBytes) {
    this.dataDir = dataDir;
    this.lockBytes = lockBytes;
  }

  static DataDirFootprint of(Path dataDir) throws IOException {
    Path lock = dataDir.resolve(DataDirLock.FILE);
    DataDirFootprint f = new DataDirFootprint(dataDir, Files.isRegularFile(lock) ? Files.readAllBytes(lock) : null);
    if (Files.exists(dataDir)) {
      try (Stream<Path> all = Files.walk(dataDir)) {
        all.forEach(f.before::add);
      }
    }
    return f;
  }

  /**
   * Deletes what was made since, deepest first; the data directory itself too if it did not exist. Call
   * while still holding the lock, once every thread that writes there has stopped.
   */
  void restore() throws IOException {
    if (!Files.exists(dataDir)) {
      return;
    }
    List<Path> made;
    try (Stream<Path> all = Files.walk(dataDir)) {
      made = all.filter(p -> !before.contains(p)).sorted(Comparator.reverseOrder()).toList();
    }
    for (Path p : made) {
      Files.deleteIfExists(p);
    }
    if (lockBytes != null) {
      Files.write(dataDir.resolve(DataDirLock.FILE), lockBytes);
    }
  }
}
