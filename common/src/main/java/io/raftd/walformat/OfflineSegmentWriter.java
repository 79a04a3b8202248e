package io.raftd.walformat;

import com.google.protobuf.MessageLite;
import io.raftd.datadir.PrivateFiles;
import io.raftd.proto.Entry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes one WAL segment offline, for raftctl's tools that rewrite a member's log (wal repair, recover,
 * snapshot restore): records in frames of about {@link #FRAME_PAYLOAD} bytes after the header, which the
 * caller writes with the size the frames came to ({@link #writeHeader}). The caller forces the file.
 */
final class OfflineSegmentWriter {
  /** Frames a copied log is cut into: large enough to be few, far below {@link WalFormat#MAX_FRAME_PAYLOAD}. */
  private static final int FRAME_PAYLOAD = 1 << 20;

  private final FileChannel out;
  private final WalFormat.SegmentId target;
  private final FrameEncoder frame = new FrameEncoder();
  private long end = WalFormat.SEGMENT_HEADER_BYTES;
  private long frameNo = 1;

  OfflineSegmentWriter(FileChannel out, WalFormat.SegmentId target) {
    this.out = out;
    this.target = target;
  }

  void add(RecordType type, MessageLite body) throws IOException {
    frame.add(type, body);
    if (frame.payloadLength() >= FRAME_PAYLOAD) {
      flush();
    }
  }

  /** {@code wal}'s snapshot record (if it has one) and its entries after its base up to {@code upTo}, each read back and checked. */
  void copyLog(OfflineWal wal, long upTo) throws IOException {
    if (wal.snapshot.getIndex() > 0) {
      add(RecordType.SNAPSHOT_INSTALLED, wal.snapshot);
    }
    try (Entries entries = new Entries(wal)) {
      for (long i = wal.log.base() + 1; i <= upTo; i++) {
        add(RecordType.ENTRY, entries.read(i));
      }
    }
  }

  /** Writes what is left in the last frame; returns where the frames end. */
  long finish() throws IOException {
    if (frame.payloadLength() > 0) {
      flush();
    }
    return end;
  }

  /** The segment's header, saying it is {@code size} bytes long. */
  void writeHeader(long size) throws IOException {
    // Always a new file, holding no earlier generation.
    write(out, 0, WalFormat.segmentHeader(target.seq(), target.firstIndex(), size, 0), WalFormat.SEGMENT_HEADER_BYTES);
  }

  private void flush() throws IOException {
    int bytes = frame.frameBytes();
    write(out, end, frame.encode(target.seq(), frameNo++), end + bytes);
    frame.clear();
    end += bytes;
  }

  /** Writes {@code b} at {@code from}, over and over, until {@code to} (once, for a buffer that fills the run). */
  static void write(FileChannel out, long from, ByteBuffer b, long to) throws IOException {
    for (long at = from; at < to; ) {
      ByteBuffer chunk = b.duplicate();
      chunk.limit((int) Math.min(chunk.limit(), chunk.position() + (to - at)));
      while (chunk.hasRemaining()) {
        at += out.write(chunk, at);
      }
    }
  }

  /** Entries read back from an offline WAL's segments, each checked again, through channels open until closed. */
  static final class Entries implements AutoCloseable {
    private final OfflineWal wal;
    private final List<FileChannel> open = new ArrayList<>();

    Entries(OfflineWal wal) throws IOException {
      this.wal = wal;
      try {
        for (WalFormat.SegmentId s : wal.segments) {
          open.add(PrivateFiles.open(wal.dir.resolve(s.name()), StandardOpenOption.READ));
        }
      } catch (IOException e) {
        close();
        throw e;
      }
    }

    /** Entry {@code index}, read back from its record; fails if it no longer reads as it did when scanned. */
    Entry read(long index) throws IOException {
      int k = wal.log.segmentOf(index);
      ReadableFile file = ReadableFile.of(open.get(k));
      long offset = wal.log.offsetOf(index);
      byte[] body = WalFormat.readRecordBody(file, offset, wal.log.lengthOf(index), RecordType.ENTRY);
      Entry e = body == null ? null : Entry.parseFrom(body);
      if (e == null || e.getIndex() != index) {
        throw new IOException(wal.segments.get(k).name() + " at offset " + offset + ": entry " + index
            + " no longer reads back as it did a moment ago (is something writing this WAL?); nothing was changed");
      }
      return e;
    }

    @Override
    public void close() throws IOException {
      for (FileChannel ch : open) {
        ch.close();
      }
    }
  }
}
