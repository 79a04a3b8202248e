package io.raftd.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * A FileIO over the real one that fails on demand: fsyncs, writes to new segments (a full disk), or opens
 * of one file (as the kernel's EACCES reaches Java: for tests that run as root, where chmod stops nothing).
 */
public final class FaultyFileIO extends ForwardingFileIO {
  boolean failForce;
  volatile boolean diskFull;
  int forcesFailed;
  int writesRefused;
  private volatile Path deniedOpen;

  public FaultyFileIO() {
    super(new NioFileIO());
  }

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
    return super.open(file, create);
  }

  @Override
  protected Handle handle(Path file, Handle opened) {
    boolean preallocation = file.getFileName().toString().endsWith(".tmp");
    return new ForwardingHandle(opened) {
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
    };
  }
}
