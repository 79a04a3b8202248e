package io.raftd.storage;

import io.raftd.walformat.RecordType;
import io.raftd.walformat.WalFormat;
import java.io.IOException;
import java.nio.file.Path;

/** One segment file of the WAL, open for reading (and, if it is the newest, writing). */
final class Segment {
  final long seq;
  final long firstIndex;
  final Path path;
  final FileIO.Handle handle;
  /** Where the next frame goes. */
  long end;
  /** Frames written so far; the next one is frameCount + 1. */
  long frameCount;

  Segment(long seq, long firstIndex, Path path, FileIO.Handle handle, long end, long frameCount) {
    this.seq = seq;
    this.firstIndex = firstIndex;
    this.path = path;
    this.handle = handle;
    this.end = end;
    this.frameCount = frameCount;
  }

  String name() {
    return path.getFileName().toString();
  }

  /**
   * Reads back the body of the record at {@code offset} ({@code length} content bytes, header included),
   * checking its CRC again: bits can rot after recovery read them.
   */
  byte[] readBody(long offset, int length, RecordType expected) throws IOException {
    byte[] body = WalFormat.readRecordBody(handle, offset, length, expected);
    if (body == null) {
      throw new WalCorruptionException(name() + " at offset " + offset + ": a record read back does not match its checksum");
    }
    return body;
  }

  /**
   * Writes this segment's last frame, the seal naming the segment the log continues in, and forces it.
   * Only once that segment is durable: a sealed newest segment means its successor was lost.
   */
  void seal(long nextSeq, long nextFirstIndex) throws IOException {
    java.nio.ByteBuffer frame = WalFormat.sealFrame(seq, frameCount + 1, nextSeq, nextFirstIndex);
    int bytes = frame.remaining();
    handle.write(end, frame);
    handle.force();
    end += bytes;
    frameCount++;
  }

  @Override
  public String toString() {
    return name();
  }
}
