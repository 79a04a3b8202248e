package io.raftd.config;

import io.raftd.datadir.DataDirFile;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;

/**
 * Refuses a data_dir that raftd did not make, before anything is written to it: pointing a member at the
 * wrong directory (a home, another service's data) must fail, not fill it with a WAL. Acceptable: absent
 * (it is created later), empty, or a raftd data directory, which holds an {@value #IDENTITY} file. A
 * filesystem's {@value #LOST_AND_FOUND} is ignored, so a dedicated volume's mount point qualifies.
 * Only looks: creates and writes nothing.
 */
public final class DataDirCheck {
  static final String IDENTITY = DataDirFile.IDENTITY;
  static final String LOST_AND_FOUND = "lost+found";
  /**
   * What a first start makes before it writes the identity, which it writes last: a first start killed
   * before then (Ctrl-C while it waits for its seeds, say) leaves these and no member, so the next first
   * start may use the directory, and clears them.
   */
  public static final List<String> UNFINISHED_FIRST_START = List.of("LOCK", "cluster", "native", "snap", "wal");

  private DataDirCheck() {}

  static void check(RaftdConfig config) throws ConfigException {
    Path dir = config.dataDir();
    String where = config.source() + ": data_dir " + dir;
    if (Files.notExists(dir)) {
      return;
    }
    if (!Files.exists(dir)) {
      // Neither exists nor not: a parent directory denies access.
      throw new ConfigException(where + " cannot be read: expected a directory raftd may read and write");
    }
    if (!Files.isDirectory(dir)) {
      throw new ConfigException(where + " is not a directory: expected an absent or empty directory, "
          + "or one written by raftd");
    }
    if (Files.isRegularFile(dir.resolve(IDENTITY))) {
      return;
    }
    TreeSet<String> foreign = new TreeSet<>(); // sorted, so the entry named is the same every time
    try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
      for (Path entry : entries) {
        String name = entry.getFileName().toString();
        if (!name.equals(LOST_AND_FOUND) && !UNFINISHED_FIRST_START.contains(name)) {
          foreign.add(name);
        }
      }
    } catch (IOException e) {
      throw new ConfigException(where + " cannot be read (" + e + "): expected a directory raftd may read and write");
    }
    if (!foreign.isEmpty()) {
      throw new ConfigException(where + " is not a raftd data directory: it holds " + foreign.first()
          + (foreign.size() > 1 ? " and " + (foreign.size() - 1) + " more" : "") + " but no " + IDENTITY
          + " file; expected an absent or empty directory, or one written by raftd");
    }
  }
}
