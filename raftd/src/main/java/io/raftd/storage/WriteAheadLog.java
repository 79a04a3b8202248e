package io.raftd.storage;

import com.google.protobuf.MessageLite;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.raft.LogStorage;
import io.raftd.walformat.FrameEncoder;
import io.raftd.walformat.RecordType;
import io.raftd.walformat.WalFormat;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The segmented write-ahead log (format: {@link WalFormat}): entries, hard state and snapshot markers,
 * made durable one frame per fsync batch, and read back as the core's {@link LogStorage}, which shows
 * only what is durable.
 *
 * <p><b>Writing</b> goes in three steps, so a host can group commit and the simulator can crash between
 * any two: {@link #stage} adds a Ready's records to the next batch (no I/O); {@link #writeBatch} writes
 * the staged records as one frame; {@link #sync} forces it and only then publishes it to the storage
 * view. Everything staged while a batch is being written and forced goes into the next one.
 *
 * <p><b>Truncation</b> needs no record of its own: entries at an index at or below the last replace the
 * suffix from there, in the same frame, so the truncation is durable exactly when the entries are.
 * <b>Compaction</b> drops entries up to a point covered by a snapshot whose record is durable, in two
 * steps on two threads: {@link #compact} makes it visible in the {@link LogStorage} view, on the thread the
 * core runs on, after the core has been told of the snapshot (so a step of the core never sees the log's
 * first index move under it); then {@link #deleteCompactedSegments}, on the writer's thread, retires a
 * closed segment once the next segment starts at or below that point + 1: every entry after the point is
 * then in later segments. Each new segment begins with a frame repeating the newest snapshot record
 * and hard state, so retiring older segments never loses them. A retired segment's file goes into a
 * bounded {@link SegmentPool} (renamed, its blocks kept) or, if the pool is full, is deleted.
 *
 * <p><b>Rollover</b> makes the next segment durable first (its file taken from the pool, or else
 * preallocated to its full size with zeros and forced; header and first frame forced; renamed; directory
 * synced), then seals the old one with a last frame naming the new one, forced, before any batch goes into
 * the new segment. Once the log compacts behind itself, every segment is written into a recycled file:
 * each byte is written once, into blocks the file system already holds, which is what lets a batch go at
 * the disk's speed; the header's generation keeps the recycled file's old bytes from being read as
 * records. The daemon creates the first segment ({@link #createFirstSegment}) before its cluster record,
 * so its WAL is never empty afterwards.
 *
 * <p><b>Recovery</b> ({@link WalRecovery}) holds to these assumptions: fsynced bytes survive; of bytes
 * written after the last fsync any subset of 512-byte sectors survives; sector writes are atomic;
 * preallocated space reads as zeros, and recycled space as what its earlier lives wrote. <b>The rule:</b>
 * a crash can lose only records of the last batch that was written but not yet fsynced (never
 * acknowledged), as a torn tail inside the newest segment's preallocated (or recycled) space (or an
 * unfinished seal, which recovery completes). It cannot lose anything else, so anything else is damage and the log refuses to open, naming the file and what is lost: a segment
 * shorter than its preallocated size, a missing segment (a gap, or a newest segment that is sealed), a
 * closed segment without its seal, an empty WAL where the member has a cluster record, bytes that do not
 * check. The member never comes back with fewer acknowledged entries, or an older term or vote, than it
 * durably recorded. The format and the rule in full are on {@link WalFormat}.
 *
 * <p><b>Failures.</b> A failed write or fsync leaves durability unknown: the log fails for good and every
 * later call throws, so the host stops. A full disk while creating or preallocating a segment is not
 * fatal: {@link #writeBatch} throws {@link NoSpaceException} with nothing written, and the next call writes
 * the same batch first, once space returns.
 *
 * <p><b>Threads.</b> One writer thread writes and syncs (and so publishes and deletes segments). Other
 * threads may stage ({@link #stage}, {@link #snapshotTaken}), also while the writer writes and syncs: a host
 * encodes the next batch while the previous one's fsync runs, so that the encoding is not on the disk's
 * critical path. Stagers share only the staged batch with the writer, which takes it whole under a lock;
 * each frame is encoded by its stagers and then only stamped and written by the writer. Preallocation runs
 * on the executor given in the options; any thread may read the {@link LogStorage} view. The view is guarded
 * by the index's monitor, held by a read from disk for its whole duration, so a segment is never closed
 * under a reader: it is deleted only after the compaction that frees it is published.
 */
public final class WriteAheadLog implements LogStorage, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WriteAheadLog.class);

  public enum FsyncPolicy {
    /** fsync every batch before it counts as durable: the default, and the only safe choice. */
    ALWAYS,
    /** Never fsync batches: a crash may lose acknowledged entries. For throwaway test clusters only. */
    NEVER
  }

  /**
   * @param segmentBytes the size segments are preallocated to
   * @param cacheBytes how many bytes of the newest entries stay in memory
   * @param preallocator where the next segment is preallocated, off the write path
   */
  public record Options(long segmentBytes, FsyncPolicy fsync, long cacheBytes, Executor preallocator) {
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;

    public static Options defaults(Executor preallocator) {
      return new Options(DEFAULT_SEGMENT_BYTES, FsyncPolicy.ALWAYS, 64L << 20, preallocator);
    }

    public Options {
      if (segmentBytes < 4 * WalFormat.SECTOR || segmentBytes % WalFormat.SECTOR != 0) {
        throw new IllegalArgumentException("segment size must be a multiple of 512 bytes, at least 2048");
      }
    }

    public Options withSegmentBytes(long bytes) {
      return new Options(bytes, fsync, cacheBytes, preallocator);
    }

    public Options withFsync(FsyncPolicy policy) {
      return new Options(segmentBytes, policy, cacheBytes, preallocator);
    }
  }

  /** A record staged or written, with where it went once written. */
  private sealed interface Op {}

  private static final class EntryOp implements Op {
    final Entry entry;
    final int payloadOffset;
    final int length;
    Segment segment;
    long offset;

    EntryOp(Entry entry, int payloadOffset, int length) {
      this.entry = entry;
      this.payloadOffset = payloadOffset;
      this.length = length;
    }
  }

  private record HardStateOp(HardState hardState) implements Op {}

  private record InstallOp(SnapshotMetadata snapshot) implements Op {}

  /** A taken snapshot; once durable, the log may be compacted up to {@code compactTo}. */
  private record TakenOp(SnapshotMetadata snapshot, long compactTo) implements Op {}

  /**
   * What one {@link #writeBatch} wrote: the frame's bytes, and how many {@link #stage} calls (a host's writes),
   * entries and {@link #snapshotTaken} records it holds, which become durable with the next {@link #sync}.
   */
  public record Written(int bytes, int stages, int entries, int snapshotsTaken) {
    public static final Written NOTHING = new Written(0, 0, 0, 0);
  }

  /** The records of one frame, encoded as they are staged, and the stage calls they came from. */
  private static final class Batch {
    final FrameEncoder frame = new FrameEncoder();
    final List<Op> ops = new ArrayList<>();
    int stages;
    int entries;
    int snapshotsTaken;
    /** Where the frame went, once written. */
    Segment segment;

    void add(Op op, RecordType type, MessageLite body) {
      frame.add(type, body);
      ops.add(op);
    }

    boolean isEmpty() {
      return ops.isEmpty() && stages == 0;
    }

    Written written(int bytes) {
      return new Written(bytes, stages, entries, snapshotsTaken);
    }

    void clear() {
      frame.clear();
      ops.clear();
      stages = 0;
      entries = 0;
      snapshotsTaken = 0;
      segment = null;
    }
  }

  private final FileIO io;
  private final Path dir;
  private final Options options;
  private final List<Segment> segments;
  private final LogIndex index;
  private final BrokenStorage broken;
  private volatile HardState hardState;
  private volatile SnapshotMetadata snapshot;
  /** Where {@link #compact} compacts the view to: the furthest durable snapshot record allows (guarded by index). */
  private long compactable;
  /** Guards {@link #staging} and {@link #lastStaged}: the only state stagers share with the writer thread. */
  private final Object stagingLock = new Object();
  /** What is staged for the next frame. */
  private Batch staging = new Batch();
  /** The log's last index once everything staged is written. */
  private long lastStaged;
  /** Writer thread: the cleared batch {@link #writeBatch} puts in {@link #staging}'s place; null while one is out. */
  private Batch spare = new Batch();
  /** Writer thread: the batch refused for lack of space, which the next {@link #writeBatch} writes first. */
  private Batch refused;
  /** Writer thread: the batch written and not yet synced, or null. */
  private Batch written;
  private long nextSeq;
  private CompletableFuture<Path> nextSegment;
  private final SegmentPool pool;
  private volatile IOException failure;
  /** The last batch was refused for lack of space and has not been written since. */
  private boolean outOfSpace;
  private final WalRecovery.Report recovery;

  WriteAheadLog(FileIO io, Path dir, Options options, WalRecovery.Result recovered, BrokenStorage broken) {
    this.io = io;
    this.dir = dir;
    this.options = options;
    this.broken = broken;
    this.segments = recovered.segments();
    this.index = recovered.index();
    this.hardState = recovered.hardState();
    this.snapshot = recovered.snapshot();
    this.lastStaged = index.last();
    this.nextSeq = recovered.nextSeq();
    this.recovery = recovered.report();
    this.pool = new SegmentPool(io, dir, options.segmentBytes());
    preallocateNext();
  }

  /**
   * Gives a WAL with no segment its first one now, durably (otherwise the first batch does). The daemon
   * calls this before it writes its cluster record, so a directory holding that record never holds an
   * empty WAL, and an empty one there is damage.
   *
   * @throws NoSpaceException if the disk is full: nothing changed
   */
  public void createFirstSegment() throws IOException {
    checkUsable();
    if (segments.isEmpty()) {
      rollover();
    }
  }

  /**
   * Opens the log in {@code dir}, creating it if absent, and recovers it.
   *
   * @param bootstrap the configuration in force before the first entry, for a log with no snapshot
   * @throws WalCorruptionException if synced data is damaged: the message names file, offset and entries
   */
  public static WriteAheadLog open(FileIO io, Path dir, Options options, Configuration bootstrap) throws IOException {
    return open(io, dir, options, bootstrap, BrokenStorage.NONE);
  }

  static WriteAheadLog open(FileIO io, Path dir, Options options, Configuration bootstrap, BrokenStorage broken)
      throws IOException {
    if (options.fsync() == FsyncPolicy.NEVER) {
      LOG.warn("wal.fsync = \"never\": acknowledged writes in {} can be lost on power failure; use this only for"
          + " throwaway test clusters", dir);
    }
    WalRecovery.Result r = WalRecovery.recover(io, dir, options, bootstrap, broken);
    if (r.report().torn() != null) {
      LOG.warn(r.report().describe());
    }
    return new WriteAheadLog(io, dir, options, r, broken);
  }

  /** What recovery found: a torn tail it dropped, if any. */
  public WalRecovery.Report recovery() {
    return recovery;
  }

  // ---- LogStorage: the durable log ----

  @Override
  public HardState hardState() {
    return hardState;
  }

  @Override
  public Configuration configuration() {
    synchronized (index) {
      return index.baseConfiguration();
    }
  }

  /**
   * The configuration in force just before entry {@code entry}: that of the newest CONFIG entry below it, or the
   * one at the compaction point. For readers that show a change with the configuration it changed (ReadLog).
   */
  public Configuration configurationBefore(long entry) {
    synchronized (index) {
      return index.configurationBefore(entry);
    }
  }

  @Override
  public SnapshotMetadata snapshot() {
    return snapshot;
  }

  @Override
  public long firstIndex() {
    synchronized (index) {
      return index.base() + 1;
    }
  }

  @Override
  public long lastIndex() {
    synchronized (index) {
      return index.last();
    }
  }

  @Override
  public long term(long i) {
    synchronized (index) {
      return index.term(i);
    }
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    synchronized (index) {
      return entriesLocked(lo, hi, maxBytes);
    }
  }

  private List<Entry> entriesLocked(long lo, long hi, long maxBytes) {
    if (lo < firstIndex() || hi > lastIndex() + 1 || lo > hi) {
      throw new IndexOutOfBoundsException("entries [" + lo + ", " + hi + ") outside [" + firstIndex() + ", " + lastIndex() + "]");
    }
    List<Entry> out = new ArrayList<>();
    long bytes = 0;
    for (long i = lo; i < hi; i++) {
      Entry e = index.cached(i);
      if (e == null) {
        e = readEntry(i);
      }
      bytes += e.getData().size();
      if (!out.isEmpty() && bytes > maxBytes) {
        break;
      }
      out.add(e);
    }
    return out;
  }

  private Entry readEntry(long i) {
    Segment s = index.segment(i);
    try {
      Entry e = Entry.parseFrom(s.readBody(index.offset(i), index.length(i), RecordType.ENTRY));
      if (e.getIndex() != i) {
        throw new WalCorruptionException(s.name() + " at offset " + index.offset(i) + ": expected entry " + i
            + " but found " + e.getIndex());
      }
      return e;
    } catch (IOException e) {
      // The core cannot go on without the entry: the host stops the node.
      throw new StorageFailure("reading entry " + i + " from " + s.name() + ": " + e.getMessage(), e);
    }
  }

  // ---- Writing ----

  /**
   * Adds a Ready's writes to the next batch, in the order recovery must replay them: an installed
   * snapshot (the log restarts after it), entries (replacing the stored suffix from the first one), the
   * hard state. No I/O.
   */
  public void stage(SnapshotMetadata installed, HardState hs, List<Entry> entries) {
    checkUsable();
    synchronized (stagingLock) {
      Batch b = staging;
      long last = !entries.isEmpty() ? entries.get(entries.size() - 1).getIndex()
          : installed != null ? installed.getIndex() : lastStaged;
      if (hs != null && hs.getCommit() > last) {
        throw new IllegalArgumentException("hard state commits " + hs.getCommit() + " but the log ends at " + last);
      }
      if (installed != null) {
        b.add(new InstallOp(installed), RecordType.SNAPSHOT_INSTALLED, installed);
      }
      for (Entry e : entries) {
        int at = b.frame.add(RecordType.ENTRY, e);
        b.ops.add(new EntryOp(e, at, WalFormat.RECORD_HEADER + e.getSerializedSize()));
      }
      if (hs != null) {
        b.add(new HardStateOp(hs), RecordType.HARD_STATE, hs);
      }
      lastStaged = last;
      b.stages++;
      b.entries += entries.size();
    }
  }

  /**
   * Records a snapshot this member took, whose file is durable: once the record is durable the log may be
   * compacted ({@link #compact}) up to {@code compactTo} (at most the snapshot's index; lower keeps a tail
   * for slow followers).
   */
  public void snapshotTaken(SnapshotMetadata taken, long compactTo) {
    checkUsable();
    if (compactTo > taken.getIndex()) {
      throw new IllegalArgumentException("compaction to " + compactTo + " beyond snapshot " + taken.getIndex());
    }
    synchronized (stagingLock) {
      staging.add(new TakenOp(taken, compactTo), RecordType.SNAPSHOT_TAKEN, taken);
      staging.snapshotsTaken++;
    }
    if (broken == BrokenStorage.COMPACT_BEFORE_SNAPSHOT_DURABLE) {
      long to;
      synchronized (index) {
        snapshot = taken;
        to = Math.min(compactTo, index.last());
        index.compactTo(to);
      }
      try {
        deleteSegmentsBefore(to);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** Whether records wait for the next {@link #writeBatch}. */
  public boolean hasStaged() {
    synchronized (stagingLock) {
      return !staging.ops.isEmpty();
    }
  }

  /**
   * Whether the disk was full when the last batch needed a new segment: the host refuses new proposals
   * (no space) until a batch is written again.
   */
  public boolean outOfSpace() {
    return outOfSpace;
  }

  /** Whether a written batch waits for {@link #sync}. */
  public boolean hasUnsynced() {
    return written != null;
  }

  /**
   * Writes everything staged as one frame, starting a new segment first if it does not fit. No fsync.
   *
   * @return what the frame holds, {@link Written#NOTHING} if nothing was staged
   * @throws NoSpaceException if the disk is full (for a new segment, or for the frame): nothing counts as written;
   *     retry later (the same batch goes first)
   */
  public Written writeBatch() throws IOException {
    checkUsable();
    if (written != null) {
      throw new IllegalStateException("the previous batch is not synced yet");
    }
    Batch b = refused;
    refused = null;
    if (b == null) {
      synchronized (stagingLock) {
        if (staging.isEmpty()) {
          return Written.NOTHING;
        }
        b = staging;
        staging = spare;
      }
      spare = null;
    }
    if (b.ops.isEmpty()) {
      Written w = b.written(0);
      recycle(b);
      return w;
    }
    Segment open = segments.isEmpty() ? null : segments.get(segments.size() - 1);
    int frameBytes = b.frame.frameBytes();
    try {
      // A sector is kept free for the seal, so a closed segment stays at its preallocated size and can be recycled.
      if (open == null || (open.frameCount > 0 && open.end + frameBytes + WalFormat.SECTOR > options.segmentBytes())) {
        open = rollover();
      }
      long pos = open.end;
      try {
        open.handle.write(pos, b.frame.encode(open.seq, open.frameCount + 1));
      } catch (IOException e) {
        throw fail("writing a batch to " + open.name(), e);
      }
      open.end = pos + frameBytes;
      open.frameCount++;
      for (Op op : b.ops) {
        if (op instanceof EntryOp e) {
          e.segment = open;
          e.offset = pos + WalFormat.physicalOffset(WalFormat.FRAME_HEADER_CONTENT + e.payloadOffset);
        }
      }
    } catch (NoSpaceException e) {
      outOfSpace = true;
      refused = b;
      throw e;
    }
    outOfSpace = false;
    b.segment = open;
    written = b;
    return b.written(frameBytes);
  }

  /** Forces the written batch (unless the policy is never), then makes it visible as durable. */
  public void sync() throws IOException {
    checkUsable();
    Batch b = written;
    if (b == null) {
      return;
    }
    if (options.fsync() == FsyncPolicy.ALWAYS && broken != BrokenStorage.ACKNOWLEDGE_BEFORE_FSYNC) {
      try {
        b.segment.handle.force();
      } catch (IOException e) {
        throw fail("fsync of " + b.segment.name() + " failed, so what it holds is unknown", e);
      }
    }
    written = null;
    publish(b.ops);
    recycle(b);
  }

  /** Writer thread: a batch done with becomes the next {@link #writeBatch}'s replacement for the staging one. */
  private void recycle(Batch b) {
    b.clear();
    spare = b;
  }

  /** Stages, writes and syncs in one go: for tools and tests that need no group commit. */
  public void append(SnapshotMetadata installed, HardState hs, List<Entry> entries) throws IOException {
    stage(installed, hs, entries);
    writeBatch();
    sync();
  }

  private void publish(List<Op> batch) {
    synchronized (index) {
      for (Op op : batch) {
        if (op instanceof EntryOp e) {
          index.append(e.entry, e.segment, e.offset, e.length);
        } else if (op instanceof HardStateOp h) {
          hardState = h.hardState();
        } else if (op instanceof InstallOp i) {
          snapshot = i.snapshot();
          index.reset(i.snapshot().getIndex(), i.snapshot().getTerm(), i.snapshot().getConfiguration());
        } else if (op instanceof TakenOp t) {
          if (t.snapshot().getIndex() > snapshot.getIndex()) {
            snapshot = t.snapshot();
          }
          compactable = Math.max(compactable, Math.min(t.compactTo(), index.last()));
        }
      }
    }
  }

  /**
   * Makes the compaction that durable snapshot records allow visible in the {@link LogStorage} view. Call
   * on the thread the core runs on, and only after the core has been told of the snapshot
   * ({@code RawNode.snapshotTaken}): the core reads the view during a step (first index, then entries and
   * terms from it), and the first index must not move under it. The files go later, in
   * {@link #deleteCompactedSegments}.
   *
   * @return the index the log is now compacted up to
   */
  public long compact() {
    synchronized (index) {
      long to = Math.min(compactable, index.last());
      if (to > index.base()) {
        index.compactTo(to);
      }
      return index.base();
    }
  }

  /**
   * Retires (recycles or deletes) the closed segments that hold nothing after the compaction
   * {@link #compact} made visible. On the writer's thread, which owns the segments; no reader can need
   * them any more.
   */
  public void deleteCompactedSegments() throws IOException {
    checkUsable();
    long base;
    synchronized (index) {
      base = index.base();
    }
    deleteSegmentsBefore(base);
  }

  /**
   * Retires the closed segments that hold nothing after {@code compacted} (the compaction made visible):
   * renamed into the pool or deleted, oldest first, each followed by a directory fsync: whatever a crash
   * keeps of the renames and deletions, the segments left form one run, never a gap (a file system may
   * persist a later unlink before an earlier one, and recovery reads a gap as damage). A failed rename,
   * deletion or directory fsync fails the log: what the directory holds is then unknown, and retiring
   * later segments could leave a gap.
   */
  private void deleteSegmentsBefore(long compacted) throws IOException {
    while (segments.size() > 1 && segments.get(1).firstIndex <= compacted + 1) {
      Segment s = segments.get(0);
      try {
        pool.retire(s);
        if (broken != BrokenStorage.SKIP_DIRECTORY_FSYNC) {
          io.syncDirectory(dir);
        }
      } catch (IOException e) {
        throw fail("retiring the compacted segment " + s.name() + " (and syncing its directory)", e);
      }
      segments.remove(0);
    }
  }

  /**
   * Starts the next segment: its file (recycled, or preallocated) gets a header and a first frame
   * repeating the newest snapshot record and hard state, is forced, renamed to its final name, and the
   * directory is synced; then the old segment is sealed (forced) before anything is written into the new
   * one. Called only with no batch awaiting its sync, so everything written so far is durable and published.
   */
  private Segment rollover() throws IOException {
    long seq = nextSeq;
    SegmentPool.Blank blank;
    try {
      blank = pool.take(seq);
    } catch (IOException e) {
      throw fail("deleting a WAL segment file too old to recycle", e);
    }
    if (blank == null) {
      blank = new SegmentPool.Blank(takePreallocated(), 0);
    }
    Path temp = blank.path();
    long first = index.last() + 1;
    Path path = dir.resolve(WalFormat.segmentName(seq, first));
    Segment s;
    try {
      FileIO.Handle h = io.open(temp, false);
      // The size it was preallocated to, forced before the name exists: a segment shorter than this is damage.
      // And the generations a recycled file still holds bytes of, which recovery must read as unwritten.
      h.write(0, WalFormat.segmentHeader(seq, first, h.size(), blank.staleSince()));
      FrameEncoder head = new FrameEncoder();
      if (snapshot.getIndex() > 0) {
        head.add(RecordType.SNAPSHOT_TAKEN, snapshot);
      }
      head.add(RecordType.HARD_STATE, hardState);
      long end = WalFormat.SEGMENT_HEADER_BYTES;
      h.write(end, head.encode(seq, 1));
      end += head.frameBytes();
      h.force();
      io.rename(temp, path);
      if (broken != BrokenStorage.SKIP_DIRECTORY_FSYNC) {
        io.syncDirectory(dir);
      }
      s = new Segment(seq, first, path, h, end, 1);
    } catch (IOException e) {
      throw fail("starting WAL segment " + path.getFileName(), e);
    }
    if (!segments.isEmpty()) {
      Segment old = segments.get(segments.size() - 1);
      try {
        old.seal(seq, first);
      } catch (IOException e) {
        throw fail("sealing WAL segment " + old.name() + " as continued in " + s.name(), e);
      }
    }
    segments.add(s);
    nextSeq++;
    // A preallocated file is the fallback when the pool is empty: keep one ready (or on its way), no more.
    if (nextSegment == null && pool.isEmpty()) {
      preallocateNext();
    }
    return s;
  }

  /**
   * The preallocated file for the next segment; if preallocating it hit a full disk, one more try now,
   * on the write path, since space may have returned.
   */
  private Path takePreallocated() throws IOException {
    CompletableFuture<Path> f = nextSegment;
    nextSegment = null;
    if (f != null) {
      try {
        return f.join();
      } catch (CompletionException e) {
        if (!(e.getCause() instanceof NoSpaceException)) {
          throw fail("preallocating the next WAL segment", e.getCause() instanceof IOException io ? io : new IOException(e.getCause()));
        }
      }
    }
    Path temp = tempPath(nextSeq);
    try {
      preallocate(temp);
      return temp;
    } catch (NoSpaceException e) {
      LOG.warn("no space for a new WAL segment in {}: new entries wait until space returns", dir);
      throw e;
    } catch (IOException e) {
      throw fail("preallocating the next WAL segment", e);
    }
  }

  private Path tempPath(long seq) {
    return dir.resolve(String.format("%016x%s", seq, WalFormat.TEMP_SUFFIX));
  }

  private void preallocateNext() {
    Path temp = tempPath(nextSeq);
    nextSegment = CompletableFuture.supplyAsync(() -> {
      try {
        preallocate(temp);
        return temp;
      } catch (IOException e) {
        throw new CompletionException(e);
      }
    }, options.preallocator());
  }

  /** Writes the file full of zeros (not a sparse file: its blocks must exist before the hot path needs them). */
  private void preallocate(Path temp) throws IOException {
    try (FileIO.Handle h = io.open(temp, true)) {
      ByteBuffer zeros = ByteBuffer.allocateDirect((int) Math.min(1 << 20, options.segmentBytes()));
      for (long at = h.size(); at < options.segmentBytes(); ) {
        zeros.clear().limit((int) Math.min(zeros.capacity(), options.segmentBytes() - at));
        h.write(at, zeros);
        at += zeros.limit();
      }
      h.force();
    } catch (NoSpaceException e) {
      try {
        io.delete(temp);
      } catch (IOException ignored) {
        // the leftover temp file is deleted at the next start
      }
      throw e;
    }
  }

  private void checkUsable() {
    if (failure != null) {
      throw new StorageFailure("the WAL failed earlier and cannot be used: " + failure.getMessage(), failure);
    }
  }

  private IOException fail(String what, IOException cause) {
    if (cause instanceof NoSpaceException) {
      return cause;
    }
    failure = new IOException(what + ": " + cause.getMessage(), cause);
    return failure;
  }

  /** Segment files, oldest first: for tests and tools. */
  public List<Path> segmentFiles() {
    return segments.stream().map(s -> s.path).toList();
  }

  @Override
  public void close() throws IOException {
    if (nextSegment != null) {
      nextSegment.exceptionally(e -> null).join();
    }
    for (Segment s : segments) {
      s.handle.close();
    }
  }
}
