package io.raftd.datadir;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.zip.CRC32C;

/**
 * A small protobuf file in the data directory (identity, cluster record, vote barrier; the messages are
 * in {@code datadir.proto}): a CRC32C, then the message. Written to a temporary name, forced, renamed and
 * the directory synced, so a crash leaves either the old file or the new one; deleted with a directory
 * sync, so a deletion is durable when this returns; a damaged file is reported, never guessed at. The
 * daemon and raftctl's offline tools both write them through here.
 */
public final class DataDirFile {
  /** {@code MemberIdentity}: written on the very first start. */
  public static final String IDENTITY = "identity";
  /** {@code ClusterRecord}: written when this member bootstraps. */
  public static final String CLUSTER = "cluster";
  /** {@code VoteBarrier}: written by {@code raftctl wal repair}, deleted by raftd once it has caught up. */
  public static final String VOTE_BARRIER = "vote-barrier";
  /** Written when the member learns it was removed from its cluster: raftd refuses to start on the directory again. */
  public static final String REMOVED = "removed";
  /**
   * {@code ForcedNewCluster}: written by {@code raftctl recover --force-new-cluster} once its rewritten WAL is
   * durable, deleted once the recovery is finished; while it exists raftd refuses to start.
   */
  public static final String FORCED_NEW_CLUSTER = "force-new-cluster";
  /** {@code PendingAudit}: appended to by raftctl's offline commands, emptied into the audit stream by raftd. */
  public static final String AUDIT_PENDING = "audit-pending";

  private DataDirFile() {}

  public static void write(Path file, MessageLite message) throws IOException {
    byte[] body = message.toByteArray();
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileChannel ch = PrivateFiles.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      ByteBuffer b = ByteBuffer.allocate(4 + body.length).putInt(crc(body)).put(body).flip();
      while (b.hasRemaining()) {
        ch.write(b);
      }
      ch.force(true);
    }
    Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    syncDirectory(file.getParent());
  }

  /** The message, or null if the file does not exist. */
  public static <T extends MessageLite> T read(Path file, Parser<T> parser) throws IOException {
    if (!Files.exists(file)) {
      return null;
    }
    long size;
    byte[] bytes;
    try {
      size = Files.size(file);
      bytes = size < 4 || size > 1 << 20 ? null : Files.readAllBytes(file);
    } catch (IOException e) {
      throw FileFailure.explain(e, file);
    }
    if (size < 4 || size > 1 << 20) {
      throw new IOException(file + " is damaged (" + size + " bytes); restore it from a backup or rebuild the member");
    }
    ByteBuffer b = ByteBuffer.wrap(bytes);
    int crc = b.getInt();
    byte[] body = new byte[b.remaining()];
    b.get(body);
    if (crc(body) != crc) {
      throw new IOException(file + " is damaged (checksum mismatch); restore it from a backup or rebuild the member");
    }
    try {
      return parser.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new IOException(file + " is damaged (does not decode); restore it from a backup or rebuild the member", e);
    }
  }

  /** Deletes the file if it exists, durably. */
  public static void delete(Path file) throws IOException {
    if (Files.deleteIfExists(file)) {
      syncDirectory(file.getParent());
    }
  }

  /** Makes the directory's entries durable: on Linux a directory opened for reading can be fsynced. */
  public static void syncDirectory(Path dir) throws IOException {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    }
  }

  private static int crc(byte[] b) {
    CRC32C c = new CRC32C();
    c.update(b);
    return (int) c.getValue();
  }
}
