package io.raftd.walformat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.datadir.PrivateFiles;
import io.raftd.proto.SnapshotMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32C;

/**
 * A snapshot file's format and its checks, shared by raftd's snapshot store (which writes and loads
 * them) and {@code raftctl wal verify} (which checks them offline). Layout of {@code <term>-<index>.snap}
 * (16 hex digits each): the state machine's data; the metadata (protobuf {@code SnapshotMetadata}, whose
 * size and checksum are the data's length and CRC32C); the metadata's length (u32); the CRC32C of the
 * metadata (u32); the magic {@code RAFTSNAP}.
 */
public final class SnapshotFile {
  private SnapshotFile() {}

  private static final byte[] MAGIC = "RAFTSNAP".getBytes(StandardCharsets.US_ASCII);
  /** The trailer's fixed part: metadata length, metadata CRC, magic. */
  public static final int TRAILER_FIXED = 8 + MAGIC.length;
  public static final String SUFFIX = ".snap";
  private static final Pattern NAME = Pattern.compile("[0-9a-f]{16}-[0-9a-f]{16}\\.snap");

  /** A snapshot file does not match its trailer or checksum: the message names the file and what. */
  public static final class DamagedException extends IOException {
    public DamagedException(String message) {
      super(message);
    }
  }

  /**
   * A snapshot's id: its term and index in 16 hex digits each, the name of its file without {@link #SUFFIX},
   * so an id raftctl prints is the file an operator finds in the data directory's snap/.
   */
  public static String id(long term, long index) {
    return String.format("%016x-%016x", term, index);
  }

  public static String fileName(long term, long index) {
    return id(term, index) + SUFFIX;
  }

  /** The index in a snapshot file's name, or -1 if {@code name} is not one ({@link #fileName}'s form). */
  public static long indexInName(String name) {
    if (!NAME.matcher(name).matches()) {
      return -1;
    }
    return Long.parseUnsignedLong(name.substring(17, 33), 16);
  }

  /** The trailer that follows {@code metadata}'s serialized form. */
  public static ByteBuffer trailer(byte[] metadata) {
    return ByteBuffer.allocate(metadata.length + TRAILER_FIXED).put(metadata).putInt(metadata.length)
        .putInt(crc(metadata)).put(MAGIC).flip();
  }

  /** Reads and checks the trailer of {@code file} (named {@code name} in messages): the metadata as stored. */
  public static SnapshotMetadata readTrailer(ReadableFile file, String name) throws IOException {
    long size = file.size();
    if (size < TRAILER_FIXED) {
      throw new DamagedException(name + ": too short to be a snapshot (" + size + " bytes)");
    }
    ByteBuffer fixed = ByteBuffer.allocate(TRAILER_FIXED);
    file.readFully(size - TRAILER_FIXED, fixed);
    fixed.flip();
    int length = fixed.getInt();
    int crc = fixed.getInt();
    byte[] magic = new byte[MAGIC.length];
    fixed.get(magic);
    if (!Arrays.equals(magic, MAGIC) || length < 0 || length > size - TRAILER_FIXED) {
      throw new DamagedException(name + ": snapshot trailer damaged at offset " + (size - TRAILER_FIXED));
    }
    byte[] meta = new byte[length];
    file.readFully(size - TRAILER_FIXED - length, ByteBuffer.wrap(meta));
    if (crc(meta) != crc) {
      throw new DamagedException(name + ": snapshot metadata checksum mismatch at offset " + (size - TRAILER_FIXED - length));
    }
    SnapshotMetadata m;
    try {
      m = SnapshotMetadata.parseFrom(meta);
    } catch (InvalidProtocolBufferException e) {
      throw new DamagedException(name + ": snapshot metadata does not decode");
    }
    if (m.getSize() != size - TRAILER_FIXED - length) {
      throw new DamagedException(name + ": snapshot metadata gives " + m.getSize() + " data bytes but the file holds "
          + (size - TRAILER_FIXED - length));
    }
    return m;
  }

  /** Checks that the data's CRC32C ({@code crc}) is the one {@code stored} records. */
  public static void checkData(SnapshotMetadata stored, int crc, String name) throws DamagedException {
    if (crc != stored.getChecksum()) {
      throw new DamagedException(name + ": snapshot data checksum mismatch (the file changed after it was written)");
    }
  }

  /** Checks a whole file, trailer and data, reading the data in chunks: the metadata as stored. */
  public static SnapshotMetadata verify(ReadableFile file, String name) throws IOException {
    SnapshotMetadata stored = readTrailer(file, name);
    CRC32C crc = new CRC32C();
    ByteBuffer chunk = ByteBuffer.allocate(1 << 20);
    for (long at = 0; at < stored.getSize(); at += chunk.limit()) {
      chunk.clear().limit((int) Math.min(chunk.capacity(), stored.getSize() - at));
      file.readFully(at, chunk);
      crc.update(chunk.flip());
    }
    checkData(stored, (int) crc.getValue(), name);
    return stored;
  }

  /**
   * Checks every snapshot file in {@code snapDir} as raftd would load it, and that the snapshot the WAL
   * starts from ({@code base}, index 0 if none) is there: what is wrong, one line per file.
   */
  public static List<String> verifyDirectory(Path snapDir, SnapshotMetadata base) throws IOException {
    List<String> problems = new ArrayList<>();
    List<Path> files = new ArrayList<>();
    if (Files.isDirectory(snapDir)) {
      try (Stream<Path> s = Files.list(snapDir)) {
        s.filter(p -> p.getFileName().toString().endsWith(SUFFIX)).sorted().forEach(files::add);
      } catch (IOException e) {
        problems.add(io.raftd.datadir.FileFailure.explain(e, snapDir).getMessage());
        return problems;
      }
    }
    for (Path p : files) {
      try (FileChannel ch = PrivateFiles.open(p, StandardOpenOption.READ)) {
        SnapshotMetadata m = verify(ReadableFile.of(ch), p.toString());
        if (!p.getFileName().toString().equals(fileName(m.getTerm(), m.getIndex()))) {
          problems.add(p + ": holds snapshot " + m.getIndex() + " of term " + m.getTerm() + ", unlike its name");
        }
      } catch (IOException e) {
        problems.add(e.getMessage());
      }
    }
    if (base.getIndex() > 0) {
      Path wanted = snapDir.resolve(fileName(base.getTerm(), base.getIndex()));
      if (!Files.exists(wanted)) {
        problems.add(wanted + ": missing, but the WAL's log starts after this snapshot (index " + base.getIndex()
            + ", term " + base.getTerm() + "): raftd cannot restore its state machine; replace the member");
      }
    }
    return problems;
  }

  public static int crc(byte[] b) {
    CRC32C c = new CRC32C();
    c.update(b);
    return (int) c.getValue();
  }
}
