package io.raftd.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link FileIO} that loses power before its {@code crashAt}-th state-changing call (0-based): that
 * call and every later one throw {@link Crash} without reaching the file system. Counting calls without
 * crashing ({@code crashAt = Long.MAX_VALUE}) tells how many crash points a workload has. State-changing
 * calls: creating opens, writes, forces, truncations, renames, deletions, directory creations and syncs.
 */
final class CrashingFileIO implements FileIO {
  /** The power went out. */
  static final class Crash extends RuntimeException {
    Crash(String at) {
      super("crashed before " + at, null, false, false);
    }
  }

  private final FileIO inner;
  private final long crashAt;
  private long calls;
  private String crashedBefore;
  /** Open handles, named after their file's current name (a segment is renamed while open). */
  private final List<CrashingHandle> handles = new java.util.ArrayList<>();
  /** The file, position and length of the last write that went through. */
  String lastWriteFile;
  long lastWritePosition;
  int lastWriteLength;
  /** If not null, set to the bytes the last write replaced (zeros past the end of the file). */
  byte[] lastOverwritten;

  CrashingFileIO(FileIO inner, long crashAt) {
    this.inner = inner;
    this.crashAt = crashAt;
  }

  /** State-changing calls made (or attempted, the crashing one included). */
  long calls() {
    return calls;
  }

  boolean crashed() {
    return crashedBefore != null;
  }

  /** The call the crash came before, e.g. {@code rename 0000000000000002.tmp -> ....wal}, or null. */
  String crashedBefore() {
    return crashedBefore;
  }

  private void alive() {
    if (crashedBefore != null) {
      throw new Crash(crashedBefore);
    }
  }

  /** Every state-changing call made, if asked for. */
  List<String> log;

  private void step(String what) {
    alive();
    if (log != null) {
      log.add(what);
    }
    if (calls++ == crashAt) {
      crashedBefore = what;
      throw new Crash(what);
    }
  }

  private static String name(Path p) {
    return String.valueOf(p.getFileName());
  }

  @Override
  public Handle open(Path file, boolean create) throws IOException {
    if (create) {
      step("create " + name(file));
    } else {
      alive();
    }
    CrashingHandle h = new CrashingHandle(inner.open(file, create), file);
    handles.add(h);
    return h;
  }

  @Override
  public boolean exists(Path file) throws IOException {
    alive();
    return inner.exists(file);
  }

  @Override
  public List<String> list(Path dir) throws IOException {
    alive();
    return inner.list(dir);
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    step("rename " + name(from) + " -> " + name(to));
    inner.rename(from, to);
    for (CrashingHandle h : handles) {
      if (h.path.equals(from)) {
        h.path = to;
      }
    }
  }

  @Override
  public void delete(Path file) throws IOException {
    step("delete " + name(file));
    inner.delete(file);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    step("mkdir " + name(dir));
    inner.createDirectories(dir);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    step("sync dir " + name(dir));
    inner.syncDirectory(dir);
  }

  @Override
  public long usableSpace(Path dir) throws IOException {
    return inner.usableSpace(dir);
  }

  private final class CrashingHandle implements Handle {
    private final Handle inner;
    private Path path;

    CrashingHandle(Handle inner, Path path) {
      this.inner = inner;
      this.path = path;
    }

    @Override
    public long size() throws IOException {
      alive();
      return inner.size();
    }

    @Override
    public int read(long position, ByteBuffer dst) throws IOException {
      alive();
      return inner.read(position, dst);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
      step("write " + name(path) + " @" + position + "+" + src.remaining());
      lastWriteFile = name(path);
      lastWritePosition = position;
      lastWriteLength = src.remaining();
      if (lastOverwritten != null) {
        // What a crash that loses this write leaves: in a recycled segment, an earlier generation's bytes.
        ByteBuffer old = ByteBuffer.allocate(src.remaining());
        while (old.hasRemaining() && inner.read(position + old.position(), old) > 0) {
          // reads until the end of the file; the rest stays zero
        }
        lastOverwritten = old.array();
      }
      inner.write(position, src);
    }

    @Override
    public void force() throws IOException {
      step("force " + name(path));
      inner.force();
    }

    @Override
    public void truncate(long size) throws IOException {
      step("truncate " + name(path) + " to " + size);
      inner.truncate(size);
    }

    @Override
    public void close() throws IOException {
      handles.remove(this);
      inner.close();
    }
  }
}
