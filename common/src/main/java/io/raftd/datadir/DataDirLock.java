package io.raftd.datadir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The lock on a data directory: an OS file lock on {@code <dir>/LOCK}, so it is released when its holder
 * dies however it dies. Whoever writes the directory (the daemon, or {@code raftctl wal repair}) holds it
 * exclusively for as long as it writes, and the file holds its pid for the error message; an offline
 * reader ({@code raftctl wal verify}) holds it shared, which keeps a daemon from starting meanwhile and
 * writes nothing.
 */
public final class DataDirLock implements AutoCloseable {
  public static final String FILE = "LOCK";

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock exclusively, creating the directory if needed.
   *
   * @throws DataDirLockedException if another process (or this one) holds it
   */
  public static DataDirLock acquire(Path dataDir) throws IOException {
    PrivateFiles.createDirectories(dataDir);
    Path file = dataDir.resolve(FILE);
    FileChannel ch = PrivateFiles.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock = tryLock(ch, false);
    if (lock == null) {
      throw locked(dataDir, ch);
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
    return new DataDirLock(ch, lock);
  }

  /**
   * Takes the lock shared, to read a stopped member's files. A directory without a LOCK file has never
   * been used by raftd: there is nothing to lock, and nothing is created.
   *
   * @throws DataDirLockedException if a writer holds it
   */
  public static DataDirLock acquireForReading(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE);
    if (!Files.exists(file)) {
      return new DataDirLock(null, null);
    }
    FileChannel ch = PrivateFiles.open(file, StandardOpenOption.READ);
    FileLock lock = tryLock(ch, true);
    if (lock == null) {
      throw locked(dataDir, ch);
    }
    return new DataDirLock(ch, lock);
  }

  private static FileLock tryLock(FileChannel ch, boolean shared) throws IOException {
    try {
      return ch.tryLock(0, Long.MAX_VALUE, shared);
    } catch (OverlappingFileLockException e) {
      return null;  // this process holds it already
    }
  }

  private static DataDirLockedException locked(Path dataDir, FileChannel ch) throws IOException {
    String holder = new String(Files.readAllBytes(dataDir.resolve(FILE)), StandardCharsets.US_ASCII).trim();
    ch.close();
    return new DataDirLockedException("data directory " + dataDir + " is in use by another process"
        + (holder.isEmpty() ? "" : " (pid " + holder + ")"));
  }

  @Override
  public void close() throws IOException {
    if (channel != null) {
      lock.release();
      channel.close();
    }
  }

  /** The data directory is locked by another process: the message names the directory and the holder's pid. */
  public static final class DataDirLockedException extends IOException {
    public DataDirLockedException(String message) {
      super(message);
    }
  }
}
