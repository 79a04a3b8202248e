package io.raftd.storage;

import io.raftd.walformat.ReadableFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;

/**
 * Every file operation the storage layer performs, and nothing else: the WAL and the snapshot store
 * reach the disk only through this interface, so the simulator can run them over a simulated file system
 * that loses unsynced writes on a crash, sector by sector, while production runs them over NIO.
 *
 * <p>Durability, as both implementations honour it: bytes written to a file are durable only after
 * {@link Handle#force()} returns; the existence of a file, a rename or a delete is durable only after
 * {@link #syncDirectory(Path)} of its directory returns. Until then a crash may undo any of them. A full
 * disk while writing is reported as {@link NoSpaceException}; any other failure as an IOException.
 */
public interface FileIO {
  /**
   * An open file, read and written at explicit positions. Written by one thread; positional reads may
   * come from others.
   */
  interface Handle extends ReadableFile, AutoCloseable {

    /** Writes all of {@code src} at {@code position}, extending the file if needed. */
    void write(long position, ByteBuffer src) throws IOException;

    /** Makes every byte written so far, and the file's size, durable. A failure means durability is unknown. */
    void force() throws IOException;

    /** Cuts the file to {@code size} bytes (durable after {@link #force()}). */
    void truncate(long size) throws IOException;

    @Override
    void close() throws IOException;
  }

  /** Opens {@code file} for reading and writing, creating it (empty) if {@code create} and it is absent. */
  Handle open(Path file, boolean create) throws IOException;

  boolean exists(Path file) throws IOException;

  /** The names of the files in {@code dir}, sorted. */
  List<String> list(Path dir) throws IOException;

  /** Atomically replaces {@code to} with {@code from}. */
  void rename(Path from, Path to) throws IOException;

  void delete(Path file) throws IOException;

  void createDirectories(Path dir) throws IOException;

  /** Makes the directory's entries (creations, renames, deletions) durable. */
  void syncDirectory(Path dir) throws IOException;

  /** Bytes this process may still write on the file system that holds {@code dir}. */
  long usableSpace(Path dir) throws IOException;
}
