package io.raftd.walformat;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The write-ahead log's on-disk format. Everything is big-endian; every checksum is CRC32C.
 *
 * <p><b>Segments.</b> The log is a sequence of segment files named {@code <seq>-<firstIndex>.wal}
 * (16 hex digits each): {@code seq} counts segments from 1 and orders them; {@code firstIndex} is the
 * index the log would continue at when the segment was started (a later truncation may write lower
 * indexes into it). Only the newest segment is written; older ones are immutable. A segment's file is
 * either fresh (preallocated with zeros under a temporary name) or <i>recycled</i>: the file of a segment
 * that compaction freed, renamed into a bounded pool ({@code <seq>.free}) with its blocks kept, so its
 * bytes from earlier lives are still there. Either way it is given its header and first frame, forced,
 * and renamed into place. The seq is the file's <i>generation</i>: every sector a segment writes carries
 * it in its stamp (below), so bytes of an earlier life never pass for this one's.
 *
 * <p>The first sector (512 bytes) is the segment header: the magic {@code RAFTDWAL}, the format version
 * (u32), seq (u64), firstIndex (u64), the size the file was preallocated to (u64), <i>staleSince</i> (u64)
 * and the CRC of those 44 bytes; the rest of the sector is zero. staleSince is 0 for a fresh file; for a
 * recycled one it is the oldest generation whose bytes the file may still hold (the seq of its first,
 * fresh life), so stale stamps name a generation in [staleSince, seq). Version 2 headers (no staleSince,
 * the CRC over the first 36 bytes) are still read, as fresh files; version 1 is refused.
 *
 * <p><b>Rollover.</b> The next segment is made durable first (its file preallocated and forced, or taken
 * from the pool; header and first frame forced; renamed; directory synced); only then does the old
 * segment get its last frame, a single {@link RecordType#SEGMENT_SEALED} record naming the next segment,
 * forced before anything goes into the new one. So every segment but the newest ends with a seal, and a newest segment that is sealed lost its
 * successor. A crash between the two steps leaves the old segment unsealed (or its seal frame torn) and
 * the new one holding only its first frame; recovery then seals it, and nothing was lost.
 *
 * <p><b>What a crash can lose, and what it cannot.</b> It can lose only records of the last batch that was
 * written but not yet fsynced (so never acknowledged), and only as a torn tail inside the newest
 * segment's preallocated space (or an unfinished seal, above). It cannot lose anything else: a segment
 * file never shrinks (its full size was made durable before its name existed, and frames are written
 * inside it), never disappears (only compaction deletes segments or renames them into the pool, oldest
 * first, each one sealed and superseded), and the directory never becomes empty once a member has a
 * cluster record. So a segment shorter than its preallocated size, a missing segment (a gap, or a sealed newest segment), a closed
 * segment without its seal, and an empty WAL in a data directory that holds a cluster record are damage,
 * never a torn tail: raftd refuses to start, naming the file and what is lost, rather than come back with
 * fewer acknowledged entries or an older term and vote than it recorded.
 *
 * <p><b>Frames.</b> After the header come frames, one per fsync batch, each starting on a sector
 * boundary and filling whole sectors. Every sector of a frame begins with an 8-byte <i>stamp</i>: the
 * byte {@code 0xA5}, the segment's seq (low 24 bits) and the frame's number within the segment (32 bits,
 * from 1); the frame's last 8 bytes repeat the stamp (its trailer). The rest of the frame's sectors, read
 * in order without the stamps, is its content: payload length (u32), record count (u32), the CRC of the
 * stamp and those two fields (u32), then the payload (the records), then zeros up to the trailer.
 *
 * <p>The stamps are what let recovery tell a torn tail from corruption. Every written sector is non-zero
 * and tied to its frame, and a frame is complete only if its trailer is there. What a crash loses (whole
 * sectors, or everything past some byte) reads as it did before the write: zeros in a fresh file, and in
 * a recycled one zeros or a sector of an earlier generation (its stamp naming a seq in
 * [staleSince, seq)). Such a sector is <i>unwritten</i>; any other is <i>written</i> in this life. A single
 * flipped bit can never zero a stamp (it has more than one bit set) nor forge this generation's. The
 * scanner's rule ({@link SegmentScanner}) is stated in these terms, so it is the same for both kinds of file:
 * the log ends at the first frame that does not check; that is a torn tail only if the frame shows what a
 * crash leaves (an unwritten sector, a missing trailer) and no written sector follows it, and the clean end
 * of the log if the frame's first sector is unwritten and nothing written follows; anything else is
 * corruption. A stale frame of an earlier life after the tail is therefore the end of the log, never a
 * record (its stamps name another generation) and never corruption (it is unwritten in this life). One
 * flipped bit can turn this generation's stamp into an earlier one's; such a sector still holds this
 * frame's content, so a frame whose stale-looking sectors complete it (header CRC, which covers the stamp,
 * or records, padding and trailer) is corruption, never a torn tail: stale bytes never pass those checks.
 *
 * <p><b>Records.</b> Body length (u32), the CRC of the type byte and the body (u32), the type byte
 * ({@link RecordType}), the body (a protobuf message).
 */
public final class WalFormat {
  private WalFormat() {}

  public static final int SECTOR = 512;
  public static final int VERSION = 3;
  /** The version before recycling: no staleSince, and only fresh files. Still read. */
  public static final int VERSION_FRESH_ONLY = 2;
  public static final byte[] MAGIC = "RAFTDWAL".getBytes(StandardCharsets.US_ASCII);
  public static final int SEGMENT_HEADER_BYTES = SECTOR;
  private static final int SEGMENT_HEADER_FIELDS = 44;
  private static final int SEGMENT_HEADER_FIELDS_V2 = 36;
  /**
   * A stamp holds a seq's low 24 bits, so a recycled file may hold earlier generations only within this
   * many seqs of its own: a file whose oldest generation lies further back is deleted, not recycled.
   */
  public static final long GENERATION_SPAN = 1L << 24;
  public static final int STAMP_BYTES = 8;
  /** Content bytes per sector: a sector less its stamp. */
  public static final int SECTOR_CONTENT = SECTOR - STAMP_BYTES;
  /** Payload length, record count, header CRC. */
  public static final int FRAME_HEADER_CONTENT = 12;
  public static final int RECORD_HEADER = 9;
  /** The largest payload a frame may carry; a larger length field is damage. */
  public static final int MAX_FRAME_PAYLOAD = 256 << 20;
  public static final String SEGMENT_SUFFIX = ".wal";
  /** Preallocated segments wait under this suffix until they are given a header and renamed. */
  public static final String TEMP_SUFFIX = ".tmp";
  /** Files of compacted segments wait under this suffix, in the pool, until they are recycled. */
  public static final String FREE_SUFFIX = ".free";

  /** The stamp of every sector of frame {@code frameNo} (from 1) in segment {@code segmentSeq}. */
  public static long stamp(long segmentSeq, long frameNo) {
    return 0xA5L << 56 | (segmentSeq & 0xFF_FFFFL) << 32 | (frameNo & 0xFFFF_FFFFL);
  }

  /**
   * Whether {@code word}, the first 8 bytes of a sector of a recycled segment {@code seq} whose oldest
   * generation is {@code staleSince}, is the stamp of an earlier generation: a sector this life has not
   * written.
   */
  public static boolean staleStamp(long word, long seq, long staleSince) {
    if (staleSince == 0 || word >>> 56 != 0xA5) {
      return false;
    }
    long behind = (seq - (word >>> 32)) & 0xFF_FFFFL;
    return behind >= 1 && behind <= seq - staleSince;
  }

  public static String segmentName(long seq, long firstIndex) {
    return String.format("%016x-%016x%s", seq, firstIndex, SEGMENT_SUFFIX);
  }

  /** A segment file as its name identifies it. */
  public record SegmentId(long seq, long firstIndex) {
    public String name() {
      return segmentName(seq, firstIndex);
    }
  }

  /** The segment a file name names, or null if it is not a segment's name. */
  public static SegmentId parseSegmentName(String name) {
    if (!name.endsWith(SEGMENT_SUFFIX) || name.length() != 33 + SEGMENT_SUFFIX.length() || name.charAt(16) != '-') {
      return null;
    }
    try {
      return new SegmentId(Long.parseUnsignedLong(name.substring(0, 16), 16), Long.parseUnsignedLong(name.substring(17, 33), 16));
    } catch (NumberFormatException e) {
      return null;
    }
  }

  /** The segments among a directory's file names, oldest (lowest seq) first. */
  public static List<SegmentId> segments(List<String> names) {
    List<SegmentId> found = new ArrayList<>();
    for (String name : names) {
      SegmentId id = parseSegmentName(name);
      if (id != null) {
        found.add(id);
      }
    }
    found.sort(Comparator.comparingLong(SegmentId::seq));
    return found;
  }

  /**
   * Where the seq numbers of {@code segments} (ordered) skip one: "segment N is missing (between A and
   * B)", or null if they run without a gap. Compaction deletes only the oldest segments, so a gap means
   * a segment was lost or deleted by hand.
   */
  public static String missingSegment(List<SegmentId> segments) {
    for (int k = 1; k < segments.size(); k++) {
      if (segments.get(k).seq() != segments.get(k - 1).seq() + 1) {
        return "WAL segment " + (segments.get(k - 1).seq() + 1) + " is missing (between " + segments.get(k - 1).name()
            + " and " + segments.get(k).name() + ")";
      }
    }
    return null;
  }

  /**
   * A segment's header sector, for a file preallocated to {@code preallocatedBytes} that may hold
   * generations from {@code staleSince} on (0: a fresh file).
   */
  public static ByteBuffer segmentHeader(long seq, long firstIndex, long preallocatedBytes, long staleSince) {
    ByteBuffer b = ByteBuffer.allocate(SEGMENT_HEADER_BYTES);
    b.put(MAGIC).putInt(VERSION).putLong(seq).putLong(firstIndex).putLong(preallocatedBytes).putLong(staleSince);
    b.putInt(crc(b.array(), 0, SEGMENT_HEADER_FIELDS));
    return b.clear();
  }

  /**
   * Checks a segment header sector against the name's seq and first index.
   *
   * @return null if it is sound, else what is wrong
   */
  public static String checkSegmentHeader(ByteBuffer sector, long seq, long firstIndex) {
    byte[] h = new byte[SEGMENT_HEADER_FIELDS + 4];
    sector.duplicate().get(h);
    ByteBuffer b = ByteBuffer.wrap(h);
    byte[] magic = new byte[MAGIC.length];
    b.get(magic);
    if (!java.util.Arrays.equals(magic, MAGIC)) {
      return "bad segment magic";
    }
    int version = b.getInt();
    long s = b.getLong();
    long f = b.getLong();
    // Each version's checksum sits after its own fields; version 1's fields were shorter still.
    boolean soundV2 = b.getInt(SEGMENT_HEADER_FIELDS_V2) == crc(h, 0, SEGMENT_HEADER_FIELDS_V2);
    boolean soundV3 = b.getInt(SEGMENT_HEADER_FIELDS) == crc(h, 0, SEGMENT_HEADER_FIELDS);
    int fieldBytes = version == VERSION ? SEGMENT_HEADER_FIELDS : SEGMENT_HEADER_FIELDS_V2;
    boolean sound = version == VERSION ? soundV3 : version == VERSION_FRESH_ONLY && soundV2;
    if (version == 1 || (!sound && version > VERSION && (soundV2 || soundV3))) {
      return "unsupported WAL format version " + version + " (this build reads " + VERSION_FRESH_ONLY + " and " + VERSION
          + "): start it with the raftd that wrote it, or replace the member";
    }
    if (!sound) {
      return "segment header checksum mismatch";
    }
    if (s != seq || f != firstIndex) {
      return "segment header names seq " + s + " and first index " + f + ", unlike the file name";
    }
    long staleSince = version == VERSION ? b.getLong(MAGIC.length + 4 + 24) : 0;
    if (staleSince != 0 && (staleSince >= seq || seq - staleSince >= GENERATION_SPAN)) {
      return "segment header says the file holds generations from " + staleSince + ", which segment " + seq
          + " cannot";
    }
    for (int i = sector.position() + fieldBytes + 4; i < sector.limit(); i++) {
      if (sector.get(i) != 0) {
        return "segment header sector is not zero after its fields";
      }
    }
    return null;
  }

  /** The size a segment was preallocated to, from a header {@link #checkSegmentHeader} found sound. */
  public static long preallocatedBytes(ByteBuffer sector) {
    return sector.getLong(sector.position() + MAGIC.length + 4 + 16);
  }

  /**
   * The oldest generation a recycled segment's file may hold, 0 for a fresh file, from a header
   * {@link #checkSegmentHeader} found sound.
   */
  public static long staleSince(ByteBuffer sector) {
    return sector.getInt(sector.position() + MAGIC.length) == VERSION
        ? sector.getLong(sector.position() + MAGIC.length + 4 + 24) : 0;
  }

  /** The one-record frame that seals a segment (frame {@code frameNo} of {@code seq}) as continued in the next. */
  public static ByteBuffer sealFrame(long seq, long frameNo, long nextSeq, long nextFirstIndex) {
    FrameEncoder seal = new FrameEncoder();
    seal.add(RecordType.SEGMENT_SEALED, io.raftd.proto.SegmentSeal.newBuilder().setNextSeq(nextSeq)
        .setNextFirstIndex(nextFirstIndex).build());
    ByteBuffer frame = seal.encode(seq, frameNo);
    return ByteBuffer.allocate(frame.remaining()).put(frame).flip();
  }

  /** Sectors a frame with a payload of {@code payloadLength} bytes fills, trailer included. */
  public static int frameSectors(int payloadLength) {
    return (FRAME_HEADER_CONTENT + payloadLength + STAMP_BYTES + SECTOR_CONTENT - 1) / SECTOR_CONTENT;
  }

  /** The physical offset, from the frame's start, of content byte {@code contentOffset}. */
  public static long physicalOffset(long contentOffset) {
    return contentOffset / SECTOR_CONTENT * SECTOR + STAMP_BYTES + contentOffset % SECTOR_CONTENT;
  }

  /**
   * Physical bytes a run of {@code length} content bytes starting at absolute file offset {@code start}
   * spans, stamps of the sectors it crosses included.
   */
  public static int physicalSpan(long start, int length) {
    long inFirst = Math.min(length, SECTOR - start % SECTOR);
    long rest = length - inFirst;
    long fullSectors = rest / SECTOR_CONTENT;
    long tail = rest % SECTOR_CONTENT;
    return (int) (inFirst + fullSectors * SECTOR + (tail > 0 ? STAMP_BYTES + tail : 0));
  }

  /**
   * Copies the content bytes out of {@code physical}, which holds the file from absolute offset
   * {@code start}, skipping the stamp at each sector boundary it crosses.
   */
  public static void unstamp(ByteBuffer physical, long start, byte[] out) {
    int src = physical.position();
    long abs = start;
    int done = 0;
    while (done < out.length) {
      if (abs % SECTOR == 0) {
        src += STAMP_BYTES;
        abs += STAMP_BYTES;
      }
      int n = (int) Math.min(out.length - done, SECTOR - abs % SECTOR);
      physical.get(src, out, done, n);
      src += n;
      abs += n;
      done += n;
    }
  }

  /**
   * Reads back the body of the record at absolute offset {@code offset} ({@code length} content bytes,
   * header included), checking its length, type and CRC again: bits can rot after a scan read them.
   *
   * @return the body, or null if the record no longer checks
   */
  public static byte[] readRecordBody(ReadableFile file, long offset, int length, RecordType expected)
      throws IOException {
    ByteBuffer physical = ByteBuffer.allocate(physicalSpan(offset, length));
    file.readFully(offset, physical);
    byte[] content = new byte[length];
    unstamp(physical.flip(), offset, content);
    ByteBuffer h = ByteBuffer.wrap(content);
    int bodyLength = h.getInt();
    int crc = h.getInt();
    byte type = h.get();
    if (bodyLength != length - RECORD_HEADER || type != expected.code
        || recordCrc(type, content, RECORD_HEADER, bodyLength) != crc) {
      return null;
    }
    return java.util.Arrays.copyOfRange(content, RECORD_HEADER, length);
  }

  public static int crc(byte[] b, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(b, off, len);
    return (int) c.getValue();
  }

  /** The CRC a record carries: over its type byte and body. */
  public static int recordCrc(byte type, byte[] body, int off, int len) {
    CRC32C c = new CRC32C();
    c.update(type);
    c.update(body, off, len);
    return (int) c.getValue();
  }
}
