package io.raftd.daemon;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Whether raftd may use its data directory as the user it runs as: the directory (or, while it does not
 * exist, the nearest existing parent, where it will be created) must be writable, and an existing one
 * must be owned by that user. Files raftd creates are 0600, so a data directory owned by someone else
 * (say, made by root for a raftd user) ends up with files that its owner cannot read: refused before any
 * is made. Only looks.
 */
final class DataDirAccess {
  private DataDirAccess() {}

  static void check(Path dataDir) throws Daemon.StartupException {
    int self = uid(Path.of("/proc/self"));
    if (Files.exists(dataDir)) {
      int owner = uid(dataDir);
      if (self >= 0 && owner >= 0 && owner != self) {
        throw new Daemon.StartupException("data_dir " + dataDir + " is owned by uid " + owner + " (" + mode(dataDir)
            + "), but raftd runs as uid " + self + ": run raftd as uid " + owner + ", or chown -R " + self + " "
            + dataDir);
      }
      requireWritable(dataDir, dataDir, self);
      return;
    }
    Path parent = dataDir.toAbsolutePath().getParent();
    while (parent != null && !Files.exists(parent)) {
      parent = parent.getParent();
    }
    if (parent != null) {
      requireWritable(parent, dataDir, self);
    }
  }

  private static void requireWritable(Path dir, Path dataDir, int self) throws Daemon.StartupException {
    if (!Files.isDirectory(dir) || Files.isWritable(dir) && Files.isReadable(dir) && Files.isExecutable(dir)) {
      return;  // not a directory: the config check says so
    }
    String what = dir.equals(dataDir) ? "data_dir " + dataDir : "data_dir " + dataDir + ": its parent " + dir;
    throw new Daemon.StartupException(what + ": permission denied (owner uid " + uid(dir) + ", " + mode(dir)
        + ", raftd runs as uid " + self + "): give uid " + self + " read, write and search access to " + dir
        + ", e.g. chown " + self + " " + dir + " && chmod 700 " + dir);
  }

  /** The owner's uid; -1 where the file system has no unix attributes. */
  private static int uid(Path p) {
    try {
      return (Integer) Files.getAttribute(p, "unix:uid");
    } catch (IOException | UnsupportedOperationException | IllegalArgumentException e) {
      return -1;
    }
  }

  private static String mode(Path p) {
    try {
      return "mode " + PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    } catch (IOException | UnsupportedOperationException e) {
      return "mode unknown";
    }
  }
}
