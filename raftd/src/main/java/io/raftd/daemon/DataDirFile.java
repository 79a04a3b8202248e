package io.raftd.daemon;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.raftd.storage.FileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.zip.CRC32C;

/**
 * A small protobuf file in the data directory (identity, cluster record, vote barrier): a CRC32C then the
 * message. Written to a temporary name, forced, renamed and the directory synced, so a crash leaves
 * either the old file or the new one; a damaged file is reported, never guessed at.
 */
final class DataDirFile {
  private DataDirFile() {}

  static void write(FileIO io, Path file, MessageLite message) throws IOException {
    byte[] body = message.toByteArray();
    Path temp = file.resolveSibling(file.getFileName() + ".tmp");
    try (FileIO.Handle h = io.open(temp, true)) {
      h.truncate(0);
      h.write(0, ByteBuffer.allocate(4 + body.length).putInt(crc(body)).put(body).flip());
      h.force();
    }
    io.rename(temp, file);
    io.syncDirectory(file.getParent());
  }

  /** The message, or null if the file does not exist. */
  static <T extends MessageLite> T read(FileIO io, Path file, Parser<T> parser) throws IOException {
    if (!io.exists(file)) {
      return null;
    }
    try (FileIO.Handle h = io.open(file, false)) {
      long size = h.size();
      if (size < 4 || size > 1 << 20) {
        throw new IOException(file + " is damaged (" + size + " bytes); restore it from a backup or rebuild the member");
      }
      ByteBuffer b = ByteBuffer.allocate((int) size);
      h.readFully(0, b);
      b.flip();
      int crc = b.getInt();
      byte[] body = new byte[b.remaining()];
      b.get(body);
      if (crc(body) != crc) {
        throw new IOException(file + " is damaged (checksum mismatch); restore it from a backup or rebuild the member");
      }
      return parser.parseFrom(body);
    } catch (InvalidProtocolBufferException e) {
      throw new IOException(file + " is damaged (does not decode); restore it from a backup or rebuild the member", e);
    }
  }

  private static int crc(byte[] b) {
    CRC32C c = new CRC32C();
    c.update(b);
    return (int) c.getValue();
  }
}
