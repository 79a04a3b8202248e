package io.raftd.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * A FileIO over the real one that fails on demand: fsyncs, writes to new segments (a full disk), or opens
 * of one file (as the kernel's EACCES reaches Java: for tests that run as root, where chmod stops nothing).
 */
public final class FaultyFileIO implements FileIO {
  private final FileIO real = new NioFileIO();
  boolean failForce;
  volatile boolean diskFull;
  int forcesFailed;
  int writesRefused;
  private volatile Path deniedOpen;

  /** From now on the disk is full (or has space again): preallocating a new segment fails. */
  public FaultyFileIO fillDisk(boolean full) {
    diskFull = full;
    return this;
  }

  /** Opens of {@code file} fail with permission denied from now on. */
  public FaultyFileIO denyOpen(Path file) {
    deniedOpen = file;
    return this;
  }

  @Override
  public Handle open(Path file, boolean create) throws IOException {
    if (file.equals(deniedOpen)) {
      throw new java.nio.file.AccessDeniedException(file.toString());
    }
    Handle h = real.open(file, create);
    boolean preallocation = file.getFileName().toString().endsWith(".tmp");
    return new Handle() {
      @Override
      public long size() throws IOException {
        return h.size();
      }

      @Override
      public int read(long position, ByteBuffer dst) throws IOException {
        return h.read(position, dst);
      }

      @Override
      public void write(long position, ByteBuffer src) throws IOException {
        if (diskFull && preallocation) {
          writesRefused++;
          throw new NoSpaceException("no space left on the device holding " + file, null);
        }
        h.write(position, src);
      }

      @Override
      public void force() throws IOException {
        if (failForce) {
          forcesFailed++;
          throw new IOException("Input/output error");
        }
        h.force();
      }

      @Override
      public void truncate(long size) throws IOException {
        h.truncate(size);
      }

      @Override
      public void close() throws IOException {
        h.close();
      }
    };
  }

  @Override
  public boolean exists(Path file) throws IOException {
    return real.exists(file);
  }

  @Override
  public List<String> list(Path dir) throws IOException {
    return real.list(dir);
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    real.rename(from, to);
  }

  @Override
  public void delete(Path file) throws IOException {
    real.delete(file);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    real.createDirectories(dir);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    real.syncDirectory(dir);
  }
}
