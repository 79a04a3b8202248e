package io.raftd.ctl;

import io.raftd.datadir.DataDirFile;
import io.raftd.datadir.DataDirLock;
import io.raftd.walformat.WalScan;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import picocli.CommandLine.Option;

/** The {@code --data-dir} of the offline wal commands: a stopped member's data directory, and its lock. */
final class WalDataDir {
  @Option(names = "--data-dir", required = true, paramLabel = "DIR",
      description = "the member's data_dir (its raftd must be stopped)")
  Path dir;

  /** The WAL directory in it; a directory that holds none is a usage error. */
  Path walDir() throws CtlException {
    Path wal = dir.resolve("wal");
    if (!Files.isDirectory(dir)) {
      throw new CtlException(ExitCode.USAGE, "--data-dir " + dir + ": no such directory");
    }
    if (!Files.isDirectory(wal) && Files.exists(dir.resolve(DataDirFile.CLUSTER))) {
      throw new CtlException(ExitCode.FAILURE, "--data-dir " + dir + ": " + WalScan.directoryProblem(List.of(), true));
    }
    if (!Files.isDirectory(wal)) {
      throw new CtlException(ExitCode.USAGE, "--data-dir " + dir + " holds no wal directory: is it a raftd data_dir?");
    }
    return wal;
  }

  /** Shared: keeps raftd from starting while the WAL is read, and writes nothing. */
  DataDirLock lockForReading() throws CtlException, IOException {
    walDir();
    try {
      return DataDirLock.acquireForReading(dir);
    } catch (DataDirLock.DataDirLockedException e) {
      throw inUse(e);
    }
  }

  /** Exclusive, as raftd takes it: nothing else reads or writes the directory meanwhile. */
  DataDirLock lockForWriting() throws CtlException, IOException {
    walDir();
    try {
      return DataDirLock.acquire(dir);
    } catch (DataDirLock.DataDirLockedException e) {
      throw inUse(e);
    }
  }

  /** A file of the directory could not be read: exit 1, with the file and the reason. */
  CtlException unreadable(IOException e) {
    if (e instanceof DataDirLock.DataDirLockedException locked) {
      return inUse(locked);
    }
    return new CtlException(ExitCode.FAILURE, "the data directory " + dir + " cannot be read: " + e.getMessage());
  }

  private static CtlException inUse(DataDirLock.DataDirLockedException e) {
    return new CtlException(ExitCode.FAILURE, e.getMessage() + ": stop raftd on this member first;"
        + " the wal commands work on a stopped member only");
  }
}
