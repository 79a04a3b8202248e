package io.raftd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.daemon.LocalCluster;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.EntryType;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.statemachine.SessionLayer;
import io.raftd.statemachine.Snapshot;
import io.raftd.statemachine.StateMachine;
import io.raftd.storage.NioFileIO;
import io.raftd.storage.SnapshotStore;
import io.raftd.storage.WriteAheadLog;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The apply thread's snapshots, on the real threads, WAL writer and snapshot store (issue 12): a snapshot
 * whose state machine fails while writing must not stop later ones (bug 4), and pruning after a snapshot
 * must keep the one the WAL starts from, though a newer one was installed from the leader meanwhile (bug 3).
 */
class ApplyWorkerSnapshotTest {
  private static final Duration PATIENCE = Duration.ofSeconds(20);
  private static final Configuration VOTERS = Configuration.newBuilder().addVoters(1).addVoters(2).addVoters(3).build();

  @TempDir
  Path dir;

  private final AtomicReference<Throwable> fatal = new AtomicReference<>();
  private final HeldMachine machine = new HeldMachine();
  private final ThreadRuntime runtime = new ThreadRuntime();
  private Lane raftLoop;
  private Lane applyThread;
  private Lane snapshotWriter;
  private WriteAheadLog wal;
  private WalWriter walWriter;
  private SnapshotStore store;
  private ApplyWorker worker;

  @BeforeEach
  void start() throws Exception {
    Fatal stop = (component, cause) -> fatal.set(cause);
    raftLoop = runtime.lane("raft-loop", stop);
    applyThread = runtime.lane("apply", stop);
    snapshotWriter = runtime.lane("snapshot-writer", stop);
    wal = WriteAheadLog.open(new NioFileIO(), dir.resolve("wal"), new WriteAheadLog.Options(64 << 10,
        WriteAheadLog.FsyncPolicy.ALWAYS, 1 << 20, Runnable::run), VOTERS);
    walWriter = new WalWriter(wal, runtime, runtime.lane("wal-writer", stop), raftLoop, n -> { }, HostMetrics.NONE,
        java.time.Duration.ofDays(1), new EventHub(runtime, 1));
    store = new SnapshotStore(new NioFileIO(), dir.resolve("snap"), 1);
    worker = new ApplyWorker(new SessionLayer(machine), store, applyThread, raftLoop, snapshotWriter, index -> { },
        new Proposals(),
        walWriter, new ApplyWorker.SnapshotPolicy(Long.MAX_VALUE, Long.MAX_VALUE, 0, 100), s -> walWriter.compact(),
        SnapshotMetadata.getDefaultInstance(), VOTERS, stop, runtime, HostMetrics.NONE);
    raftLoop.start();
    applyThread.start();
    snapshotWriter.start();
    walWriter.start();
  }

  @AfterEach
  void stop() throws Exception {
    worker.close();
    applyThread.close();
    walWriter.close();
    raftLoop.close();
    runtime.close();
    wal.close();
    assertEquals(null, fatal.get(), "the node was stopped");
  }

  @Test
  void aSnapshotThatFailsWhileWritingLetsTheNextOneRun() throws Exception {
    worker.apply(noops(1, 10));
    machine.failNextWrite = true;
    CompletableFuture<SnapshotMetadata> failed = new CompletableFuture<>();
    worker.snapshotNow(failed);
    ExecutionException e = assertThrows(ExecutionException.class, () -> failed.get(PATIENCE.toSeconds(), TimeUnit.SECONDS));
    assertInstanceOf(IllegalStateException.class, e.getCause());
    assertEquals(1, worker.snapshotsFailed());
    assertEquals(List.of(), snapFiles(), "the failed snapshot left a file");

    CompletableFuture<SnapshotMetadata> next = new CompletableFuture<>();
    worker.snapshotNow(next);
    assertEquals(10, next.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).getIndex());
  }

  @Test
  void pruningKeepsTheSnapshotTheWalStartsFromThoughOneTakenHereIsOlder() throws Exception {
    worker.apply(noops(1, 200));
    machine.hold = new CountDownLatch(1);
    CompletableFuture<SnapshotMetadata> taken = new CompletableFuture<>();
    worker.snapshotNow(taken);  // at 200, held in the state machine's writeTo
    LocalCluster.await("the snapshot at 200 to start writing", PATIENCE, () -> machine.writing.getCount() == 0);

    // Meanwhile the leader's snapshot at 300 is received and made durable: the WAL now starts after it.
    // A file at 900 is also there (received, never recorded: a crash came first).
    SnapshotMetadata installed = store.save(meta(300), new byte[] {1});
    store.save(meta(900), new byte[] {2});
    walWriter.write(installed, HardState.newBuilder().setTerm(3).setCommit(300).build(), List.of());
    LocalCluster.await("the install to be durable", PATIENCE, () -> wal.snapshot().getIndex() == 300);

    machine.hold.countDown();
    assertEquals(200, taken.get(PATIENCE.toSeconds(), TimeUnit.SECONDS).getIndex());
    LocalCluster.await("old snapshots to be pruned", PATIENCE, () -> !store.has(meta(200)) || !store.has(installed));
    assertTrue(store.has(installed), "pruning deleted the snapshot the WAL starts from: " + snapFiles());
  }

  /**
   * A snapshot that falls due while another is being written is taken when that one is done, not at the next
   * apply: a member that goes idle then kept its whole log, and ReadLogTest waited in vain for its compaction.
   */
  @Test
  void aSnapshotDueWhileAnotherIsWrittenIsTakenOnceThatOneIsDone() throws Exception {
    Fatal stop = (component, cause) -> fatal.set(cause);
    Lane apply = runtime.lane("apply-every-10", stop);
    Lane writer = runtime.lane("snapshot-writer-every-10", stop);
    ApplyWorker every10 = new ApplyWorker(new SessionLayer(machine), store, apply, raftLoop, writer, index -> { },
        new Proposals(), walWriter, new ApplyWorker.SnapshotPolicy(10, Long.MAX_VALUE, 0, 100), s -> walWriter.compact(),
        SnapshotMetadata.getDefaultInstance(), VOTERS, stop, runtime, HostMetrics.NONE);
    apply.start();
    writer.start();
    try {
      machine.hold = new CountDownLatch(1);
      every10.apply(noops(1, 10));  // due at 10: its writing is held
      LocalCluster.await("the snapshot at 10 to start writing", PATIENCE, () -> machine.writing.getCount() == 0);
      every10.apply(noops(11, 30));  // due again, while the one at 10 is still written; then nothing more is applied

      machine.hold.countDown();
      LocalCluster.await("a snapshot at 30", PATIENCE, () -> wal.snapshot().getIndex() == 30);
    } finally {
      every10.close();
      apply.close();
    }
  }

  private static SnapshotMetadata meta(long index) {
    return SnapshotMetadata.newBuilder().setIndex(index).setTerm(index == 200 ? 2 : 3).setConfiguration(VOTERS).build();
  }

  private static List<Entry> noops(long from, long to) {
    List<Entry> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(Entry.newBuilder().setIndex(i).setTerm(i <= 200 ? 2 : 3).setType(EntryType.NOOP).build());
    }
    return out;
  }

  private List<String> snapFiles() throws Exception {
    try (Stream<Path> files = Files.list(dir.resolve("snap"))) {
      return files.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  /** A machine with no state whose snapshot writing can be held, or made to fail once. */
  private static final class HeldMachine implements StateMachine {
    volatile boolean failNextWrite;
    volatile CountDownLatch hold;
    final CountDownLatch writing = new CountDownLatch(1);

    @Override
    public ByteString apply(long index, long term, ByteString command) {
      return ByteString.EMPTY;
    }

    @Override
    public ByteString query(ByteString query) {
      return ByteString.EMPTY;
    }

    @Override
    public Snapshot snapshot() {
      boolean fail = failNextWrite;
      failNextWrite = false;
      CountDownLatch h = hold;
      return out -> {
        writing.countDown();
        if (fail) {
          throw new IllegalStateException("the state machine's writeTo failed");
        }
        if (h != null) {
          try {
            h.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        }
        out.write(0);
      };
    }

    @Override
    public void restore(InputStream in) {}
  }
}
