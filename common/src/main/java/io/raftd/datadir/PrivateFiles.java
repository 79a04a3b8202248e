package io.raftd.datadir;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Set;

/**
 * Creates a member's directories 0700 and its files 0600: the WAL and snapshots hold every value ever
 * written, and the small files who the member is, so no other local user may read them. Everything in a
 * data directory (the daemon's and raftctl's writes alike) is created through here. On a file system
 * without POSIX permissions the modes are left to it.
 */
public final class PrivateFiles {
  private PrivateFiles() {}

  private static final boolean POSIX = FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
  private static final FileAttribute<?>[] DIRECTORY = POSIX
      ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"))}
      : new FileAttribute<?>[0];
  private static final FileAttribute<?>[] FILE = POSIX
      ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))}
      : new FileAttribute<?>[0];

  /** Creates {@code dir} and any missing parents, each 0700. */
  public static void createDirectories(Path dir) throws IOException {
    try {
      Files.createDirectories(dir, DIRECTORY);
    } catch (IOException e) {
      throw FileFailure.explain(e, dir);
    }
  }

  /** Opens {@code file} with {@code options}; if they create it, it is created 0600. */
  public static FileChannel open(Path file, OpenOption... options) throws IOException {
    try {
      return FileChannel.open(file, Set.of(options), FILE);
    } catch (IOException e) {
      throw FileFailure.explain(e, file);
    }
  }
}
