package io.raftd.walformat;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Builds one frame ({@link WalFormat}) from records. Reused from batch to batch. Owned by one thread at a
 * time.
 *
 * <p>Each record goes into the frame's sectors, around the stamps, as it is added: the work of encoding a
 * batch is done by whoever adds the records (in the daemon, while the previous batch's fsync runs), and
 * {@link #encode} is left only the stamps, the frame header and the padding, once the frame's segment and
 * number are known.
 */
public final class FrameEncoder {
  private static final byte[] ZEROS = new byte[WalFormat.SECTOR];

  /** The frame being built, in its physical layout. */
  private ByteBuffer frame = ByteBuffer.allocateDirect(64 << 10);
  private int length;
  private int count;
  /** A record, header and body, on its way into the frame: small enough to stay in the CPU's cache. */
  private byte[] scratch = new byte[4 << 10];
  /** The frame header's fields. */
  private final byte[] header = new byte[16];
  private final CRC32C crc = new CRC32C();

  /**
   * Appends a record.
   *
   * @return the record's offset within the payload
   */
  public int add(RecordType type, MessageLite body) {
    int size = body.getSerializedSize();
    int at = length;
    int recordBytes = WalFormat.RECORD_HEADER + size;
    reserve(at + recordBytes);
    if (scratch.length < recordBytes) {
      scratch = new byte[Math.max(recordBytes, scratch.length * 2)];
    }
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(scratch, WalFormat.RECORD_HEADER, size);
      body.writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);  // writing into an exactly sized array cannot fail
    }
    ByteBuffer.wrap(scratch, 0, WalFormat.RECORD_HEADER).putInt(size)
        .putInt(WalFormat.recordCrc(type.code, scratch, WalFormat.RECORD_HEADER, size)).put(type.code);
    put(WalFormat.FRAME_HEADER_CONTENT + at, scratch, 0, recordBytes);
    length += recordBytes;
    count++;
    return at;
  }

  public int payloadLength() {
    return length;
  }

  /** Physical bytes the frame will take. */
  public int frameBytes() {
    return WalFormat.frameSectors(length) * WalFormat.SECTOR;
  }

  /**
   * The frame, stamped for frame {@code frameNo} of segment {@code segmentSeq}, ready to write (valid
   * until the next call).
   */
  public ByteBuffer encode(long segmentSeq, long frameNo) {
    if (length > WalFormat.MAX_FRAME_PAYLOAD) {
      throw new IllegalStateException("a batch of " + length + " bytes exceeds the frame limit of "
          + WalFormat.MAX_FRAME_PAYLOAD);
    }
    int bytes = frameBytes();
    long stamp = WalFormat.stamp(segmentSeq, frameNo);
    for (int sector = 0; sector < bytes; sector += WalFormat.SECTOR) {
      frame.putLong(sector, stamp);
    }
    crc.reset();
    crc.update(ByteBuffer.wrap(header).putLong(stamp).putInt(length).putInt(count).array(), 0, 16);
    ByteBuffer.wrap(header).putInt(length).putInt(count).putInt((int) crc.getValue());
    put(0, header, 0, WalFormat.FRAME_HEADER_CONTENT);
    // Zeros from the last record to the trailer, a last copy of the stamp in the frame's final bytes: the
    // buffer still holds earlier frames' bytes there. Less than a sector, by frameSectors.
    int recordsEnd = WalFormat.FRAME_HEADER_CONTENT + length;
    int trailerAt = bytes / WalFormat.SECTOR * WalFormat.SECTOR_CONTENT - WalFormat.STAMP_BYTES;
    put(recordsEnd, ZEROS, 0, trailerAt - recordsEnd);
    frame.putLong(bytes - WalFormat.STAMP_BYTES, stamp);
    return frame.duplicate().position(0).limit(bytes);
  }

  public void clear() {
    length = 0;
    count = 0;
  }

  /** Makes room for a payload of {@code payloadLength} bytes, keeping what the frame holds. */
  private void reserve(int payloadLength) {
    int bytes = WalFormat.frameSectors(payloadLength) * WalFormat.SECTOR;
    if (bytes > frame.capacity()) {
      ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(bytes, frame.capacity() * 2));
      bigger.put(frame.duplicate().position(0).limit(frameBytes()));
      frame = bigger;
    }
  }

  /** Copies {@code len} bytes to content offset {@code at}, around the stamps. */
  private void put(int at, byte[] src, int off, int len) {
    while (len > 0) {
      int physical = (int) WalFormat.physicalOffset(at);
      int n = Math.min(len, WalFormat.SECTOR - physical % WalFormat.SECTOR);
      frame.put(physical, src, off, n);
      at += n;
      off += n;
      len -= n;
    }
  }
}
