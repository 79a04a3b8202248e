package io.raftd.host;

import io.raftd.driver.LogWriter;
import io.raftd.proto.Entry;
import io.raftd.proto.Event;
import io.raftd.proto.EventKind;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.storage.NoSpaceException;
import io.raftd.storage.WriteAheadLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WAL writer's lane: group commit. The RaftLoop stages its writes into the WAL's next frame itself (and
 * the snapshot writer its snapshot records), encoding them there while the previous batch is being written
 * and fsynced; each turn of the lane takes everything staged as one frame, writes it, syncs it once, and
 * reports the whole group durable to the RaftLoop in one task. The lane's time is then the disk's: write and
 * fsync, not encoding. A turn with nothing but the deletion of compacted segments needs no fsync.
 *
 * <p>A full disk is not fatal: the batch waits, retried every second (later writes are staged behind it),
 * and {@link #outOfSpace()} tells the host to refuse new proposals and hand leadership over meanwhile.
 * Any other failure stops the node (the lane's).
 */
public final class WalWriter implements LogWriter, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(WalWriter.class);
  private static final long SPACE_RETRY_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** Slow fsyncs are logged at most this often, with how many there were since the last line. */
  private static final long SLOW_LOG_EVERY_NANOS = TimeUnit.MINUTES.toNanos(1);
  private static final long SLOW_EVENT_EVERY_NANOS = TimeUnit.SECONDS.toNanos(1);
  /** {@link #writingSince} when no write is outstanding. */
  private static final long IDLE = Long.MIN_VALUE;

  private final WriteAheadLog wal;
  private final HostRuntime runtime;
  private final HostMetrics metrics;
  private final Lane lane;
  private final Lane raftLoop;
  private final IntConsumer durable;
  /** A drain is posted to the lane and has not started yet. */
  private final AtomicBoolean drainPosted = new AtomicBoolean();
  /** The segments a compaction freed wait for the lane to retire them. */
  private final AtomicBoolean deleteCompacted = new AtomicBoolean();
  /**
   * What each staged snapshot record runs once durable, in staging order (guarded by itself): a batch that
   * holds n such records takes the first n.
   */
  private final ArrayDeque<Runnable> snapshotCallbacks = new ArrayDeque<>();
  private volatile boolean closing;
  private volatile boolean outOfSpace;
  private volatile long batches;
  private volatile long writesPerBatchTotal;
  private volatile long entriesSynced;
  /** The runtime's nanoTime() when the outstanding group's write began, {@link #IDLE} if none is outstanding. */
  private volatile long writingSince = IDLE;
  private final long slowFsyncNanos;
  private volatile long slowFsyncs;
  /** Time spent writing and syncing batches, in microseconds: the lane alone adds to it. */
  private volatile long fsyncMicros;
  /** Lane: slow fsyncs not logged yet, and when the last line went out. */
  private long slowUnlogged;
  private long slowLoggedAt = IDLE;
  /** Lane: slow fsyncs not told as an event yet, and when the last event went out. */
  private long slowUntold;
  private long slowToldAt = IDLE;
  private final EventHub events;

  /**
   * @param runtime the clock that times each fsync
   * @param lane the writer's own lane: it alone touches the WAL's write side
   * @param durable run on the RaftLoop with the number of writes that became durable, in order
   * @param slowFsync an fsync slower than this is counted and logged (disk.slow_fsync_ms)
   * @param events told of slow fsyncs, once a second at most
   */
  public WalWriter(WriteAheadLog wal, HostRuntime runtime, Lane lane, Lane raftLoop, IntConsumer durable,
      HostMetrics metrics, java.time.Duration slowFsync, EventHub events) {
    this.wal = wal;
    this.events = events;
    this.slowFsyncNanos = slowFsync.toNanos();
    this.runtime = runtime;
    this.metrics = metrics;
    this.lane = lane;
    this.raftLoop = raftLoop;
    this.durable = durable;
  }

  public void start() {
    lane.start();
  }

  /** Stages the write into the WAL's next frame, on the caller's thread (the RaftLoop's). */
  @Override
  public void write(SnapshotMetadata snapshot, HardState hardState, List<Entry> entries) {
    wal.stage(snapshot, hardState, entries);
    postDrain();
  }

  private void postDrain() {
    if (drainPosted.compareAndSet(false, true)) {
      lane.post(() -> unchecked(this::drain));
    }
  }

  /**
   * Records a snapshot taken here (its file durable): once the record is durable {@code whenDurable} runs
   * on the RaftLoop, which tells the core and then {@link #compact}s up to {@code compactTo}.
   */
  public void snapshotTaken(SnapshotMetadata snapshot, long compactTo, Runnable whenDurable) {
    synchronized (snapshotCallbacks) {
      // Queued first: the lane may take the record into a batch the moment it is staged.
      snapshotCallbacks.addLast(whenDurable);
      try {
        wal.snapshotTaken(snapshot, compactTo);
      } catch (RuntimeException e) {
        snapshotCallbacks.removeLast();
        throw e;
      }
    }
    postDrain();
  }

  /**
   * RaftLoop, after the core has been told of the snapshot: compacts the log's view as far as durable
   * snapshot records allow, then has this thread delete the segments that freed.
   *
   * @return the index the log is now compacted up to
   */
  public long compact() {
    long to = wal.compact();
    deleteCompacted.set(true);
    postDrain();
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

  /** fsyncs of batches so far (a turn that only deleted compacted segments needs none and is not counted). */
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

  /** Lane: retires what compaction freed, then writes and syncs everything staged, unless a refused batch waits. */
  private void drain() throws IOException {
    drainPosted.set(false);  // before taking: a write staged from here on posts a drain of its own
    if (outOfSpace) {
      return;  // a batch refused for space waits in the WAL; its retry drains once it is through
    }
    if (deleteCompacted.getAndSet(false)) {
      wal.deleteCompactedSegments();
    }
    writeAndSync();
  }

  /** Lane: writes and syncs the staged batch, or, the disk being full, retries it in a second. */
  private void writeAndSync() throws IOException {
    WriteAheadLog.Written batch;
    writingSince = runtime.nanoTime();
    try {
      batch = wal.writeBatch();
    } catch (NoSpaceException e) {
      writingSince = IDLE;  // not stalled: refused, and retried
      if (!outOfSpace) {
        LOG.warn("{}: refusing new proposals until space returns", e.getMessage());
        outOfSpace = true;
      }
      if (!closing) {  // stopping: the batch was never acknowledged, and nothing waits for it
        lane.schedule(SPACE_RETRY_NANOS, () -> unchecked(this::retryRefusedBatch));
      }
      return;
    }
    if (batch == WriteAheadLog.Written.NOTHING) {
      writingSince = IDLE;
      return;
    }
    if (outOfSpace) {
      LOG.info("space is back: the WAL writes again");
      outOfSpace = false;
    }
    long start = runtime.nanoTime();
    wal.sync();
    long end = runtime.nanoTime();
    writingSince = IDLE;
    metrics.fsynced(end - start, batch.entries(), batch.bytes());
    fsyncMicros += TimeUnit.NANOSECONDS.toMicros(end - start);
    if (end - start > slowFsyncNanos) {
      slowFsync(end - start, end);
    }
    batches++;
    writesPerBatchTotal += batch.stages();
    entriesSynced += batch.entries();
    report(batch);
  }

  /** Lane: counts a slow fsync, and logs it unless one was logged in the last minute (then the next line counts it). */
  private void slowFsync(long took, long now) {
    slowFsyncs++;
    slowUnlogged++;
    slowUntold++;
    if (slowToldAt == IDLE || now - slowToldAt >= SLOW_EVENT_EVERY_NANOS) {
      events.publish(Event.newBuilder().setKind(EventKind.SLOW_FSYNC).setText("a WAL fsync took "
          + TimeUnit.NANOSECONDS.toMillis(took) + " ms, over disk.slow_fsync_ms (" + TimeUnit.NANOSECONDS.toMillis(slowFsyncNanos)
          + " ms); " + slowUntold + " slow fsync(s) since the last such event"));
      slowToldAt = now;
      slowUntold = 0;
    }
    if (slowLoggedAt == IDLE || now - slowLoggedAt >= SLOW_LOG_EVERY_NANOS) {
      LOG.warn("a WAL fsync took {} ms, over disk.slow_fsync_ms ({} ms); {} slow fsync(s) since the last such line:"
          + " the disk holds up every write of this member", TimeUnit.NANOSECONDS.toMillis(took),
          TimeUnit.NANOSECONDS.toMillis(slowFsyncNanos), slowUnlogged);
      slowLoggedAt = now;
      slowUnlogged = 0;
    }
  }

  /** Time spent writing and syncing batches so far, in microseconds (with {@link #syncs}: the mean fsync time). */
  public long fsyncMicros() {
    return fsyncMicros;
  }

  /** fsyncs slower than disk.slow_fsync_ms so far. */
  public long slowFsyncs() {
    return slowFsyncs;
  }

  /** How long the outstanding group's write and fsync have taken so far, 0 if none is outstanding. Any thread. */
  public long writingNanos() {
    long since = writingSince;
    return since == IDLE ? 0 : Math.max(0, runtime.nanoTime() - since);
  }

  private void retryRefusedBatch() throws IOException {
    writeAndSync();
    if (!outOfSpace) {
      drain();  // what was staged behind it
    }
  }

  private void report(WriteAheadLog.Written batch) {
    List<Runnable> callbacks = new ArrayList<>(batch.snapshotsTaken());
    synchronized (snapshotCallbacks) {
      for (int i = 0; i < batch.snapshotsTaken(); i++) {
        callbacks.add(snapshotCallbacks.removeFirst());
      }
    }
    if (batch.stages() == 0 && callbacks.isEmpty()) {
      return;  // nothing anyone waits for
    }
    raftLoop.post(() -> {
      if (batch.stages() > 0) {
        durable.accept(batch.stages());
      }
      callbacks.forEach(Runnable::run);
    });
  }

  private interface WalStep {
    void run() throws IOException;
  }

  /** An I/O failure on the lane stops the node (the lane's {@link Fatal}): durability is unknown after it. */
  private static void unchecked(WalStep step) {
    try {
      step.run();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Stops once the writes staged so far are durable (unless the disk is full: then they never were acknowledged). */
  @Override
  public void close() throws InterruptedException {
    closing = true;
    lane.post(() -> { });  // the lane runs what is queued before it, then stops
    lane.close();
  }
}
