package io.raftd.storage;

import io.raftd.proto.SnapshotMetadata;
import io.raftd.walformat.SnapshotFile;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32C;

/**
 * Snapshot files: the state machine's bytes followed by a trailer, so a snapshot can be written as it is
 * produced or received, without knowing its size up front. The layout and its checks are
 * {@link SnapshotFile}'s, which {@code raftctl wal verify} shares.
 *
 * <p>Every file is written under a temporary name, forced, renamed into place and its directory synced
 * before it counts; a received snapshot is also checked against the size and checksum the leader
 * announced before it is put in place. Old files are pruned ({@link #prune}). Writers may run on several
 * threads at once (a snapshot taken here, streams from the leader), each on its own temporary file.
 */
public final class SnapshotStore {
  static final String SUFFIX = SnapshotFile.SUFFIX;
  private static final String TEMP_SUFFIX = ".snap.tmp";
  /** What {@link #open}'s stream reads from the file at a time. */
  static final int CHUNK_BYTES = 256 << 10;

  private final FileIO io;
  private final Path dir;
  private final int retain;
  /** Writers started, for their temporary files' names. */
  private final AtomicLong writers = new AtomicLong();

  public SnapshotStore(FileIO io, Path dir, int retain) throws IOException {
    if (retain < 1) {
      throw new IllegalArgumentException("at least one snapshot must be kept");
    }
    this.io = io;
    this.dir = dir;
    this.retain = retain;
    io.createDirectories(dir);
    for (String name : io.list(dir)) {
      if (name.endsWith(TEMP_SUFFIX)) {
        io.delete(dir.resolve(name));  // a write or transfer a crash interrupted
      }
    }
  }

  static String fileName(long term, long index) {
    return SnapshotFile.fileName(term, index);
  }

  /** A snapshot being written chunk by chunk. */
  public final class Writer implements AutoCloseable {
    private final SnapshotMetadata metadata;
    private final boolean received;
    private final Path temp;
    private final FileIO.Handle handle;
    private final CRC32C crc = new CRC32C();
    private long size;
    private boolean done;

    private Writer(SnapshotMetadata metadata, boolean received) throws IOException {
      this.metadata = metadata;
      this.received = received;
      // One temporary file per writer: two streams of the same snapshot (a retry while the first still runs)
      // must not write into, or delete, each other's file.
      this.temp = dir.resolve(String.format("%016x-%016x.%d%s", metadata.getTerm(), metadata.getIndex(),
          writers.incrementAndGet(), TEMP_SUFFIX));
      this.handle = io.open(temp, true);
    }

    /** Appends the next chunk. */
    public void write(ByteBuffer chunk) throws IOException {
      if (received && size + chunk.remaining() > metadata.getSize()) {
        throw new SnapshotDamagedException("snapshot " + metadata.getIndex() + " sent more than the announced "
            + metadata.getSize() + " bytes");
      }
      crc.update(chunk.duplicate());
      int n = chunk.remaining();
      handle.write(size, chunk);
      size += n;
    }

    /**
     * Checks a received snapshot against what was announced, adds the trailer, forces the file, renames it
     * into place and syncs the directory.
     *
     * @return the metadata as stored, with size and checksum
     */
    public SnapshotMetadata finish() throws IOException {
      SnapshotMetadata stored = metadata.toBuilder().setSize(size).setChecksum((int) crc.getValue()).build();
      if (received && (size != metadata.getSize() || stored.getChecksum() != metadata.getChecksum())) {
        throw new SnapshotDamagedException("received snapshot " + metadata.getIndex() + " does not match what the leader"
            + " announced (" + size + " bytes, checksum " + Integer.toHexString(stored.getChecksum()) + " against "
            + metadata.getSize() + " bytes, checksum " + Integer.toHexString(metadata.getChecksum()) + ")");
      }
      byte[] meta = stored.toByteArray();
      handle.write(size, SnapshotFile.trailer(meta));
      handle.force();
      handle.close();
      io.rename(temp, dir.resolve(fileName(stored.getTerm(), stored.getIndex())));
      io.syncDirectory(dir);
      done = true;
      return stored;
    }

    /** Abandons the snapshot: its temporary file is deleted. */
    @Override
    public void close() throws IOException {
      if (!done) {
        done = true;
        handle.close();
        io.delete(temp);
      }
    }
  }

  /** Starts writing a snapshot this member takes; size and checksum are filled in by {@link Writer#finish()}. */
  public Writer create(SnapshotMetadata metadata) throws IOException {
    return new Writer(metadata, false);
  }

  /** Starts receiving a snapshot from the leader, to be checked against its announced size and checksum. */
  public Writer receive(SnapshotMetadata announced) throws IOException {
    return new Writer(announced, true);
  }

  /** Writes a whole snapshot at once. */
  public SnapshotMetadata save(SnapshotMetadata metadata, byte[] data) throws IOException {
    try (Writer w = create(metadata)) {
      w.write(ByteBuffer.wrap(data));
      return w.finish();
    }
  }

  /** Whether the file of {@code metadata}'s snapshot exists. */
  public boolean has(SnapshotMetadata metadata) throws IOException {
    return io.exists(path(metadata));
  }

  /** Reads up to {@code dst.remaining()} bytes of the snapshot's data from {@code offset}: for streaming it. */
  public int read(SnapshotMetadata metadata, long offset, ByteBuffer dst) throws IOException {
    try (FileIO.Handle h = io.open(path(metadata), false)) {
      int want = (int) Math.min(dst.remaining(), metadata.getSize() - offset);
      if (want <= 0) {
        return -1;
      }
      ByteBuffer slice = dst.slice(dst.position(), want);
      h.readFully(offset, slice);
      dst.position(dst.position() + want);
      return want;
    }
  }

  /**
   * Reads the whole snapshot and checks it against its trailer.
   *
   * @throws SnapshotDamagedException naming the file and what does not match
   */
  public byte[] load(SnapshotMetadata metadata) throws IOException {
    try (InputStream in = open(metadata)) {
      return in.readAllBytes();
    }
  }

  /**
   * The snapshot's data as a stream, checked first against its trailer (data checksum included, read in
   * chunks): the state is restored from it a chunk at a time, so a restart never holds the file and the
   * state built from it at once. The caller closes it.
   *
   * @throws SnapshotDamagedException naming the file and what does not match
   */
  public InputStream open(SnapshotMetadata metadata) throws IOException {
    Path p = path(metadata);
    FileIO.Handle h = io.open(p, false);
    try {
      SnapshotMetadata stored;
      try {
        stored = SnapshotFile.verify(h, p.toString());
      } catch (SnapshotFile.DamagedException e) {
        throw new SnapshotDamagedException(e.getMessage());  // the type the daemon and the transport handle
      }
      if (stored.getIndex() != metadata.getIndex() || stored.getTerm() != metadata.getTerm()) {
        throw new SnapshotDamagedException(p + ": holds snapshot " + stored.getIndex() + " of term " + stored.getTerm());
      }
      return new ChunkedInput(h, stored.getSize());
    } catch (IOException | RuntimeException e) {
      h.close();
      throw e;
    }
  }

  /** The first {@code size} bytes of a file, read {@link #CHUNK_BYTES} at a time. Closing it closes the file. */
  private static final class ChunkedInput extends InputStream {
    private final FileIO.Handle handle;
    private final long size;
    private final ByteBuffer chunk = ByteBuffer.allocate(CHUNK_BYTES).flip();
    /** Where the next chunk starts in the file. */
    private long next;

    ChunkedInput(FileIO.Handle handle, long size) {
      this.handle = handle;
      this.size = size;
    }

    @Override
    public int read() throws IOException {
      return fill() ? chunk.get() & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (len == 0) {
        return 0;
      }
      if (!fill()) {
        return -1;
      }
      int n = Math.min(len, chunk.remaining());
      chunk.get(b, off, n);
      return n;
    }

    /** Whether a byte is buffered, reading the next chunk if none is. */
    private boolean fill() throws IOException {
      if (chunk.hasRemaining()) {
        return true;
      }
      if (next == size) {
        return false;
      }
      chunk.clear().limit((int) Math.min(CHUNK_BYTES, size - next));
      handle.readFully(next, chunk);
      next += chunk.flip().remaining();
      return true;
    }

    @Override
    public void close() throws IOException {
      handle.close();
    }
  }

  /** The stored snapshots, oldest first (by index). */
  public List<SnapshotMetadata> list() throws IOException {
    List<SnapshotMetadata> out = new ArrayList<>();
    for (String name : io.list(dir)) {
      if (name.endsWith(SUFFIX)) {
        Path p = dir.resolve(name);
        try (FileIO.Handle h = io.open(p, false)) {
          out.add(trailer(h, p));
        }
      }
    }
    out.sort((a, b) -> Long.compare(a.getIndex(), b.getIndex()));
    return out;
  }

  /**
   * Deletes snapshots older than {@code base}, the one the WAL's log starts after (its newest durable
   * snapshot record), keeping the newest {@link #retain} - 1 of them beside it; then syncs the directory.
   * Never deletes {@code base} or a newer file: a newer one is a snapshot from the leader being installed
   * (its WAL record not yet durable), which may become the base at any moment.
   */
  public void prune(SnapshotMetadata base) throws IOException {
    List<String> older = new ArrayList<>();
    for (String name : io.list(dir)) {
      long index = SnapshotFile.indexInName(name);
      if (index >= 0 && index < base.getIndex()) {
        older.add(name);
      }
    }
    older.sort(Comparator.comparingLong(SnapshotFile::indexInName));
    boolean deleted = false;
    for (int i = 0; i < older.size() - (retain - 1); i++) {
      io.delete(dir.resolve(older.get(i)));
      deleted = true;
    }
    if (deleted) {
      io.syncDirectory(dir);
    }
  }

  private Path path(SnapshotMetadata metadata) {
    return dir.resolve(fileName(metadata.getTerm(), metadata.getIndex()));
  }

  private static SnapshotMetadata trailer(FileIO.Handle h, Path p) throws IOException {
    try {
      return SnapshotFile.readTrailer(h, p.toString());
    } catch (SnapshotFile.DamagedException e) {
      throw new SnapshotDamagedException(e.getMessage());  // the type the daemon and the transport handle
    }
  }
}
