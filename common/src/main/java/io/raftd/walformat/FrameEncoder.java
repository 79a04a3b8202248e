package io.raftd.walformat;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.zip.CRC32C;

/**
 * Collects records into one frame's payload, then lays the frame out in stamped sectors
 * ({@link WalFormat}). Reused from batch to batch. Owned by one thread.
 */
public final class FrameEncoder {
  private byte[] payload = new byte[64 << 10];
  private int length;
  private int count;
  private ByteBuffer frame = ByteBuffer.allocateDirect(64 << 10);

  /**
   * Appends a record.
   *
   * @return the record's offset within the payload
   */
  public int add(RecordType type, MessageLite body) {
    int size = body.getSerializedSize();
    int at = length;
    ensure(WalFormat.RECORD_HEADER + size);
    int bodyAt = at + WalFormat.RECORD_HEADER;
    try {
      CodedOutputStream out = CodedOutputStream.newInstance(payload, bodyAt, size);
      body.writeTo(out);
      out.checkNoSpaceLeft();
    } catch (IOException e) {
      throw new UncheckedIOException(e);  // writing into an exactly sized array cannot fail
    }
    ByteBuffer.wrap(payload, at, WalFormat.RECORD_HEADER)
        .putInt(size).putInt(WalFormat.recordCrc(type.code, payload, bodyAt, size)).put(type.code);
    length += WalFormat.RECORD_HEADER + size;
    count++;
    return at;
  }

  public boolean isEmpty() {
    return count == 0;
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
    if (frame.capacity() < bytes) {
      frame = ByteBuffer.allocateDirect(Math.max(bytes, frame.capacity() * 2));
    }
    frame.clear().limit(bytes);
    long stamp = WalFormat.stamp(segmentSeq, frameNo);
    ByteBuffer header = ByteBuffer.allocate(16).putLong(stamp).putInt(length).putInt(count);
    CRC32C crc = new CRC32C();
    crc.update(header.array(), 0, 16);
    byte[] headerContent = ByteBuffer.allocate(WalFormat.FRAME_HEADER_CONTENT)
        .putInt(length).putInt(count).putInt((int) crc.getValue()).array();
    int headerDone = 0;
    int payloadDone = 0;
    while (frame.hasRemaining()) {
      frame.putLong(stamp);
      int room = WalFormat.SECTOR_CONTENT;
      int h = Math.min(room, headerContent.length - headerDone);
      frame.put(headerContent, headerDone, h);
      headerDone += h;
      room -= h;
      int p = Math.min(room, length - payloadDone);
      frame.put(payload, payloadDone, p);
      payloadDone += p;
      room -= p;
      for (; room > 0; room--) {
        frame.put((byte) 0);
      }
    }
    frame.putLong(bytes - WalFormat.STAMP_BYTES, stamp);
    return frame.flip();
  }

  public void clear() {
    length = 0;
    count = 0;
  }

  private void ensure(int more) {
    if (length + more > payload.length) {
      payload = java.util.Arrays.copyOf(payload, Math.max(length + more, payload.length * 2));
    }
  }
}
