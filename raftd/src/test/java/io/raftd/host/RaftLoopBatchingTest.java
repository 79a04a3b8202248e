package io.raftd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.kv.Kv;
import io.raftd.kv.KvStore;
import io.raftd.proto.Configuration;
import io.raftd.proto.LogCommand;
import io.raftd.proto.RaftMessage;
import io.raftd.raft.Config;
import io.raftd.raft.RawNode;
import io.raftd.raft.Role;
import io.raftd.statemachine.SessionLayer;
import io.raftd.storage.NioFileIO;
import io.raftd.storage.SnapshotStore;
import io.raftd.storage.WriteAheadLog;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The RaftLoop carries out what its inputs caused once per turn, not once per input (issue 19, item 3):
 * proposals that arrive together become one Ready, so one WAL write, and a commit advance is no write at all.
 */
class RaftLoopBatchingTest {
  private static final long CLUSTER = 7;

  @Test
  void proposalsTakenInOneTurnAreOneWalWrite(@TempDir Path dir) throws Exception {
    NioFileIO io = new NioFileIO();
    ThreadRuntime threads = new ThreadRuntime();
    Lane[] raftLoop = new Lane[1];
    HostRuntime runtime = new HostRuntime() {  // the daemon's own runtime, keeping hold of the RaftLoop's lane
      @Override
      public long nanoTime() {
        return threads.nanoTime();
      }

      @Override
      public long currentTimeMillis() {
        return threads.currentTimeMillis();
      }

      @Override
      public Lane lane(String name, Fatal fatal) {
        Lane lane = threads.lane(name, fatal);
        if (name.equals("raft-loop")) {
          raftLoop[0] = lane;
        }
        return lane;
      }
    };
    WriteAheadLog wal = WriteAheadLog.open(io, dir.resolve("wal"), WriteAheadLog.Options.defaults(Runnable::run),
        Configuration.newBuilder().addVoters(1).build());
    wal.createFirstSegment();
    SessionLayer state = new SessionLayer(new KvStore());
    MemberHost host = new MemberHost(runtime, (component, failure) -> { }, wal,
        new SnapshotStore(io, dir.resolve("snap"), 2), state,
        new MemberHost.Settings("", new ApplyWorker.SnapshotPolicy(0, Long.MAX_VALUE, 0, 100),
            new DiskGuard.Limits(io, dir, 0, Long.MAX_VALUE), Long.MAX_VALUE, Duration.ofDays(1), Duration.ZERO, 1),
        HostMetrics.NONE, new EventHub(runtime, 16));
    host.attach(new RawNode(Config.builder(1, CLUSTER).electionTicks(10).heartbeatTicks(1).build(), wal),
        new RaftNode.PeerLink() {
          @Override
          public void send(RaftMessage m) {}

          @Override
          public void sendSnapshot(RaftMessage installSnapshot) {}
        });
    host.start(TimeUnit.MILLISECONDS.toNanos(10));
    try {
      RaftNode node = host.node();
      WalWriter writer = host.walWriter();
      await(() -> node.status().role() == Role.LEADER && node.status().applied() == node.status().lastIndex()
          && node.status().persisted() == node.status().lastIndex(), "the single member leads, its no-op applied");
      long writesBefore = writer.syncedWrites();
      long entriesBefore = writer.syncedEntries();

      // Hold the RaftLoop while 50 proposals queue behind: it then takes them in one turn.
      CountDownLatch held = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      raftLoop[0].post(() -> {
        held.countDown();
        awaitUninterruptibly(release);
      });
      assertTrue(held.await(30, TimeUnit.SECONDS));
      List<CompletableFuture<Proposals.Outcome>> proposals = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        proposals.add(node.propose(LogCommand.newBuilder().setPlain(Kv.put("k" + i, "v"))));
      }
      release.countDown();
      CompletableFuture.allOf(proposals.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);

      assertEquals(50, writer.syncedEntries() - entriesBefore);
      assertEquals(1, writer.syncedWrites() - writesBefore,
          "50 proposals taken in one turn should be one WAL write (the commit and apply that follow, none)");
    } finally {
      host.close();
      threads.close();
      wal.close();
    }
  }

  private static void awaitUninterruptibly(CountDownLatch latch) {
    try {
      latch.await(30, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void await(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("not within 30 s: " + what);
      }
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
    }
  }
}
