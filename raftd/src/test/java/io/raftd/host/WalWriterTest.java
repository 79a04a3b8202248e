package io.raftd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.google.protobuf.ByteString;
import io.raftd.daemon.LocalCluster;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.storage.FaultyFileIO;
import io.raftd.storage.WriteAheadLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The WAL writer's pipeline: the RaftLoop stages (encodes) its writes itself, also while the writer's lane
 * is inside an fsync, and those writes become durable together, with the next fsync, never with the one
 * under way.
 */
class WalWriterTest {
  private static final Duration PATIENCE = Duration.ofSeconds(20);
  private static final Configuration VOTERS = Configuration.newBuilder().addVoters(1).build();

  @TempDir
  Path dir;

  private final AtomicReference<Throwable> fatal = new AtomicReference<>();
  private final ThreadRuntime runtime = new ThreadRuntime();
  private final FaultyFileIO io = new FaultyFileIO();
  /** The durable reports, as the RaftLoop got them: how many writes each made durable. */
  private final List<Integer> reports = new CopyOnWriteArrayList<>();
  private Lane raftLoop;
  private WriteAheadLog wal;
  private WalWriter writer;

  @BeforeEach
  void start() throws Exception {
    Fatal stop = (component, cause) -> fatal.set(cause);
    raftLoop = runtime.lane("raft-loop", stop);
    wal = WriteAheadLog.open(io, dir, new WriteAheadLog.Options(1 << 20, WriteAheadLog.FsyncPolicy.ALWAYS, 1 << 20,
        Runnable::run), VOTERS);
    wal.createFirstSegment();
    writer = new WalWriter(wal, runtime, runtime.lane("wal-writer", stop), raftLoop, reports::add, HostMetrics.NONE,
        Duration.ofDays(1), new EventHub(runtime, 1));
    raftLoop.start();
    writer.start();
  }

  @AfterEach
  void stop() throws Exception {
    io.releaseForces();
    writer.close();
    raftLoop.close();
    runtime.close();
    wal.close();
    assertNull(fatal.get(), "the node was stopped");
  }

  @Test
  void writesStagedDuringAnFsyncBecomeDurableTogetherWithTheNextOne() throws Exception {
    io.holdForces();
    writer.write(null, hardState(1), entries(1, 1));
    LocalCluster.await("the writer to be inside the first batch's fsync", PATIENCE, () -> io.forcesStalled.get() == 1);

    // The writer's lane is held in the fsync; the RaftLoop's writes are staged on its own thread meanwhile.
    writer.write(null, hardState(3), entries(2, 3));
    writer.write(null, hardState(5), entries(4, 5));
    assertEquals(List.of(), reports, "nothing is durable while the fsync is held");
    assertEquals(0, wal.lastIndex());

    io.releaseForces();
    LocalCluster.await("every write to be reported durable", PATIENCE,
        () -> reports.stream().mapToInt(Integer::intValue).sum() == 3);
    assertEquals(List.of(1, 2), reports, "the first write alone, then the two staged during its fsync in one batch");
    assertEquals(2, writer.syncs());
    assertEquals(5, wal.lastIndex());
    assertEquals(5, wal.hardState().getCommit());
    assertEquals(entries(1, 5), wal.entries(1, 6, Long.MAX_VALUE));
  }

  @Test
  void aBatchRefusedForSpaceIsWrittenOnceSpaceReturnsThenWhatWasStagedBehindIt() throws Exception {
    io.fillDisk(true);
    writer.write(null, hardState(0), entries(1, 40_000));  // more than the first segment holds: a new one is needed
    LocalCluster.await("the writer to be refused for space", PATIENCE, writer::outOfSpace);
    writer.write(null, hardState(1), entries(40_001, 40_002));
    io.fillDisk(false);
    LocalCluster.await("both writes to be reported durable", PATIENCE,
        () -> reports.stream().mapToInt(Integer::intValue).sum() == 2);
    assertEquals(List.of(1, 1), reports, "the refused batch alone first, then the one staged behind it");
    assertEquals(40_002, wal.lastIndex());
  }

  private static HardState hardState(long commit) {
    return HardState.newBuilder().setTerm(1).setVotedFor(1).setCommit(commit).build();
  }

  private static List<Entry> entries(long from, long to) {
    return java.util.stream.LongStream.rangeClosed(from, to)
        .mapToObj(i -> Entry.newBuilder().setIndex(i).setTerm(1).setData(ByteString.copyFromUtf8("e" + i)).build())
        .toList();
  }
}
