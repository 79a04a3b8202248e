package io.raftd.sim;

import com.google.protobuf.ByteString;
import io.raftd.node.Applier;
import io.raftd.node.LogWriter;
import io.raftd.node.ReadyProcessor;
import io.raftd.node.Transport;
import io.raftd.node.Waiters;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.raft.Config;
import io.raftd.raft.RawNode;
import io.raftd.raft.ReadState;
import io.raftd.raft.Ready;
import java.util.List;
import java.util.TreeMap;

/**
 * One simulated member: the real RawNode driven by the real ReadyProcessor, over a {@link SimDisk}, the
 * {@link SimNetwork}, a snapshot store, and a state machine whose state is the hash chain of the entries
 * it applied (durable, like a state machine that syncs what it applies, so its applied index must never
 * go back, across restarts and snapshot installs). A crash can be armed to strike after a number of the
 * ReadyProcessor's I/O actions (write, send, apply), so it may fall between any two of them; actions after
 * the crash point do nothing.
 */
final class SimNode implements LogWriter, Transport, Applier, Waiters {
  final int index;
  final long id;
  final SimDisk disk;
  private final Simulation sim;

  RawNode node;
  ReadyProcessor processor;
  boolean alive;
  /** Incremented on every crash: events of an earlier life are ignored. */
  int life;
  /** Not yet a member: started only when a membership change adds it. */
  boolean spare;
  /** Removed from the cluster and stopped for good. */
  boolean removed;
  /** The state machine: the highest index applied and the hash chain of everything applied up to it. */
  long applied;
  long stateHash;
  /** Durable snapshot files by id: taken here or received from a leader. */
  final TreeMap<String, Snapshot> snapshots = new TreeMap<>();
  /** I/O actions left before an armed crash strikes; -1 if none is armed. */
  int ioUntilCrash = -1;
  /** The armed crash struck: the node does nothing more until the simulator finishes the crash. */
  boolean crashing;
  /** Writes issued and not yet covered by an fsync: they join the next one (group commit). */
  private int writesWaitingForFsync;
  private boolean fsyncInFlight;
  /** The index of the newest snapshot taken or being taken here. */
  private long snapshotStartedAt;

  /** A snapshot file: its metadata and the state it holds. */
  record Snapshot(SnapshotMetadata metadata, long stateHash) {}

  SimNode(Simulation sim, int index, long id, SimDisk disk) {
    this.sim = sim;
    this.index = index;
    this.id = id;
    this.disk = disk;
  }

  /**
   * Starts this member's next life. Recovery first: if the log starts after what the state machine has
   * applied (a snapshot was installed but the crash came before it was restored), restore the snapshot
   * the log starts after.
   */
  void start(java.util.function.LongFunction<Config> configFor) {
    SnapshotMetadata base = disk.storage().snapshot();
    if (applied < disk.storage().firstIndex() - 1) {
      Snapshot file = snapshots.get(base.getId());
      sim.onRestore(this, base, file);
      applied = base.getIndex();
      stateHash = file.stateHash();
    }
    Config config = configFor.apply(applied);
    node = new RawNode(config, disk.storage());
    processor = new ReadyProcessor(node, this, this, this, this);
    alive = true;
    crashing = false;
    ioUntilCrash = -1;
    writesWaitingForFsync = 0;
    fsyncInFlight = false;
    snapshotStartedAt = disk.storage().snapshot().getIndex();
  }

  /** @return false if the crash point has passed and the action must not happen */
  private boolean io() {
    if (crashing) {
      return false;
    }
    if (ioUntilCrash == 0) {
      crashing = true;
      return false;
    }
    if (ioUntilCrash > 0) {
      ioUntilCrash--;
    }
    return true;
  }

  // ---- LogWriter: group commit over the simulated disk ----

  @Override
  public void write(SnapshotMetadata snapshot, HardState hardState, List<Entry> entries, boolean sync) {
    if (!io()) {
      return;
    }
    disk.write(snapshot, hardState, entries);
    writesWaitingForFsync++;
    if (!fsyncInFlight) {
      startFsync();
    }
  }

  /** One fsync makes every write issued before it durable; writes issued meanwhile wait for the next. */
  private void startFsync() {
    int batch = writesWaitingForFsync;
    writesWaitingForFsync = 0;
    fsyncInFlight = true;
    afterThisLife(sim.fsyncDelay(), "fsync", batch, () -> {
      fsyncInFlight = false;
      for (int i = 0; i < batch; i++) {
        disk.completeOldest();
        processor.onWriteDurable();
      }
      if (writesWaitingForFsync > 0 && !fsyncInFlight) {
        startFsync();
      }
    });
  }

  // ---- Transport ----

  @Override
  public void send(RaftMessage message) {
    if (io()) {
      sim.send(this, message);
    }
  }

  // ---- Applier: the state machine ----

  @Override
  public void apply(List<Entry> committed) {
    if (!io()) {
      return;
    }
    for (Entry e : committed) {
      sim.clients.onApply(this, e);
      applied = e.getIndex();
      stateHash = Invariants.chain(stateHash, e);
    }
    reportApplied(applied);
    maybeSnapshot();
  }

  @Override
  public void restore(SnapshotMetadata snapshot) {
    if (!io()) {
      return;
    }
    Snapshot file = snapshots.get(snapshot.getId());
    sim.onRestore(this, snapshot, file);
    applied = snapshot.getIndex();
    stateHash = file.stateHash();
    reportApplied(applied);
  }

  private void reportApplied(long upTo) {
    afterThisLife(sim.applyDelay(), "applied", upTo, () -> processor.onApplied(upTo));
  }

  /**
   * Every {@code snapshotEvery} applied entries, capture the state, write its file (durable after an
   * fsync), then tell the core and compact the log, keeping a tail. The broken host compacts first.
   */
  private void maybeSnapshot() {
    int every = sim.mix().snapshotEvery();
    if (every == 0 || applied - snapshotStartedAt < every) {
      return;
    }
    long index = applied;
    long term = node.termAt(index);
    SnapshotMetadata meta = SnapshotMetadata.newBuilder()
        .setIndex(index).setTerm(term)
        .setConfiguration(node.configuration())
        .setSize(16).setChecksum((int) stateHash)
        .setId("m" + this.index + "-" + index + "-" + term)
        .build();
    Snapshot file = new Snapshot(meta, stateHash);
    snapshotStartedAt = index;
    if (sim.hostBug() == Simulation.HostBug.COMPACT_BEFORE_SNAPSHOT_DURABLE) {
      disk.storage().setSnapshot(meta);
      disk.compact(Math.max(0, index - sim.mix().keepTail()));
    }
    afterThisLife(sim.fsyncDelay(), "snapshot", index, () -> {
      snapshots.put(meta.getId(), file);
      disk.storage().setSnapshot(meta);
      node.snapshotTaken(index, term);
      disk.compact(Math.max(0, index - sim.mix().keepTail()));
      sim.stats.snapshotsTaken++;
    });
  }

  /** A snapshot file streamed from the leader: durable after an fsync, then handed to the core. */
  void receiveSnapshot(RaftMessage m, Snapshot file) {
    afterThisLife(sim.fsyncDelay(), "snapshot-file", m.getInstallSnapshot().getMetadata().getIndex(), () -> {
      snapshots.put(file.metadata().getId(), file);
      node.step(m);
      processor.drain();
    });
  }

  // ---- Waiters ----

  @Override
  public void readReady(ReadState read) {
    sim.clients.onReadReady(this, read);
  }

  @Override
  public void readFailed(ByteString context) {
    sim.clients.onReadFailed(this, context);
  }

  @Override
  public void leadershipLost(Ready.LeadershipLost lost) {
    sim.clients.onLeadershipLost(this, lost);
  }

  @Override
  public void removedFromCluster() {
    sim.faults.onRemoved(this);
  }

  /** Schedules {@code action} after {@code delay}, to run only if this member is still in this life. */
  void afterThisLife(long delay, String kind, Object detail, Runnable action) {
    int myLife = life;
    sim.queue().after(delay, kind, index, detail, () -> {
      if (alive && life == myLife && !crashing) {
        action.run();
      }
    });
  }
}
