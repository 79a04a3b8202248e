package io.raftd.host;

import io.raftd.proto.Event;
import io.raftd.proto.EventKind;
import io.raftd.raft.RawNode;
import io.raftd.statemachine.SessionLayer;
import io.raftd.storage.SnapshotStore;
import io.raftd.storage.WriteAheadLog;
import java.time.Duration;

/**
 * One member's host, assembled: the RaftLoop, WAL writer, apply and snapshot writer lanes of a
 * {@link HostRuntime}, and the {@link RaftNode}, {@link WalWriter} and {@link ApplyWorker} that run on them,
 * wired to each other. The daemon builds one over real threads; the host simulator builds several over its
 * seeded scheduler, so the wiring it tests is this one, not a copy.
 */
public final class MemberHost implements AutoCloseable {
  private final Lane loop;
  private final Lane apply;
  private final Lane snapshotWriter;
  private final RaftNode node;
  private final WalWriter walWriter;
  private final ApplyWorker applier;
  private final DiskGuard disk;
  private final StateQuota quota;
  private final DivergenceCheck divergence;
  /** Stops the RaftLoop's tick; null until started. */
  private Runnable stopTicking;

  /**
   * How a member's host is set up.
   *
   * @param lanePrefix put before each lane's name ("raft-loop", "apply", "wal-writer", "snapshot-writer")
   * @param incarnation a random number drawn when this process starts (see {@link RaftNode})
   * @param slowFsync an fsync slower than this is counted and logged
   * @param checksumInterval how often a leader proposes a checksum mark ({@link DivergenceCheck}); zero: never
   * @param quotaBytes the state quota, as {@link StateQuota#effective} makes it
   */
  public record Settings(String lanePrefix, ApplyWorker.SnapshotPolicy snapshots, DiskGuard.Limits disk,
      long quotaBytes, Duration slowFsync, Duration checksumInterval, long incarnation) {}

  /**
   * @param wal opened and recovered, with its first segment
   * @param state restored from the snapshot the WAL starts after ({@link ApplyWorker#restoreAtStart})
   * @param metrics where the hot paths report durations
   * @param events where the host tells what happens (snapshots taken, slow fsyncs), at this member's term and
   *     last index unless an event says otherwise
   */
  public MemberHost(HostRuntime runtime, Fatal fatal, WriteAheadLog wal, SnapshotStore snapshots, SessionLayer state,
      Settings settings, HostMetrics metrics, EventHub events) {
    String lanePrefix = settings.lanePrefix();
    this.loop = runtime.lane(lanePrefix + "raft-loop", fatal);
    this.apply = runtime.lane(lanePrefix + "apply", fatal);
    this.snapshotWriter = runtime.lane(lanePrefix + "snapshot-writer", fatal);
    Lane walLane = runtime.lane(lanePrefix + "wal-writer", fatal);
    Proposals proposals = new Proposals();
    WalWriter[] writer = new WalWriter[1];  // the guard asks it about space and stalls; it tells the node what is durable
    this.disk = new DiskGuard(runtime, settings.disk(), () -> writer[0].outOfSpace(), () -> writer[0].writingNanos());
    this.quota = new StateQuota(state, settings.quotaBytes());
    this.node = new RaftNode(runtime, loop, proposals, disk, quota, settings.incarnation(), metrics,
        settings.checksumInterval().toNanos());
    events.setPosition(() -> node.status().term(), () -> node.status().lastIndex());
    this.walWriter = new WalWriter(wal, runtime, walLane, loop, node::writesDurable, metrics, settings.slowFsync(), events);
    writer[0] = walWriter;
    this.applier = new ApplyWorker(state, snapshots, apply, loop, snapshotWriter, node::applied, proposals, walWriter,
        settings.snapshots(), snapshot -> {
          node.snapshotTaken(snapshot);
          events.publish(Event.newBuilder().setKind(EventKind.SNAPSHOT_TAKEN).setIndex(snapshot.getIndex())
              .setText("took a snapshot at " + snapshot.getIndex() + " (term " + snapshot.getTerm() + ", "
                  + snapshot.getSize() + " bytes)"));
        }, wal.snapshot(), wal.configuration(), fatal, runtime, metrics);
    this.divergence = new DivergenceCheck(state, snapshotWriter, node::reportChecksum);
    state.setChecksumListener(divergence);
  }

  /** Wires the core in, built over this host's WAL; before {@link #start}. */
  public void attach(RawNode core, RaftNode.PeerLink peers) {
    node.attach(core, walWriter, peers, applier);
  }

  /** Starts the lanes, the RaftLoop last, and its tick every {@code tickNanos}. */
  public void start(long tickNanos) {
    walWriter.start();
    snapshotWriter.start();
    apply.start();
    loop.start();
    stopTicking = loop.every(tickNanos, node::tick);
  }

  public RaftNode node() {
    return node;
  }

  public WalWriter walWriter() {
    return walWriter;
  }

  public ApplyWorker applier() {
    return applier;
  }

  public DiskGuard disk() {
    return disk;
  }

  public StateQuota quota() {
    return quota;
  }

  public DivergenceCheck divergence() {
    return divergence;
  }

  /** Stops ticking, then each lane once what it has queued has run; the WAL's queued writes become durable. */
  @Override
  public void close() throws InterruptedException {
    if (stopTicking != null) {
      stopTicking.run();
    }
    loop.close();
    apply.close();
    walWriter.close();
    applier.close();
  }
}
