package io.raftd.storage;

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
 * The exclusive lock on a data directory, held for the life of the process that writes it: the daemon,
 * or an offline tool that repairs it. An OS file lock on {@code <dir>/LOCK}, so it is released when the
 * process dies however it dies; the file holds the holder's pid for the error message.
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
   * @throws DataDirLockedException if another process (or this one) holds it
   */
  public static DataDirLock acquire(Path dataDir) throws IOException {
    Files.createDirectories(dataDir);
    Path file = dataDir.resolve(FILE);
    FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = ch.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null;
    }
    if (lock == null) {
      String holder = new String(Files.readAllBytes(file), StandardCharsets.US_ASCII).trim();
      ch.close();
      throw new DataDirLockedException("data directory " + dataDir + " is in use by another process"
          + (holder.isEmpty() ? "" : " (pid " + holder + ")") + ": stop it first, or point this one at another data_dir");
    }
    ch.truncate(0);
    ch.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII)), 0);
    return new DataDirLock(ch, lock);
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }

  /** The data directory is locked by another process. */
  public static final class DataDirLockedException extends IOException {
    public DataDirLockedException(String message) {
      super(message);
    }
  }
}
