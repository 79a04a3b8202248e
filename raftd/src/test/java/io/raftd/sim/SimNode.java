package io.raftd.sim;

import io.raftd.node.Applier;
import io.raftd.node.LogWriter;
import io.raftd.node.ReadyProcessor;
import io.raftd.node.Transport;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.RaftMessage;
import io.raftd.raft.Config;
import io.raftd.raft.RawNode;
import java.util.List;

/**
 * One simulated member: the real RawNode driven by the real ReadyProcessor, over a {@link SimDisk}, the
 * {@link SimNetwork} and a state machine that only records how far it has applied. A crash can be armed
 * to strike after a number of the ReadyProcessor's I/O actions (write, send, apply), so it may fall
 * between any two of them; actions after the crash point do nothing.
 */
final class SimNode implements LogWriter, Transport, Applier {
  final int index;
  final long id;
  final SimDisk disk;
  private final Simulation sim;

  RawNode node;
  ReadyProcessor processor;
  boolean alive;
  /** Incremented on every crash: events of an earlier life are ignored. */
  int life;
  /** Highest index the (volatile) state machine applied in this life. */
  long applied;
  /** I/O actions left before an armed crash strikes; -1 if none is armed. */
  int ioUntilCrash = -1;
  /** The armed crash struck: the node does nothing more until the simulator finishes the crash. */
  boolean crashing;
  /** Writes issued and not yet covered by an fsync: they join the next one (group commit). */
  private int writesWaitingForFsync;
  private boolean fsyncInFlight;

  SimNode(Simulation sim, int index, long id, SimDisk disk) {
    this.sim = sim;
    this.index = index;
    this.id = id;
    this.disk = disk;
  }

  void start(Config config) {
    node = new RawNode(config, disk.storage());
    processor = new ReadyProcessor(node, this, this, this);
    alive = true;
    crashing = false;
    ioUntilCrash = -1;
    applied = config.applied;
    writesWaitingForFsync = 0;
    fsyncInFlight = false;
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

  @Override
  public void write(HardState hardState, List<Entry> entries, boolean sync) {
    if (!io()) {
      return;
    }
    disk.write(hardState, entries);
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
    int myLife = life;
    sim.queue().after(sim.fsyncDelay(), "fsync", index, batch, () -> {
      if (alive && life == myLife && !crashing) {
        fsyncInFlight = false;
        for (int i = 0; i < batch; i++) {
          disk.completeOldest();
          processor.onWriteDurable();
        }
        if (writesWaitingForFsync > 0 && !fsyncInFlight) {
          startFsync();
        }
      }
    });
  }

  @Override
  public void send(RaftMessage message) {
    if (io()) {
      sim.send(this, message);
    }
  }

  @Override
  public void apply(List<Entry> committed) {
    if (!io()) {
      return;
    }
    for (Entry e : committed) {
      sim.onApply(this, e);
      applied = e.getIndex();
    }
    long upTo = applied;
    int myLife = life;
    sim.queue().after(sim.applyDelay(), "applied", index, upTo, () -> {
      if (alive && life == myLife && !crashing) {
        processor.onApplied(upTo);
      }
    });
  }
}
