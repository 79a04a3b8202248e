package io.raftd.host;

import io.raftd.driver.Applier;
import io.raftd.proto.CommandResult;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.EntryType;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.raft.confchange.ConfChanges;
import io.raftd.statemachine.SessionLayer;
import io.raftd.statemachine.Snapshot;
import io.raftd.storage.SnapshotStore;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The apply thread: applies committed entries to the session layer (and through it the state machine),
 * completes the proposals waiting for them, and takes snapshots every so many entries. Taking one only
 * takes a reference on this thread; the snapshot writer thread streams it into the snapshot store, then
 * the WAL records it, and only once that record is durable does the RaftLoop tell the core and compact
 * the log ({@link RaftNode#snapshotTaken}).
 */
public final class ApplyWorker implements Applier, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ApplyWorker.class);

  /**
   * When to snapshot: every {@code entries} applied entries, once the entry data since the last snapshot is
   * also at least {@code logPercent} percent of that snapshot's size (or the snapshot is small); and whatever
   * the entries, once that data reaches {@code bytes} or that share, whichever is larger. Keeps
   * {@code keepEntries} behind it in the log.
   *
   * <p>A snapshot rewrites the whole state. By entries alone, a large state (550,000 keys) was rewritten every
   * 10,000 puts: 16 KB of snapshot per 256-byte put, and most of the put latency's tail; by a fixed byte
   * bound, a 180 MB state was still rewritten every 64 MiB of log. Tied to the log's growth (the thesis's
   * "expansion factor", §5.1), a snapshot costs at most 100 / logPercent bytes per byte of log, whatever the
   * state's size. A restart replays at most {@code bytes} of log, or that share of the snapshot it loads
   * first, whichever is larger: in proportion to the state it reads anyway.
   */
  public record SnapshotPolicy(long entries, long bytes, long keepEntries, int logPercent) {
    /** Below this a snapshot costs little to rewrite: entries alone decide, as tests with tiny states expect. */
    static final long SMALL_SNAPSHOT = 1 << 20;

    /**
     * @param lastSnapshotBytes the size of the latest snapshot file, 0 if none is known
     */
    boolean due(long entriesSince, long bytesSince, long lastSnapshotBytes) {
      boolean shareReached = bytesSince * 100 >= logPercent * lastSnapshotBytes;
      if (bytesSince >= bytes && shareReached) {
        return true;
      }
      return entriesSince >= entries && (lastSnapshotBytes < SMALL_SNAPSHOT || shareReached);
    }
  }

  private final SessionLayer state;
  private final SnapshotStore store;
  private final Lane applyThread;
  private final Lane raftLoop;
  private final LongConsumer onApplied;
  private final Proposals proposals;
  private final WalWriter walWriter;
  private final SnapshotPolicy policy;
  private final Consumer<SnapshotMetadata> onSnapshotDurable;
  private final Fatal fatal;
  private final HostRuntime runtime;
  private final HostMetrics metrics;
  /** Writes snapshot files while applies go on; then prunes old ones. */
  private final Lane snapshotWriter;
  /** Apply thread only: the raft index applied (NOOP and CONFIG entries too), its term, the configuration. */
  private long applied;
  private long appliedTerm;
  private Configuration configuration;
  private long lastSnapshotIndex;
  private long bytesSinceSnapshot;
  /** Apply thread only: the latest snapshot's size (taken here, or installed), 0 before one. */
  private long lastSnapshotBytes;
  private boolean snapshotInProgress;
  private volatile long appliedIndex;
  private final AtomicLong snapshotsFailed = new AtomicLong();

  /**
   * @param onApplied runs on the RaftLoop with the index applied so far
   * @param onSnapshotDurable runs on the RaftLoop with a snapshot taken here once its WAL record is durable:
   *     it tells the core, then compacts the log
   * @param runtime the clock that times snapshot writes, for {@code metrics}
   */
  public ApplyWorker(SessionLayer state, SnapshotStore store, Lane applyThread, Lane raftLoop, Lane snapshotWriter,
      LongConsumer onApplied, Proposals proposals, WalWriter walWriter, SnapshotPolicy policy,
      Consumer<SnapshotMetadata> onSnapshotDurable, SnapshotMetadata startsAfter, Configuration configuration, Fatal fatal,
      HostRuntime runtime, HostMetrics metrics) {
    this.runtime = runtime;
    this.metrics = metrics;
    this.state = state;
    this.store = store;
    this.applyThread = applyThread;
    this.raftLoop = raftLoop;
    this.onApplied = onApplied;
    this.proposals = proposals;
    this.walWriter = walWriter;
    this.policy = policy;
    this.onSnapshotDurable = onSnapshotDurable;
    this.fatal = fatal;
    this.applied = startsAfter.getIndex();
    this.appliedTerm = startsAfter.getTerm();
    this.appliedIndex = applied;
    this.lastSnapshotIndex = startsAfter.getIndex();
    this.configuration = configuration;
    this.snapshotWriter = snapshotWriter;
  }

  /**
   * Before the node starts: restores the state machine from the snapshot the log starts after (if any),
   * streamed from its file (checked whole first), so that a restart needs no more heap than the state.
   *
   * @return the index the state machine has applied
   */
  public static long restoreAtStart(SessionLayer state, SnapshotStore store, SnapshotMetadata base) throws IOException {
    if (base.getIndex() == 0) {
      return 0;
    }
    try (InputStream in = store.open(base)) {
      state.restore(in);
    }
    return base.getIndex();
  }

  /** The raft index applied so far: any thread. */
  public long appliedIndex() {
    return appliedIndex;
  }

  @Override
  public void apply(List<Entry> committed) {
    applyThread.post(() -> {
      for (Entry e : committed) {
        CommandResult result = null;
        if (e.getType() == EntryType.NORMAL) {
          result = state.apply(e.getIndex(), e.getTerm(), e.getData());
        } else if (e.getType() == EntryType.CONFIG) {
          configuration = ConfChanges.parse(e);
        }
        applied = e.getIndex();
        appliedTerm = e.getTerm();
        appliedIndex = applied;
        bytesSinceSnapshot += e.getData().size();
        proposals.applied(e, result);
      }
      long upTo = applied;
      raftLoop.post(() -> onApplied.accept(upTo));
      if (policy.due(applied - lastSnapshotIndex, bytesSinceSnapshot, lastSnapshotBytes)) {
        snapshot(null);
      }
    });
  }

  @Override
  public void restore(SnapshotMetadata snapshot) {
    applyThread.post(() -> {
      try (InputStream in = store.open(snapshot)) {
        state.restore(in);
      } catch (IOException e) {
        fatal.stop("apply", new IOException("restoring snapshot " + snapshot.getIndex() + ": " + e.getMessage(), e));
        return;
      }
      applied = snapshot.getIndex();
      appliedTerm = snapshot.getTerm();
      appliedIndex = applied;
      configuration = snapshot.getConfiguration();
      proposals.snapshotInstalled(applied);
      lastSnapshotIndex = Math.max(lastSnapshotIndex, applied);
      lastSnapshotBytes = snapshot.getSize();
      LOG.info("installed snapshot {} of term {} ({} bytes) from the leader: the state machine now stands at index {}",
          snapshot.getIndex(), snapshot.getTerm(), snapshot.getSize(), applied);
      long upTo = applied;
      raftLoop.post(() -> onApplied.accept(upTo));
    });
  }

  /**
   * Takes a snapshot now (on request, or by policy); {@code done}, if not null, completes with its
   * metadata once it is durable and recorded, or exceptionally.
   */
  public void snapshotNow(CompletableFuture<SnapshotMetadata> done) {
    applyThread.post(() -> snapshot(done));
  }

  /** Apply thread: takes a reference to the state and hands the writing to the snapshot writer. */
  private void snapshot(CompletableFuture<SnapshotMetadata> done) {
    if (snapshotInProgress || applied == 0) {
      if (done != null) {
        done.completeExceptionally(new IllegalStateException(applied == 0 ? "nothing applied yet" : "a snapshot is being taken"));
      }
      return;
    }
    snapshotInProgress = true;
    Snapshot ref = state.snapshot();
    bytesSinceSnapshot = 0;
    SnapshotMetadata meta = SnapshotMetadata.newBuilder().setIndex(applied).setTerm(appliedTerm)
        .setConfiguration(configuration).setId(io.raftd.walformat.SnapshotFile.id(appliedTerm, applied)).build();
    lastSnapshotIndex = applied;
    snapshotWriter.post(() -> {
      long started = runtime.nanoTime();
      try {
        SnapshotMetadata stored;
        try (SnapshotStore.Writer w = store.create(meta); OutputStream out = chunks(w)) {
          ref.writeTo(out);
          out.flush();
          stored = w.finish();
        }
        metrics.snapshotWritten(runtime.nanoTime() - started, stored.getSize());
        long compactTo = Math.max(0, stored.getIndex() - policy.keepEntries());
        walWriter.snapshotTaken(stored, compactTo, () -> {
          onSnapshotDurable.accept(stored);
          LOG.info("took snapshot {} of term {} ({} bytes); the log is compacted up to {}", stored.getIndex(),
              stored.getTerm(), stored.getSize(), compactTo);
          snapshotWriter.post(this::prune);
          applyThread.post(() -> {
            snapshotInProgress = false;
            lastSnapshotBytes = stored.getSize();
            // Entries applied while this one was written may have made the next one due: it is taken now,
            // not at the next apply, which may never come (an idle member's log would stay long).
            if (policy.due(applied - lastSnapshotIndex, bytesSinceSnapshot, lastSnapshotBytes)) {
              snapshot(null);
            }
          });
          if (done != null) {
            done.complete(stored);
          }
        });
      } catch (Exception e) {
        // Whatever failed (the disk, or the state machine's own writeTo), the writer has deleted its
        // temporary file, and the next snapshot must be able to run: the log would grow without bound.
        snapshotsFailed.incrementAndGet();
        LOG.error("snapshot at {} failed, the next one will be tried: {}", meta.getIndex(), String.valueOf(e.getMessage()),
            e instanceof IOException ? null : e);
        applyThread.post(() -> snapshotInProgress = false);
        if (done != null) {
          done.completeExceptionally(e);
        }
      }
    });
  }

  /**
   * Deletes old snapshot files, keeping the one the WAL's log starts after as of now (which may be newer
   * than the one just taken: a snapshot installed from the leader meanwhile) and any newer file.
   */
  private void prune() {
    try {
      store.prune(walWriter.durableSnapshot());
    } catch (IOException | RuntimeException e) {
      LOG.warn("could not delete old snapshots: {}", e.getMessage());
    }
  }

  /** Snapshots that failed to be written (any thread). */
  public long snapshotsFailed() {
    return snapshotsFailed.get();
  }

  /** An OutputStream that hands the snapshot writer 256 KiB chunks. */
  private static OutputStream chunks(SnapshotStore.Writer w) {
    return new OutputStream() {
      private final ByteBuffer buf = ByteBuffer.allocate(256 << 10);

      @Override
      public void write(int b) throws IOException {
        if (!buf.hasRemaining()) {
          flush();
        }
        buf.put((byte) b);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
          if (!buf.hasRemaining()) {
            flush();
          }
          int n = Math.min(len, buf.remaining());
          buf.put(b, off, n);
          off += n;
          len -= n;
        }
      }

      @Override
      public void flush() throws IOException {
        if (buf.position() > 0) {
          w.write(buf.flip());
          buf.clear();
        }
      }
    };
  }

  @Override
  public void close() throws InterruptedException {
    snapshotWriter.close();
  }
}
