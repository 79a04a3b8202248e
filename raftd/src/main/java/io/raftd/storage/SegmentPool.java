package io.raftd.storage;

import io.raftd.walformat.WalFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayDeque;

/**
 * The files of compacted segments, kept (renamed {@code <seq>.free}, blocks and bytes intact) so that new
 * segments are written into them instead of into freshly preallocated files: a fresh file is written
 * twice (zeros, then frames), and writing into never-written blocks costs the file system more on every
 * fsync. The bytes a file held in its earlier lives stay in it; the segment's header says from which
 * generation on ({@link WalFormat}), so recovery reads them as unwritten, never as records.
 *
 * <p>Bounded, so compaction still returns disk space beyond {@link #LIMIT} files. Only files the size of a
 * segment, with a header that checks, are kept. The pool lives in memory: free files left by an earlier
 * run are deleted when the log opens (their headers may be half rewritten), and the pool refills as the
 * log compacts. Owned by the WAL's writer thread.
 */
final class SegmentPool {
  /**
   * At most this many files wait: enough for the segments one compaction frees while the log runs at a
   * steady size, few enough that the disk space they hold (4 × 64 MiB by default) stays small.
   */
  static final int LIMIT = 4;

  /** A file a new segment can be written in: its path, and the oldest generation it holds (0: none). */
  record Blank(Path path, long staleSince) {}

  private final FileIO io;
  private final Path dir;
  private final long segmentBytes;
  private final ArrayDeque<Blank> files = new ArrayDeque<>();

  SegmentPool(FileIO io, Path dir, long segmentBytes) {
    this.io = io;
    this.dir = dir;
    this.segmentBytes = segmentBytes;
  }

  boolean isEmpty() {
    return files.isEmpty();
  }

  /**
   * Closes a compacted segment and renames its file into the pool, or deletes it if the pool is full or
   * the file cannot be reused. The caller syncs the directory.
   */
  void retire(Segment s) throws IOException {
    Blank reusable = files.size() < LIMIT ? reusable(s) : null;
    s.handle.close();
    if (reusable == null) {
      io.delete(s.path);
    } else {
      io.rename(s.path, reusable.path());
      files.addLast(reusable);
    }
  }

  /**
   * The oldest file in the pool that segment {@code seq} may be written in, or null if there is none. A
   * file whose oldest generation is too far behind for the stamps to tell it from {@code seq}'s
   * ({@link WalFormat#GENERATION_SPAN}) is deleted instead.
   */
  Blank take(long seq) throws IOException {
    while (!files.isEmpty()) {
      Blank b = files.pollFirst();
      if (seq - b.staleSince() < WalFormat.GENERATION_SPAN) {
        return b;
      }
      io.delete(b.path());
    }
    return null;
  }

  private Blank reusable(Segment s) throws IOException {
    if (s.handle.size() != segmentBytes) {
      return null;  // grown by an oversized frame, or written with another segment size
    }
    ByteBuffer header = ByteBuffer.allocate(WalFormat.SEGMENT_HEADER_BYTES);
    s.handle.readFully(0, header);
    header.flip();
    if (WalFormat.checkSegmentHeader(header, s.seq, s.firstIndex) != null) {
      return null;
    }
    long staleSince = WalFormat.staleSince(header);
    return new Blank(dir.resolve(String.format("%016x%s", s.seq, WalFormat.FREE_SUFFIX)),
        staleSince == 0 ? s.seq : staleSince);
  }
}
