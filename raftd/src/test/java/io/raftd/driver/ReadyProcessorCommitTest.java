package io.raftd.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.raftd.proto.AppendEntries;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.raft.Config;
import io.raftd.raft.MemoryLogStorage;
import io.raftd.raft.RawNode;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A Ready whose only write is an advanced commit index starts no write of its own (issue 19, item 3): the
 * commit index is a hint a restart learns again, so it goes to disk with the next write that must happen
 * anyway, and the committed entries are applied without waiting for any write.
 */
class ReadyProcessorCommitTest {
  private static final long CLUSTER = 42;

  private record Write(HardState hardState, List<Long> entries) {}

  @Test
  void aCommitOnlyReadyIsNotWrittenAndTheNextWriteCarriesItsCommitIndex() {
    MemoryLogStorage disk = new MemoryLogStorage(Configuration.newBuilder().addAllVoters(List.of(1L, 2L, 3L)).build());
    disk.setHardState(HardState.newBuilder().setTerm(1).build());
    RawNode node = new RawNode(Config.builder(1, CLUSTER).build(), disk);
    List<Write> writes = new ArrayList<>();
    List<Long> applied = new ArrayList<>();
    LogWriter writer = (snapshot, hs, entries) -> {
      disk.append(entries);
      writes.add(new Write(hs, entries.stream().map(Entry::getIndex).toList()));
    };
    ReadyProcessor processor = new ReadyProcessor(node, writer, m -> {}, new Applier() {
      @Override
      public void apply(List<Entry> committed) {
        committed.forEach(e -> applied.add(e.getIndex()));
      }

      @Override
      public void restore(SnapshotMetadata snapshot) {}
    }, new IgnoringWaiters());

    node.step(append(0, 0, 1, 2, 3));
    processor.drain();
    processor.onWriteDurable();
    processor.drain();
    assertEquals(1, writes.size());
    assertEquals(List.of(1L, 2L, 3L), writes.get(0).entries());

    node.step(append(3, 3));  // the leader's commit index reaches 3, nothing new to store
    processor.drain();
    assertEquals(1, writes.size(), "a commit-only Ready started a write");
    assertEquals(0, processor.pendingWrites());
    assertEquals(List.of(1L, 2L, 3L), applied, "the committed entries are applied without a write");

    node.step(append(3, 3, 4));  // entry 4, commit unchanged: the hard state did not change in this Ready
    processor.drain();
    assertEquals(2, writes.size());
    assertEquals(List.of(4L), writes.get(1).entries());
    assertEquals(3, writes.get(1).hardState().getCommit(), "the next write carries the unwritten commit index");

    processor.onWriteDurable();
    node.step(append(4, 4));
    processor.drain();
    node.step(append(4, 4, 5));
    processor.drain();
    assertEquals(3, writes.size());
    assertEquals(4, writes.get(2).hardState().getCommit());
    node.step(append(5, 4, 6));
    processor.drain();
    assertNull(writes.get(3).hardState(), "a commit index already written is not written again");
  }

  /** An AppendEntries of term 1 from member 2 after {@code prev}, committing {@code commit}, with entries of term 1. */
  private static RaftMessage append(long prev, long commit, long... indexes) {
    AppendEntries.Builder ae = AppendEntries.newBuilder().setPrevLogIndex(prev).setPrevLogTerm(prev == 0 ? 0 : 1)
        .setLeaderCommit(commit);
    for (long i : indexes) {
      ae.addEntries(Entry.newBuilder().setIndex(i).setTerm(1));
    }
    return RaftMessage.newBuilder().setClusterId(CLUSTER).setFrom(2).setTo(1).setTerm(1).setAppendEntries(ae).build();
  }
}
