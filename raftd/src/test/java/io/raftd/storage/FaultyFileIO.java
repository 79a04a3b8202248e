package io.raftd.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A FileIO over the real one that fails on demand: fsyncs, writes to new segments (a full disk), or opens
 * of one file (as the kernel's EACCES reaches Java: for tests that run as root, where chmod stops nothing);
 * that holds fsyncs until released (a stalled disk); or that reports as little free space as asked.
 */
public final class FaultyFileIO extends ForwardingFileIO {
  boolean failForce;
  volatile boolean diskFull;
  int forcesFailed;
  int writesRefused;
  private volatile Path deniedOpen;
  /** Set while fsyncs are held: each waits for it. */
  private volatile CountDownLatch forcesHeld;
  /** fsyncs that were held (the fault fired). */
  public final AtomicInteger forcesStalled = new AtomicInteger();
  /** The free space reported, or -1 for the real file system's. */
  private volatile long freeSpace = -1;

  public FaultyFileIO() {
    super(new NioFileIO());
  }

  /** From now on the disk is full (or has space again): preallocating a new segment fails. */
  public FaultyFileIO fillDisk(boolean full) {
    diskFull = full;
    return this;
  }

  /** From now on every fsync waits until {@link #releaseForces}, as on a disk that has stalled. */
  public FaultyFileIO holdForces() {
    forcesHeld = new CountDownLatch(1);
    return this;
  }

  /** Lets the held fsyncs, and those to come, go through. */
  public FaultyFileIO releaseForces() {
    CountDownLatch held = forcesHeld;
    forcesHeld = null;
    if (held != null) {
      held.countDown();
    }
    return this;
  }

  /** Reports {@code bytes} free from now on; -1: the real file system's free space again. */
  public FaultyFileIO freeSpace(long bytes) {
    freeSpace = bytes;
    return this;
  }

  @Override
  public long usableSpace(Path dir) throws IOException {
    long free = freeSpace;
    return free >= 0 ? free : super.usableSpace(dir);
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
        CountDownLatch held = forcesHeld;
        if (held != null) {
          forcesStalled.incrementAndGet();
          try {
            held.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while the fsync was held");
          }
        }
        if (failForce) {
          forcesFailed++;
          throw new IOException("Input/output error");
        }
        h.force();
      }
    };
  }
}
