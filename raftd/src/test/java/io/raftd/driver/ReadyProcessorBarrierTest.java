package io.raftd.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;

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
 * The host hears that a vote barrier was lifted only once every write up to the Ready that lifted it is
 * durable: it deletes the barrier's record then, and a crash before must not leave the truncated log
 * without it.
 */
class ReadyProcessorBarrierTest {
  private static final long CLUSTER = 42;

  @Test
  void aLiftedBarrierIsReportedOnlyOnceTheWritesBeforeItAreDurable() {
    MemoryLogStorage disk = new MemoryLogStorage(Configuration.newBuilder().addAllVoters(List.of(1L, 2L, 3L)).build());
    disk.setHardState(HardState.newBuilder().setTerm(1).build());
    RawNode node = new RawNode(Config.builder(1, CLUSTER).voteBarrier(1, 3).build(), disk);
    List<String> events = new ArrayList<>();
    LogWriter writer = (snapshot, hs, entries) -> {
      disk.append(entries);  // durable only once reported through onWriteDurable
      events.add("write");
    };
    ReadyProcessor processor = new ReadyProcessor(node, writer, m -> {}, new Applier() {
      @Override
      public void apply(List<Entry> committed) {}

      @Override
      public void restore(SnapshotMetadata snapshot) {}
    }, new IgnoringWaiters() {
      @Override
      public void voteBarrierLifted() {
        events.add("barrier lifted");
      }
    });

    // The leader replicates entries 1..3 and commits them: the barrier at 3 lifts in the core at once.
    AppendEntries.Builder ae = AppendEntries.newBuilder().setPrevLogIndex(0).setPrevLogTerm(0).setLeaderCommit(3);
    for (long i = 1; i <= 3; i++) {
      ae.addEntries(Entry.newBuilder().setIndex(i).setTerm(1));
    }
    node.step(RaftMessage.newBuilder().setClusterId(CLUSTER).setFrom(2).setTo(1).setTerm(1).setAppendEntries(ae).build());
    processor.drain();
    assertEquals(0, node.status().voteBarrierIndex());
    assertEquals(List.of("write"), events, "not reported while the entries that lifted it are not durable");

    processor.onWriteDurable();
    assertEquals(List.of("write", "barrier lifted"), events);
  }
}
