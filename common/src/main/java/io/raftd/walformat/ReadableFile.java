package io.raftd.walformat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;

/** A file the WAL format is read from: the daemon's storage layer and the offline tools both provide one. */
public interface ReadableFile {
  /** A channel open for reading, as the offline tools have them. */
  static ReadableFile of(FileChannel ch) {
    return new ReadableFile() {
      @Override
      public long size() throws IOException {
        return ch.size();
      }

      @Override
      public int read(long position, ByteBuffer dst) throws IOException {
        return ch.read(dst, position);
      }
    };
  }

  long size() throws IOException;

  /** Reads up to {@code dst.remaining()} bytes at {@code position}; -1 at the end of the file. */
  int read(long position, ByteBuffer dst) throws IOException;

  /** Fills {@code dst} from {@code position}; bytes past the end of the file read as zeros. */
  default void readFully(long position, ByteBuffer dst) throws IOException {
    long p = position;
    while (dst.hasRemaining()) {
      int n = read(p, dst);
      if (n < 0) {
        while (dst.hasRemaining()) {
          dst.put((byte) 0);
        }
        return;
      }
      p += n;
    }
  }
}
