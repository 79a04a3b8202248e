package io.raftd.walformat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.proto.SegmentSeal;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * Reads one segment frame by frame and decides, at the first frame that does not check, whether it is
 * a torn tail or corruption. The rule rests on the stamps ({@link WalFormat}): a crash can only leave
 * the last batch of the newest segment incomplete, with sectors lost or cut off (reading as they did
 * before: <i>unwritten</i>, that is zeros, or in a recycled file a sector of an earlier generation), while
 * a flipped bit never zeroes a stamp or forges this generation's. So damage is torn only if it lies in the
 * newest segment's last frame, that frame shows what a crash leaves (an unwritten sector, a missing
 * trailer, or a header sector holding only the start of its stamp) and nothing written follows it but
 * sectors of that same frame; a frame whose first sector is unwritten, with nothing written after it, is
 * the end of the log; everything else is corruption. Records are delivered only for frames that check
 * completely. In a fresh file "written" means non-zero, as it always did; in a recycled file stale frames
 * of earlier generations after the tail are unwritten, so they end the log and are never read as records.
 *
 * <p>A segment file shorter than the size its header says it was preallocated to is corruption too,
 * wherever it was cut: a crash never shrinks a file, so the bytes past the cut were lost after they were
 * synced. The rules across segments (seals, missing segments) are {@link WalScan}'s.
 */
public final class SegmentScanner {
  private SegmentScanner() {}

  /** Receives the records of each sound frame, in order. */
  public interface Visitor {
    /**
     * @param offset the absolute file offset where the record's header starts
     * @param length the record's content length (header and body, stamps not counted)
     */
    void record(RecordType type, byte[] body, long offset, int length);
  }

  /**
   * @param end where the next frame goes: just past the last sound frame
   * @param frames sound frames read
   * @param damage null if the segment reads cleanly to its end
   */
  public record Result(long end, long frames, Damage damage, SegmentSeal seal, boolean truncated) {
    Result(long end, long frames, Damage damage) {
      this(end, frames, damage, null, false);
    }

    Result withSeal(SegmentSeal s) {
      return new Result(end, frames, damage, s, truncated);
    }
  }

  private record Pending(RecordType type, byte[] body, long offset, int length) {}

  /**
   * @param newest whether a crash can have left this segment's last frame torn: the newest segment (its
   *     last batch), or the one before it (its seal; {@link WalScan} decides whether that is allowed)
   */
  public static Result scan(ReadableFile file, String name, long seq, long firstIndex, boolean newest, Visitor visitor)
      throws IOException {
    ByteBuffer header = ByteBuffer.allocate(WalFormat.SEGMENT_HEADER_BYTES);
    file.readFully(0, header);
    long size = file.size();
    String badHeader = size < WalFormat.SEGMENT_HEADER_BYTES ? "segment cut to " + size + " bytes, shorter than its"
        + " header: everything it held is lost"
        : WalFormat.checkSegmentHeader(header.flip(), seq, firstIndex);
    if (badHeader != null) {
      return new Result(0, 0, new Damage(Damage.Kind.CORRUPT, name, 0, badHeader), null, size < WalFormat.SEGMENT_HEADER_BYTES);
    }
    long preallocated = WalFormat.preallocatedBytes(header);
    Life life = new Life(seq, WalFormat.staleSince(header));
    SegmentSeal[] seal = new SegmentSeal[1];
    Visitor sealing = (type, body, offset, length) -> {
      if (type == RecordType.SEGMENT_SEALED) {
        try {
          seal[0] = SegmentSeal.parseFrom(body);
        } catch (InvalidProtocolBufferException e) {
          seal[0] = SegmentSeal.getDefaultInstance();  // the replay reports it as undecodable
        }
      }
      visitor.record(type, body, offset, length);
    };
    Result r = frames(file, name, life, newest, sealing, seal).withSeal(seal[0]);
    if (size < preallocated && (r.damage() == null || r.damage().torn())) {
      return new Result(r.end(), r.frames(), new Damage(Damage.Kind.CORRUPT, name, size, "segment cut to " + size
          + " of the " + preallocated + " bytes it was preallocated with (a crash never shrinks a segment): whatever"
          + " it held after its last sound frame at offset " + r.end() + " is lost, and the WAL cannot say how much"),
          r.seal(), true);
    }
    return r;
  }

  /**
   * The life of a segment's file that is being read: which sectors this life wrote. A sector is unwritten if
   * it is all zeros or, in a recycled file, begins with the stamp of an earlier generation.
   */
  private record Life(long seq, long staleSince) {
    boolean unwritten(ByteBuffer b, int at, int length) {
      return allZero(b, at, length) || (length >= WalFormat.STAMP_BYTES && WalFormat.staleStamp(b.getLong(at), seq, staleSince));
    }
  }

  private static Result frames(ReadableFile file, String name, Life life, boolean newest, Visitor visitor,
      SegmentSeal[] seal) throws IOException {
    long seq = life.seq();
    long pos = WalFormat.SEGMENT_HEADER_BYTES;
    long frameNo = 1;
    long size = file.size();
    ByteBuffer sector = ByteBuffer.allocate(WalFormat.SECTOR);
    // Reused from frame to frame: records are copied out of it before the next frame is read.
    ByteBuffer frameBuffer = ByteBuffer.allocate(64 << 10);
    while (pos < size) {
      long stamp = WalFormat.stamp(seq, frameNo);
      sector.clear();
      file.readFully(pos, sector);
      sector.flip();
      if (life.unwritten(sector, 0, WalFormat.SECTOR)) {
        if (!allZero(sector, 0, WalFormat.SECTOR) && headerChecks(sector, stamp)) {
          // An earlier generation's header never checks under this frame's stamp: the CRC covers the stamp.
          return new Result(pos, frameNo - 1, new Damage(Damage.Kind.CORRUPT, name, pos, "frame " + frameNo
              + " header is stamped with an earlier generation but checks with this one: a flipped bit"));
        }
        long stray = straySector(file, life, pos, stamp);
        if (stray >= 0) {
          return new Result(pos, frameNo - 1, new Damage(Damage.Kind.CORRUPT, name, stray,
              "unexpected bytes after the end of the log at frame " + frameNo));
        }
        if (firstWritten(file, life, pos) >= 0) {
          return new Result(pos, frameNo - 1, torn(newest, name, pos, "frame " + frameNo + " lost its first sector"));
        }
        return new Result(pos, frameNo - 1, null);
      }
      if (seal[0] != null) {
        return new Result(pos, frameNo - 1, new Damage(Damage.Kind.CORRUPT, name, pos,
            "bytes after the seal at frame " + frameNo + " (nothing is written to a sealed segment)"));
      }
      int payloadLength = sector.getInt(WalFormat.STAMP_BYTES);
      int count = sector.getInt(WalFormat.STAMP_BYTES + 4);
      if (sector.getLong(0) != stamp || !headerChecks(sector, stamp)) {
        // Torn only if the sector is a cut-off start of this frame (its stamp, then zeros to the end) and
        // nothing follows; a header whose sync completed has a full frame after it.
        boolean cutOff = stampPrefix(sector, stamp) && allZero(sector, WalFormat.SECTOR - WalFormat.STAMP_BYTES,
            WalFormat.STAMP_BYTES) && firstWritten(file, life, pos + WalFormat.SECTOR) < 0;
        String what = "frame " + frameNo + " header damaged";
        return new Result(pos, frameNo - 1, cutOff ? torn(newest, name, pos, what)
            : new Damage(Damage.Kind.CORRUPT, name, pos, what));
      }
      int sectors = WalFormat.frameSectors(payloadLength);
      if (frameBuffer.capacity() < sectors * WalFormat.SECTOR) {
        frameBuffer = ByteBuffer.allocate(Math.max(sectors * WalFormat.SECTOR, 2 * frameBuffer.capacity()));
      }
      ByteBuffer frame = frameBuffer.clear().limit(sectors * WalFormat.SECTOR);
      file.readFully(pos, frame);
      frame.flip();
      long end = pos + (long) sectors * WalFormat.SECTOR;
      List<Pending> records = new ArrayList<>();
      String damage = null;
      long[] damageAt = {pos};
      // What a crash leaves: a sector it did not write, or a frame cut off before its trailer.
      boolean incomplete = allZero(frame, frame.limit() - WalFormat.STAMP_BYTES, WalFormat.STAMP_BYTES);
      boolean onlyStale = true;
      for (int s = 0; s < sectors; s++) {
        int at = s * WalFormat.SECTOR;
        if (life.unwritten(frame, at, WalFormat.SECTOR)) {
          incomplete = true;
          onlyStale &= !allZero(frame, at, WalFormat.SECTOR);
          if (damage == null) {
            damage = "frame " + frameNo + " sector " + s + " of " + sectors + (allZero(frame, at, WalFormat.SECTOR)
                ? " reads as zeros" : " still holds an earlier generation's bytes");
            damageAt[0] = pos + at;
          }
        } else if (frame.getLong(at) != stamp) {
          onlyStale = false;
          if (damage == null) {
            damage = "frame " + frameNo + " sector " + s + " carries a foreign stamp";
            damageAt[0] = pos + at;
          }
        }
      }
      boolean trailer = frame.getLong(frame.limit() - WalFormat.STAMP_BYTES) == stamp;
      if (damage == null && !trailer) {
        damage = "frame " + frameNo + " trailer damaged";
        damageAt[0] = end - WalFormat.STAMP_BYTES;
      }
      if (damage == null) {
        damage = content(frame, pos, payloadLength, count, frameNo, records, damageAt);
      } else if (onlyStale && trailer && content(frame, pos, payloadLength, count, frameNo, new ArrayList<>(),
          new long[1]) == null) {
        // Sectors stamped with an earlier generation whose content completes this frame, records and CRCs
        // and all, were written by this frame: a flipped bit in a stamp, not a sector the crash lost.
        damage += ", but its content belongs to this frame: a flipped bit in its stamp";
        incomplete = false;
      }
      if (damage != null) {
        boolean tornTail = incomplete && firstWritten(file, life, end) < 0;
        Damage d = tornTail ? torn(newest, name, pos, damage) : new Damage(Damage.Kind.CORRUPT, name, damageAt[0], damage);
        return new Result(pos, frameNo - 1, d);
      }
      for (Pending p : records) {
        visitor.record(p.type(), p.body(), p.offset(), p.length());
      }
      pos = end;
      frameNo++;
    }
    return new Result(pos, frameNo - 1, null);
  }

  /** Whether a frame's first sector holds a sound frame header under {@code stamp}, whatever stamp it carries. */
  private static boolean headerChecks(ByteBuffer sector, long stamp) {
    int payloadLength = sector.getInt(WalFormat.STAMP_BYTES);
    int count = sector.getInt(WalFormat.STAMP_BYTES + 4);
    CRC32C crc = new CRC32C();
    crc.update(ByteBuffer.allocate(WalFormat.STAMP_BYTES).putLong(0, stamp));
    crc.update(sector.array(), WalFormat.STAMP_BYTES, 8);
    return sector.getInt(WalFormat.STAMP_BYTES + 8) == (int) crc.getValue() && payloadLength >= 0
        && payloadLength <= WalFormat.MAX_FRAME_PAYLOAD && count >= 0;
  }

  /**
   * Checks a frame's records (collected into {@code records}) and padding, its stamps aside.
   *
   * @return null if they check, else what is wrong, with its offset in {@code damageAt[0]}
   */
  private static String content(ByteBuffer frame, long pos, int payloadLength, int count, long frameNo,
      List<Pending> records, long[] damageAt) {
    String damage = null;
    byte[] content = new byte[WalFormat.FRAME_HEADER_CONTENT + payloadLength];
    WalFormat.unstamp(frame.position(0), pos, content);
    int off = WalFormat.FRAME_HEADER_CONTENT;
    for (int r = 0; r < count && damage == null; r++) {
      long recordAt = pos + WalFormat.physicalOffset(off);
      String bad = null;
      if (content.length - off < WalFormat.RECORD_HEADER) {
        bad = "runs past the frame";
      } else {
        ByteBuffer h = ByteBuffer.wrap(content, off, WalFormat.RECORD_HEADER);
        int bodyLength = h.getInt();
        int recordCrc = h.getInt();
        byte code = h.get();
        RecordType type = RecordType.of(code);
        if (bodyLength < 0 || bodyLength > content.length - off - WalFormat.RECORD_HEADER) {
          bad = "length field damaged";
        } else if (WalFormat.recordCrc(code, content, off + WalFormat.RECORD_HEADER, bodyLength) != recordCrc) {
          bad = "checksum mismatch";
        } else if (type == null) {
          bad = "has unknown type " + code + " (written by a newer raftd?)";
        } else {
          byte[] body = Arrays.copyOfRange(content, off + WalFormat.RECORD_HEADER, off + WalFormat.RECORD_HEADER + bodyLength);
          records.add(new Pending(type, body, recordAt, WalFormat.RECORD_HEADER + bodyLength));
          off += WalFormat.RECORD_HEADER + bodyLength;
        }
      }
      if (bad != null) {
        damage = "frame " + frameNo + " record " + (r + 1) + " of " + count + " " + bad;
        damageAt[0] = recordAt;
      }
    }
    if (damage == null && off != content.length) {
      damage = "frame " + frameNo + " holds " + (content.length - off) + " bytes after its " + count + " records";
      damageAt[0] = pos + WalFormat.physicalOffset(off);
    }
    if (damage == null) {
      long badPadding = nonZeroPadding(frame, WalFormat.physicalOffset(content.length));
      if (badPadding >= 0) {
        damage = "frame " + frameNo + " padding is not zero";
        damageAt[0] = pos + badPadding;
      }
    }
    return damage;
  }

  private static Damage torn(boolean newest, String name, long offset, String what) {
    if (!newest) {
      return new Damage(Damage.Kind.CORRUPT, name, offset, what + " in a segment that was closed and synced");
    }
    return new Damage(Damage.Kind.TORN, name, offset, what);
  }

  /**
   * The offset of the first non-zero byte of the padding, which runs from {@code from} to the trailer
   * and may cross into the last sector (whose stamp is not padding), or -1.
   */
  private static long nonZeroPadding(ByteBuffer frame, long from) {
    int trailer = frame.limit() - WalFormat.STAMP_BYTES;
    for (int i = (int) from; i < trailer; ) {
      int inSector = i % WalFormat.SECTOR;
      if (inSector < WalFormat.STAMP_BYTES) {
        i += WalFormat.STAMP_BYTES - inSector;  // a stamp, not padding
        continue;
      }
      int runEnd = Math.min(trailer, i - inSector + WalFormat.SECTOR);
      int bad = firstNonZeroByte(frame, i, runEnd - i);
      if (bad >= 0) {
        return bad;
      }
      i = runEnd;
    }
    return -1;
  }

  /** Whether the sector starts with {@code stamp}, or with a leading part of it followed by zeros. */
  private static boolean stampPrefix(ByteBuffer sector, long stamp) {
    int k = 0;
    while (k < WalFormat.STAMP_BYTES && sector.get(k) == (byte) (stamp >>> (56 - 8 * k))) {
      k++;
    }
    return k > 0 && allZero(sector, k, WalFormat.STAMP_BYTES - k);
  }

  /** A sector of zeros, never written: compared against, since {@link ByteBuffer#mismatch} is vectorized. */
  private static final ByteBuffer ZEROS = ByteBuffer.allocate(WalFormat.SECTOR).asReadOnlyBuffer();

  private static boolean allZero(ByteBuffer b, int from, int length) {
    return firstNonZeroByte(b, from, length) < 0;
  }

  /** The index of the first non-zero byte of {@code b} in [from, from + length), or -1. */
  private static int firstNonZeroByte(ByteBuffer b, int from, int length) {
    for (int at = from; at < from + length; at += WalFormat.SECTOR) {
      int n = Math.min(WalFormat.SECTOR, from + length - at);
      int m = b.slice(at, n).mismatch(ZEROS.slice(0, n));
      if (m >= 0) {
        return at + m;
      }
    }
    return -1;
  }

  /** The offset of the first sector at or after {@code from} that this life wrote, or -1. */
  private static long firstWritten(ReadableFile file, Life life, long from) throws IOException {
    return straySector(file, life, from, 0);
  }

  /**
   * The offset of the first sector at or after {@code from} that this life wrote and that does not begin
   * with {@code allowedStamp} (0: every written sector counts), or -1.
   */
  private static long straySector(ReadableFile file, Life life, long from, long allowedStamp) throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
    long size = file.size();
    for (long at = from; at < size; at += chunk.capacity()) {
      chunk.clear();
      if (size - at < chunk.capacity()) {
        chunk.limit((int) (size - at));
      }
      file.readFully(at, chunk);
      int n = chunk.position();
      for (int s = 0; s < n; s += WalFormat.SECTOR) {
        int len = Math.min(WalFormat.SECTOR, n - s);
        if (!life.unwritten(chunk, s, len) && (allowedStamp == 0 || len < 8 || chunk.getLong(s) != allowedStamp)) {
          return at + s;
        }
      }
    }
    return -1;
  }
}
