package io.raftd.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.host.ApplyWorker;
import io.raftd.host.Lane;
import io.raftd.host.Proposals;
import io.raftd.host.RaftNode;
import io.raftd.host.Ticker;
import io.raftd.host.WalWriter;
import io.raftd.kv.Kv;
import io.raftd.kv.KvStore;
import io.raftd.proto.Configuration;
import io.raftd.proto.LogCommand;
import io.raftd.proto.RaftMessage;
import io.raftd.raft.Config;
import io.raftd.raft.RawNode;
import io.raftd.raft.Role;
import io.raftd.statemachine.SessionLayer;
import io.raftd.storage.SnapshotStore;
import io.raftd.storage.WriteAheadLog;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The first run of the real host under {@link SimHostRuntime}: three members, each the daemon's own
 * RaftNode, WalWriter, ApplyWorker, session layer and key-value store over a WAL and snapshot store on a
 * {@link SimFileSystem}, every lane of all three on one seeded scheduler, messages delivered after seeded
 * delays. No faults yet: it shows the host runs, elects, commits and applies the same writes everywhere
 * with its threads interleaved by seed (the host simulator of issue 12 grows from here).
 */
class HostSmokeTest {
  private static final long CLUSTER = 42;
  private static final long TICK_NANOS = 10_000_000;
  private static final Configuration VOTERS = Configuration.newBuilder().addVoters(1).addVoters(2).addVoters(3).build();

  /** One member: the host's parts, wired as the daemon wires them. */
  private static final class Member {
    final long id;
    final SessionLayer state = new SessionLayer(new KvStore());
    final List<Throwable> fatal = new ArrayList<>();
    RaftNode node;
    Lane loop;

    Member(long id) {
      this.id = id;
    }
  }

  private long tasks;
  private long writes;
  /** What the last run did, in the order it happened: tasks run, and the writes acknowledged. */
  private String lastRun;

  @Test
  void threeRealHostsOnOneSeededSchedulerAgreeOnEveryAcknowledgedWrite() throws Exception {
    long interleavings = 0;
    for (long seed = 1; seed <= 20; seed++) {
      interleavings += run(seed);
    }
    System.out.println("host smoke: 20 seeds, " + tasks + " lane tasks, " + interleavings + " lane switches, "
        + writes + " writes acknowledged and applied on all three members");
    assertTrue(interleavings > 10_000, "the lanes hardly interleaved: " + interleavings + " lane switches");
  }

  @Test
  void aSeedReplaysExactly() throws Exception {
    long switches = run(3);
    String first = lastRun;
    assertEquals(switches, run(3));
    assertEquals(first, lastRun);
  }

  private long run(long seed) throws Exception {
    SimHostRuntime rt = new SimHostRuntime(seed, 1_700_000_000_000L);
    SplittableRandom network = new SplittableRandom(seed * 31 + 7);
    List<Member> members = List.of(new Member(1), new Member(2), new Member(3));
    for (Member m : members) {
      start(rt, m, members, network, seed);
    }
    List<String> acknowledged = new ArrayList<>();
    Lane client = rt.lane("client", (c, t) -> { });
    client.start();
    for (int i = 0; i < 40; i++) {
      String key = "k" + i;
      client.schedule(500_000_000L + i * 20_000_000L, () -> members.stream()
          .filter(m -> m.node.status().role() == Role.LEADER).findFirst()
          .ifPresent(leader -> leader.node.propose(LogCommand.newBuilder().setPlain(Kv.put(key, "v")))
              .thenAccept(o -> acknowledged.add(key))));
    }
    rt.runUntil(3_000_000_000L);

    String where = "seed " + seed;
    for (Member m : members) {
      assertEquals(List.of(), m.fatal, where + ": member " + m.id + " stopped");
    }
    assertTrue(acknowledged.size() >= 20, where + ": only " + acknowledged.size() + " of 40 writes acknowledged");
    long applied = members.get(0).state.lastApplied();
    for (Member m : members) {
      assertEquals(applied, m.state.lastApplied(), where + ": member " + m.id + " applied a different prefix");
      for (String key : acknowledged) {
        assertTrue(m.state.query(Kv.get(key)).size() > 0, where + ": member " + m.id + " lacks " + key);
        assertEquals(members.get(0).state.query(Kv.get(key)), m.state.query(Kv.get(key)), where + ": " + key);
      }
    }
    lastRun = rt.tasksRun + " tasks, acknowledged " + acknowledged;
    tasks += rt.tasksRun;
    writes += acknowledged.size();
    return rt.laneSwitches;
  }

  private static void start(SimHostRuntime rt, Member m, List<Member> all, SplittableRandom network, long seed)
      throws Exception {
    SimFileSystem fs = new SimFileSystem();
    WriteAheadLog wal = WriteAheadLog.open(fs, Path.of("/n" + m.id + "/wal"),
        new WriteAheadLog.Options(64 << 10, WriteAheadLog.FsyncPolicy.ALWAYS, 1 << 20, Runnable::run), VOTERS);
    wal.createFirstSegment();
    SnapshotStore snapshots = new SnapshotStore(fs, Path.of("/n" + m.id + "/snap"), 2);
    m.loop = rt.lane("n" + m.id + "/raft-loop", (c, t) -> m.fatal.add(t));
    Lane apply = rt.lane("n" + m.id + "/apply", (c, t) -> m.fatal.add(t));
    Lane walLane = rt.lane("n" + m.id + "/wal-writer", (c, t) -> m.fatal.add(t));
    Lane snapshotLane = rt.lane("n" + m.id + "/snapshot-writer", (c, t) -> m.fatal.add(t));
    Proposals proposals = new Proposals();
    WalWriter[] writer = new WalWriter[1];
    m.node = new RaftNode(rt, m.loop, proposals, () -> writer[0].outOfSpace(), seed * 10 + m.id);
    writer[0] = new WalWriter(wal, walLane, m.loop, m.node::writesDurable);
    ApplyWorker applier = new ApplyWorker(m.state, snapshots, apply, m.loop, snapshotLane, m.node::applied, proposals,
        writer[0], new ApplyWorker.SnapshotPolicy(Long.MAX_VALUE, Long.MAX_VALUE, 0), m.node::snapshotTaken,
        wal.snapshot(), wal.configuration(), (c, t) -> m.fatal.add(t));
    RawNode raw = new RawNode(Config.builder(m.id, CLUSTER).electionTicks(10).heartbeatTicks(1).seed(seed * 7 + m.id)
        .build(), wal);
    m.node.attach(raw, writer[0], new RaftNode.PeerLink() {
      @Override
      public void send(RaftMessage msg) {
        Member to = all.get((int) msg.getTo() - 1);
        to.loop.schedule(network.nextLong(100_000, 3_000_000), () -> to.node.receive(msg));
      }

      @Override
      public void sendSnapshot(RaftMessage installSnapshot) {
        throw new UnsupportedOperationException("no snapshots in this run");
      }
    }, applier);
    writer[0].start();
    snapshotLane.start();
    apply.start();
    m.loop.start();
    Ticker.every(rt, m.loop, TICK_NANOS, m.node::tick);
  }
}
