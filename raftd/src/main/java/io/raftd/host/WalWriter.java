package io.raftd.host;

import io.raftd.driver.LogWriter;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.storage.NoSpaceException;
import io.raftd.storage.WriteAheadLog;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WAL writer thread: group commit. Writes the RaftLoop starts queue up while the previous batch is
 * being written and fsynced; each turn takes everything queued, stages it as one frame, writes it, syncs
 * it once, and reports the whole group durable to the RaftLoop in one task. A group of commit-only
 * writes needs no fsync: it is staged (to go out with the next frame) and reported at once.
 *
 * <p>A full disk is not fatal: the group waits, retried every second, and {@link #outOfSpace()} tells the
 * server to refuse new proposals meanwhile. Any other failure stops the node.
 */
public final class WalWriter implements LogWriter, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WalWriter.class);

  /** A write, or a snapshot record, waiting for the writer thread. */
  private sealed interface Request {}

  private record Write(SnapshotMetadata snapshot, HardState hardState, List<Entry> entries, boolean sync)
      implements Request {}

  private record SnapshotRecord(SnapshotMetadata snapshot, long compactTo, Runnable whenDurable) implements Request {}

  /** Delete the segments a compaction made visible on the RaftLoop freed. */
  private record DeleteCompacted() implements Request {}

  /** Wakes the thread to stop: never an interrupt, which would close the WAL's channels under it. */
  private record Stop() implements Request {}

  private final WriteAheadLog wal;
  private final TaskThread raftLoop;
  private final IntConsumer durable;
  private final Fatal fatal;
  private final LinkedBlockingQueue<Request> queue = new LinkedBlockingQueue<>();
  private final Thread thread;
  private volatile boolean running = true;
  private volatile boolean outOfSpace;
  private volatile long batches;
  private volatile long writesPerBatchTotal;
  private volatile long entriesSynced;

  /**
   * @param durable run on the RaftLoop with the number of writes that became durable, in order
   */
  public WalWriter(WriteAheadLog wal, TaskThread raftLoop, IntConsumer durable, Fatal fatal) {
    this.wal = wal;
    this.raftLoop = raftLoop;
    this.durable = durable;
    this.fatal = fatal;
    this.thread = new Thread(this::run, "wal-writer");
    this.thread.setDaemon(true);
  }

  public void start() {
    thread.start();
  }

  @Override
  public void write(SnapshotMetadata snapshot, HardState hardState, List<Entry> entries, boolean sync) {
    queue.add(new Write(snapshot, hardState, entries, sync));
  }

  /**
   * Records a snapshot taken here (its file durable): once the record is durable {@code whenDurable} runs
   * on the RaftLoop, which tells the core and then {@link #compact}s up to {@code compactTo}.
   */
  public void snapshotTaken(SnapshotMetadata snapshot, long compactTo, Runnable whenDurable) {
    queue.add(new SnapshotRecord(snapshot, compactTo, whenDurable));
  }

  /**
   * RaftLoop, after the core has been told of the snapshot: compacts the log's view as far as durable
   * snapshot records allow, then has this thread delete the segments that freed.
   *
   * @return the index the log is now compacted up to
   */
  public long compact() {
    long to = wal.compact();
    queue.add(new DeleteCompacted());
    return to;
  }

  /** The newest snapshot whose WAL record is durable: what the log starts after on a restart (any thread). */
  public SnapshotMetadata durableSnapshot() {
    return wal.snapshot();
  }

  public boolean outOfSpace() {
    return outOfSpace;
  }

  /** Mean writes per fsync batch so far: how well group commit works. */
  public double writesPerBatch() {
    long b = batches;
    return b == 0 ? 0 : (double) writesPerBatchTotal / b;
  }

  /** fsyncs of batches so far (a group of commit-only writes needs none and is not counted). */
  public long syncs() {
    return batches;
  }

  /** Writes made durable by those fsyncs. */
  public long syncedWrites() {
    return writesPerBatchTotal;
  }

  /** Log entries made durable by those fsyncs. */
  public long syncedEntries() {
    return entriesSynced;
  }

  private void run() {
    List<Request> group = new ArrayList<>();
    try {
      while (running || !queue.isEmpty()) {
        Request first = queue.take();
        group.add(first);
        queue.drainTo(group);
        group.removeIf(r -> r instanceof Stop);
        if (!group.isEmpty()) {
          commit(group);
          group.clear();
        }
      }
    } catch (Throwable t) {
      if (running) {
        fatal.stop("wal-writer", t);
      }
    }
  }

  private void commit(List<Request> group) throws Exception {
    int writes = 0;
    int entries = 0;
    boolean needsSync = false;
    List<Runnable> snapshotCallbacks = new ArrayList<>();
    boolean deleteCompacted = false;
    for (Request r : group) {
      if (r instanceof Write w) {
        wal.stage(w.snapshot(), w.hardState(), w.entries());
        writes++;
        entries += w.entries().size();
        needsSync |= w.sync();
      } else if (r instanceof SnapshotRecord s) {
        wal.snapshotTaken(s.snapshot(), s.compactTo());
        snapshotCallbacks.add(s.whenDurable());
        needsSync = true;
      } else if (r instanceof DeleteCompacted) {
        deleteCompacted = true;
      }
    }
    if (deleteCompacted) {
      wal.deleteCompactedSegments();
    }
    if (needsSync) {
      writeWaitingForSpace();
      wal.sync();
      batches++;
      writesPerBatchTotal += writes;
      entriesSynced += entries;
    }
    if (writes == 0 && snapshotCallbacks.isEmpty()) {
      return;  // housekeeping only: nothing to report
    }
    int n = writes;
    raftLoop.post(() -> {
      if (n > 0) {
        durable.accept(n);
      }
      snapshotCallbacks.forEach(Runnable::run);
    });
  }

  private void writeWaitingForSpace() throws Exception {
    while (true) {
      try {
        wal.writeBatch();
        if (outOfSpace) {
          LOG.info("space is back: the WAL writes again");
          outOfSpace = false;
        }
        return;
      } catch (NoSpaceException e) {
        if (!outOfSpace) {
          LOG.warn("{}: refusing new proposals until space returns", e.getMessage());
          outOfSpace = true;
        }
        Thread.sleep(1000);  // a retry period, not synchronisation: nothing else can free the disk
        if (!running) {
          throw e;  // stopping: the queued writes were never acknowledged
        }
      }
    }
  }

  /** Stops once the writes queued so far are durable. */
  @Override
  public void close() throws InterruptedException {
    running = false;
    queue.add(new Stop());
    thread.join(10_000);
  }
}
