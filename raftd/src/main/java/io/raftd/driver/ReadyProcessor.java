package io.raftd.driver;

import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.raft.RawNode;
import io.raftd.raft.Ready;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * Carries out a {@link RawNode}'s Readys in the one order the Ready contract allows: the one place that
 * decides durability ordering. Thread-free: the daemon's RaftLoop thread and the simulator run this same
 * code, and report completions back through {@link #onWriteDurable()} and {@link #onApplied(long)}.
 *
 * <p>For each Ready, in order: (1) start the write of its snapshot, hard state and entries; (2) send the
 * messages that may leave at once (a leader's AppendEntries, thesis §10.2.1); (3) hand committed entries
 * to the applier; (4) tell the waiters which reads may be served or failed, whether leadership was
 * lost and whether this member was removed. An installed snapshot is restored into the state machine once its write is durable, before
 * anything after it is applied. Messages that must wait for durability are held with the oldest write they depend on: this
 * Ready's write if it has one, else the newest write still outstanding (every earlier write must be
 * durable before they leave), else they leave at once. When a write is durable its held messages leave
 * and the node learns, through {@code onPersisted}, that its entries are durable. A lifted vote barrier
 * is reported to the waiters the same way, once every write up to its Ready is durable. Owned by one
 * thread.
 *
 * <p>A Ready whose only write is an advanced commit index starts no write: the commit index is a hint
 * (a restart learns it again from the leader, and starts from at least its snapshot), so it is carried by
 * the next write that has to happen anyway. That spares the WAL writer a turn, and the RaftLoop a
 * durability report, for every commit advance.
 *
 * <p>The completion reports ({@link #onWriteDurable()}, {@link #onApplied(long)}) only tell the node; the
 * caller {@link #drain()}s once it has given the node everything it has, so a burst of inputs makes one Ready.
 */
public final class ReadyProcessor {
  private final RawNode node;
  private final LogWriter writer;
  private final Transport transport;
  private final Applier applier;
  private final Waiters waiters;
  /** Writes started and not yet durable, oldest first. */
  private final ArrayDeque<PendingWrite> pending = new ArrayDeque<>();
  /** The newest hard state whose change was only its commit index, not written yet (null if none). */
  private HardState unwrittenCommit;

  /**
   * A started write: the snapshot it installs (or null), the last entry it persists (index 0 if none),
   * the messages waiting for it and what to tell the waiters once it is durable.
   */
  private record PendingWrite(SnapshotMetadata snapshot, long lastIndex, long lastTerm, List<RaftMessage> waiting,
      List<Runnable> then) {}

  public ReadyProcessor(RawNode node, LogWriter writer, Transport transport, Applier applier, Waiters waiters) {
    this.node = node;
    this.writer = writer;
    this.transport = transport;
    this.applier = applier;
    this.waiters = waiters;
  }

  /** Carries out every Ready the node has; call after the inputs of a batch (at least once after each batch). */
  public void drain() {
    while (node.hasReady()) {
      Ready rd = node.ready();
      node.advance(rd);
      process(rd);
    }
  }

  private void process(Ready rd) {
    List<RaftMessage> waiting = new ArrayList<>(rd.messagesAfterPersist());
    if (rd.hasWrites() && !rd.mustSync()) {
      unwrittenCommit = rd.hardState();  // commit-only: see the class comment
    }
    if (rd.mustSync()) {
      List<Entry> entries = rd.entries();
      Entry last = entries.isEmpty() ? null : entries.get(entries.size() - 1);
      pending.add(new PendingWrite(rd.snapshot(), last == null ? 0 : last.getIndex(), last == null ? 0 : last.getTerm(),
          waiting, new ArrayList<>()));
      HardState hardState = rd.hardState() != null ? rd.hardState() : unwrittenCommit;
      unwrittenCommit = null;
      writer.write(rd.snapshot(), hardState, entries);
    } else if (!pending.isEmpty()) {
      pending.peekLast().waiting().addAll(waiting);
    } else {
      waiting.forEach(transport::send);
    }
    rd.messages().forEach(transport::send);
    if (!rd.committedEntries().isEmpty()) {
      applier.apply(rd.committedEntries());
    }
    rd.readStates().forEach(waiters::readReady);
    rd.failedReads().forEach(waiters::readFailed);
    if (rd.leadershipLost() != null) {
      waiters.leadershipLost(rd.leadershipLost());
    }
    if (rd.removed()) {
      waiters.removedFromCluster();
    }
    if (rd.voteBarrierLifted()) {
      // The barrier's record may go only once the log that lifted it is durable: else a crash could leave
      // the truncated log without it.
      if (pending.isEmpty()) {
        waiters.voteBarrierLifted();
      } else {
        pending.peekLast().then().add(waiters::voteBarrierLifted);
      }
    }
  }

  /** The oldest outstanding write is durable: release what waited for it and tell the node (then {@link #drain()}). */
  public void onWriteDurable() {
    PendingWrite w = pending.poll();
    if (w == null) {
      throw new IllegalStateException("a write was reported durable but none is outstanding");
    }
    if (w.snapshot() != null) {
      applier.restore(w.snapshot());
    }
    w.waiting().forEach(transport::send);
    w.then().forEach(Runnable::run);
    if (w.lastIndex() > 0) {
      node.onPersisted(w.lastIndex(), w.lastTerm());
    }
  }

  /** The applier has applied every entry up to {@code index}. */
  public void onApplied(long index) {
    node.onApplied(index);
  }

  /** Writes started and not yet reported durable. */
  public int pendingWrites() {
    return pending.size();
  }
}
