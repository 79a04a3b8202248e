package io.raftd.storage;

import io.raftd.datadir.FileFailure;
import io.raftd.datadir.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/** {@link FileIO} over the real file system through NIO: what the daemon and the offline tools use. */
public final class NioFileIO implements FileIO {
  @Override
  public Handle open(Path file, boolean create) throws IOException {
    try {
      FileChannel ch = create
          ? PrivateFiles.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE)
          : PrivateFiles.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE);
      return new NioHandle(file, ch);
    } catch (IOException e) {
      throw classify(e, file);
    }
  }

  @Override
  public boolean exists(Path file) {
    return Files.exists(file);
  }

  @Override
  public List<String> list(Path dir) throws IOException {
    List<String> names = new ArrayList<>();
    try (Stream<Path> s = Files.list(dir)) {
      s.forEach(p -> names.add(p.getFileName().toString()));
    } catch (IOException e) {
      throw FileFailure.explain(e, dir);
    }
    names.sort(null);
    return names;
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    Files.move(from, to, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
  }

  @Override
  public void delete(Path file) throws IOException {
    Files.delete(file);
  }

  @Override
  public void createDirectories(Path dir) throws IOException {
    PrivateFiles.createDirectories(dir);
  }

  @Override
  public long usableSpace(Path dir) throws IOException {
    return Files.getFileStore(dir).getUsableSpace();
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    // On Linux a directory opened for reading can be fsynced, which makes its entries durable.
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  /** ENOSPC reaches Java as an IOException whose message is the C library's text for it. */
  static IOException classify(IOException e, Path file) {
    String m = e.getMessage();
    if (m != null && m.contains("No space left on device")) {
      return new NoSpaceException("no space left on the device holding " + file, e);
    }
    return e;
  }

  private static final class NioHandle implements Handle {
    private final Path file;
    private final FileChannel ch;

    NioHandle(Path file, FileChannel ch) {
      this.file = file;
      this.ch = ch;
    }

    @Override
    public long size() throws IOException {
      return ch.size();
    }

    @Override
    public int read(long position, ByteBuffer dst) throws IOException {
      return ch.read(dst, position);
    }

    @Override
    public void write(long position, ByteBuffer src) throws IOException {
      try {
        long p = position;
        while (src.hasRemaining()) {
          p += ch.write(src, p);
        }
      } catch (IOException e) {
        throw classify(e, file);
      }
    }

    @Override
    public void force() throws IOException {
      // fdatasync: flushes the data and the size (which reading it back needs), not the timestamps.
      ch.force(false);
    }

    @Override
    public void truncate(long size) throws IOException {
      ch.truncate(size);
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }
}
