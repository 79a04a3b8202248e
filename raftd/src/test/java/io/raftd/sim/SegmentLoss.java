package io.raftd.sim;

import io.raftd.walformat.WalFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * The lost-segment disk fault: while a member is down, part of what its WAL had made durable is gone, as
 * a failing disk, a file system that lost metadata or a careless operator can leave it. No crash can (see
 * {@link WalFormat}), so this is damage the WAL must refuse to start from rather than come back with fewer
 * fsynced entries, or an older term and vote, than it recorded.
 */
final class SegmentLoss {
  enum Kind {
    /** The newest segment is deleted. */
    NEWEST_DELETED,
    /** The newest segment is cut at one of its frame boundaries: the frames after it (perhaps none), and its preallocated space, are gone. */
    NEWEST_CUT_AT_FRAME,
    /** The newest segment is cut at a random offset, perhaps inside a frame or its header. */
    NEWEST_CUT_AT_RANDOM_OFFSET,
    /** The wal directory is emptied. */
    ALL_DELETED
  }

  private SegmentLoss() {}

  /** Inflicts one kind of loss, drawn from {@code rnd}, on the segments in {@code walDir}, durably. */
  static Kind inflict(SimFileSystem fs, Path walDir, SplittableRandom rnd) throws IOException {
    List<WalFormat.SegmentId> segments = WalFormat.segments(fs.list(walDir));
    if (segments.isEmpty()) {
      throw new IllegalStateException("no segment to lose: the member's first segment is made before its cluster record");
    }
    Kind kind = Kind.values()[rnd.nextInt(Kind.values().length)];
    Path newest = walDir.resolve(segments.get(segments.size() - 1).name());
    switch (kind) {
      case NEWEST_DELETED -> fs.delete(newest);
      case NEWEST_CUT_AT_FRAME -> {
        List<Long> boundaries = frameBoundaries(fs, newest);
        cut(fs, newest, boundaries.get(rnd.nextInt(boundaries.size())));
      }
      case NEWEST_CUT_AT_RANDOM_OFFSET -> cut(fs, newest, rnd.nextLong(sizeOf(fs, newest)));
      case ALL_DELETED -> {
        for (WalFormat.SegmentId s : segments) {
          fs.delete(walDir.resolve(s.name()));
        }
      }
    }
    fs.syncDirectory(walDir);
    return kind;
  }

  /**
   * Where the segment's frames start, and where its last one ends: every frame starts on a sector
   * boundary, and every sector of a frame begins with the frame's stamp, so a frame starts where the
   * stamp's frame number changes, and the data end where no stamp follows (preallocated zeros).
   */
  static List<Long> frameBoundaries(SimFileSystem fs, Path segment) throws IOException {
    List<Long> boundaries = new ArrayList<>();
    try (var h = fs.open(segment, false)) {
      long size = h.size();
      long previousFrame = -1;
      long at = WalFormat.SEGMENT_HEADER_BYTES;
      for (; at + WalFormat.STAMP_BYTES <= size; at += WalFormat.SECTOR) {
        ByteBuffer stamp = ByteBuffer.allocate(WalFormat.STAMP_BYTES);
        h.readFully(at, stamp);
        long s = stamp.getLong(0);
        if (s >>> 56 != 0xA5) {
          break;
        }
        if ((s & 0xFFFF_FFFFL) != previousFrame) {
          boundaries.add(at);
          previousFrame = s & 0xFFFF_FFFFL;
        }
      }
      boundaries.add(Math.min(at, size));
    }
    return boundaries;
  }

  private static long sizeOf(SimFileSystem fs, Path file) throws IOException {
    try (var h = fs.open(file, false)) {
      return h.size();
    }
  }

  private static void cut(SimFileSystem fs, Path file, long size) throws IOException {
    try (var h = fs.open(file, false)) {
      h.truncate(size);
      h.force();
    }
  }
}
