package io.raftd.sim;

import com.google.protobuf.ByteString;
import io.raftd.driver.Applier;
import io.raftd.driver.LogWriter;
import io.raftd.driver.ReadyProcessor;
import io.raftd.driver.Transport;
import io.raftd.driver.Waiters;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.raft.Config;
import io.raftd.raft.RawNode;
import io.raftd.raft.ReadState;
import io.raftd.raft.Ready;
import java.util.List;

/**
 * One simulated member: the real RawNode driven by the real ReadyProcessor, over a {@link SimDisk} (the
 * real WAL and snapshot store), the {@link SimNetwork}, and a state machine whose state is the hash chain of the entries
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
  /** I/O actions left before an armed crash strikes; -1 if none is armed. */
  int ioUntilCrash = -1;
  /** The armed crash struck: the node does nothing more until the simulator finishes the crash. */
  boolean crashing;
  /** Writes issued and not yet covered by an fsync: they join the next one (group commit). */
  private int writesWaitingForFsync;
  private boolean fsyncInFlight;
  /** The index of the newest snapshot taken or being taken here. */
  private long snapshotStartedAt;
  /** A snapshot taken here whose WAL record is not yet durable, or null. */
  private SnapshotMetadata snapshotRecording;
  /**
   * The vote barrier recorded in its data directory (index 0: none), as a WAL repair leaves it: the
   * member starts behind it, and the record goes once the core lifted it and that is durable.
   */
  long barrierTerm;
  long barrierIndex;

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
      Snapshot file = disk.snapshotFile(base);
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
    snapshotRecording = null;
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

  // ---- LogWriter: group commit over the WAL ----

  /** Stages the write in the WAL's next batch. */
  @Override
  public void write(SnapshotMetadata snapshot, HardState hardState, List<Entry> entries) {
    if (!io()) {
      return;
    }
    disk.write(snapshot, hardState, entries);
    writesWaitingForFsync++;
    if (!fsyncInFlight) {
      startFsync();
    }
  }

  /**
   * Writes everything staged as one frame, and after the fsync delay syncs it: every write issued before
   * it is then durable; writes issued meanwhile wait for the next (group commit).
   */
  private void startFsync() {
    int batch = writesWaitingForFsync;
    writesWaitingForFsync = 0;
    fsyncInFlight = true;
    disk.writeBatch();
    afterThisLife(sim.fsyncDelay(), "fsync", batch, () -> {
      fsyncInFlight = false;
      disk.sync();
      snapshotRecorded();
      for (int i = 0; i < batch; i++) {
        processor.onWriteDurable();
      }
      processor.drain();
      if ((writesWaitingForFsync > 0 || disk.hasStaged()) && !fsyncInFlight) {
        startFsync();
      }
    });
  }

  /**
   * Once the WAL record of a snapshot taken here is durable, the core hears of it, then the log is
   * compacted, and old files go.
   */
  private void snapshotRecorded() {
    SnapshotMetadata s = snapshotRecording;
    if (s != null && disk.storage().snapshot().getIndex() >= s.getIndex()) {
      snapshotRecording = null;
      node.snapshotTaken(s.getIndex(), s.getTerm());
      disk.compact();  // only now, as the daemon's RaftLoop does
      disk.pruneSnapshots();
      sim.stats.snapshotsTaken++;
    }
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
    Snapshot file = disk.snapshotFile(snapshot);
    sim.onRestore(this, snapshot, file);
    applied = snapshot.getIndex();
    stateHash = file.stateHash();
    reportApplied(applied);
  }

  private void reportApplied(long upTo) {
    afterThisLife(sim.applyDelay(), "applied", upTo, () -> {
      processor.onApplied(upTo);
      processor.drain();
    });
  }

  /**
   * Every {@code snapshotEvery} applied entries, capture the state; after a delay its file is written
   * (durable at once), then its WAL record is staged: once that is durable the log is compacted, keeping
   * a tail, and the core hears of the snapshot.
   */
  private void maybeSnapshot() {
    int every = sim.mix().snapshotEvery();
    if (every == 0 || applied - snapshotStartedAt < every || snapshotRecording != null) {
      return;
    }
    long index = applied;
    long term = node.termAt(index);
    SnapshotMetadata meta = SnapshotMetadata.newBuilder()
        .setIndex(index).setTerm(term)
        .setConfiguration(node.configuration())
        .setId("m" + this.index + "-" + index + "-" + term)
        .build();
    long hash = stateHash;
    snapshotStartedAt = index;
    afterThisLife(sim.fsyncDelay(), "snapshot", index, () -> {
      if (index < disk.storage().firstIndex() - 1) {
        return;  // a newer snapshot was installed meanwhile
      }
      snapshotRecording = disk.saveSnapshot(meta, hash);
      disk.snapshotTaken(snapshotRecording, Math.max(0, index - sim.mix().keepTail()));
      if (!fsyncInFlight) {
        startFsync();
      }
    });
  }

  /** A snapshot file streamed from the leader: durable after an fsync, then handed to the core. */
  void receiveSnapshot(RaftMessage m, Snapshot file) {
    afterThisLife(sim.fsyncDelay(), "snapshot-file", m.getInstallSnapshot().getMetadata().getIndex(), () -> {
      disk.receiveSnapshot(m.getInstallSnapshot().getMetadata(), file.stateHash());
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

  @Override
  public void voteBarrierLifted() {
    barrierTerm = 0;
    barrierIndex = 0;
    sim.stats.barriersLifted++;
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
