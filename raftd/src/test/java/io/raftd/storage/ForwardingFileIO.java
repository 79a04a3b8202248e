package io.raftd.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * A {@link FileIO} that passes every call to another, and its handles' calls to the other's handles: tests
 * override the calls they fail, delay or count ({@link #open} through {@link #handle}).
 */
public class ForwardingFileIO implements FileIO {
  protected final FileIO io;

  public ForwardingFileIO(FileIO io) {
    this.io = io;
  }

  /** A handle that passes every call to another. */
  public static class ForwardingHandle implements Handle {
    protected final Handle h;

    public ForwardingHandle(Handle h) {
      this.h = h;
    }

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
      h.write(position, src);
    }

    @Override
    public void force() throws IOException {
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
  }

  /** Opens through the other, and wraps its handle with {@link #handle}. */
  @Override
  public Handle open(Path file, boolean create) throws IOException {
    return handle(file, io.open(file, create));
  }

  /** The handle {@link #open} returns for {@code file}: by default the other's, as it is. */
  protected Handle handle(Path file, Handle opened) {
    return opened;
  }

  @Override
  public boolean exists(Path file) throws IOException {
    return io.exists(file);
  }

  @Override
  public List<String> list(Path dir) throws IOException {
    return io.list(dir);
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    io.rename(from, to);
  }

  @Override
  public void delete(Path file) throws IOException {
    io.delete(file);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    io.createDirectories(dir);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    io.syncDirectory(dir);
  }

  @Override
  public long usableSpace(Path dir) throws IOException {
    return io.usableSpace(dir);
  }
}
