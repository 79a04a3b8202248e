package io.raftd.raft;

import static io.raftd.raft.Nodes.reject;
import static io.raftd.raft.Nodes.voteResp;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.storage.NioFileIO;
import io.raftd.storage.WriteAheadLog;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's WAL writer thread makes a snapshot record durable while the RaftLoop steps the core. It once
 * compacted the log right then: a leader that had checked {@code firstIndex()} for a lagging follower then
 * read entries below the new first index, and {@code IndexOutOfBoundsException} inside {@code RawNode.step}
 * halted the process (issue 12, bug 1). Here the real WAL's fsync completes exactly in that window, inside
 * the leader's step; compaction must wait until the core has been told of the snapshot, on its own thread.
 */
class CompactionWindowTest {
  private static final Configuration VOTERS = Nodes.voters();

  @TempDir
  Path dir;

  @Test
  void aSnapshotRecordMadeDurableInsideALeadersStepMovesNothingUnderIt() throws Exception {
    try (WriteAheadLog wal = WriteAheadLog.open(new NioFileIO(), dir, new WriteAheadLog.Options(64 << 10,
        WriteAheadLog.FsyncPolicy.ALWAYS, 1 << 20, Runnable::run), VOTERS)) {
      List<Entry> log = new ArrayList<>();
      for (long i = 1; i <= 100; i++) {
        log.add(Nodes.entry(i, 1));
      }
      wal.append(null, HardState.newBuilder().setTerm(1).setCommit(100).build(), log);
      Window storage = new Window(wal);
      RawNode leader = new RawNode(Nodes.paperConfig(1).build(), storage);
      leader.campaign();
      drain(leader, wal);
      leader.step(voteResp(2, 1, 2, true));
      drain(leader, wal);
      assertEquals(Role.LEADER, leader.status().role());

      // A snapshot at 100 (keeping 10 entries) is written to the WAL; its fsync has not completed yet.
      wal.snapshotTaken(SnapshotMetadata.newBuilder().setIndex(100).setTerm(1).setConfiguration(VOTERS).build(), 90);
      wal.writeBatch();
      // Member 2 holds only entries up to 5: the leader checks its first index, then reads from 6; the
      // fsync completes in between.
      storage.afterNextFirstIndex = () -> {
        try {
          wal.sync();
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      };
      assertDoesNotThrow(() -> leader.step(reject(2, 1, 2, 100, 0, 6)));
      assertTrue(storage.afterNextFirstIndex == null, "the leader never checked its first index");
      List<RaftMessage> sent = drain(leader, wal);
      RaftMessage toTwo = sent.stream().filter(m -> m.getTo() == 2).findFirst().orElseThrow();
      assertTrue(toTwo.hasAppendEntries(), "the leader read its log for member 2: " + toTwo);
      assertEquals(6, toTwo.getAppendEntries().getEntries(0).getIndex());
      assertEquals(1, wal.firstIndex(), "the log was compacted before the core heard of the snapshot");

      // Told of the snapshot, on its own thread, the host compacts; member 2 now needs the snapshot.
      leader.snapshotTaken(100, 1);
      assertEquals(90, wal.compact());
      leader.step(reject(2, 1, 2, 5, 0, 6));
      sent = drain(leader, wal);
      assertTrue(sent.stream().anyMatch(m -> m.getTo() == 2 && m.hasInstallSnapshot()),
          "member 2 below the compacted log did not get the snapshot: " + sent);
    }
  }

  /** Carries out the leader's Readys at once on the WAL; returns what it sent. */
  private static List<RaftMessage> drain(RawNode node, WriteAheadLog wal) throws Exception {
    List<RaftMessage> sent = new ArrayList<>();
    while (node.hasReady()) {
      Ready rd = node.ready();
      node.advance(rd);
      sent.addAll(rd.messages());
      if (rd.hardState() != null || !rd.entries().isEmpty()) {
        wal.append(null, rd.hardState(), rd.entries());
      }
      if (!rd.entries().isEmpty()) {
        Entry last = rd.entries().get(rd.entries().size() - 1);
        node.onPersisted(last.getIndex(), last.getTerm());
      }
      sent.addAll(rd.messagesAfterPersist());
      if (!rd.committedEntries().isEmpty()) {
        node.onApplied(rd.committedEntries().get(rd.committedEntries().size() - 1).getIndex());
      }
    }
    return sent;
  }

  /** The WAL as the core sees it, with something to run right after the next first-index check. */
  private static final class Window extends ForwardingLogStorage {
    Runnable afterNextFirstIndex;

    Window(WriteAheadLog wal) {
      super(wal);
    }

    @Override
    public long firstIndex() {
      long first = log.firstIndex();
      Runnable r = afterNextFirstIndex;
      afterNextFirstIndex = null;
      if (r != null) {
        r.run();
      }
      return first;
    }
  }
}
