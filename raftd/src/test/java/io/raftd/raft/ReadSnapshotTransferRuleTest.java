package io.raftd.raft;

import static io.raftd.raft.Nodes.ack;
import static io.raftd.raft.Nodes.append;
import static io.raftd.raft.Nodes.appends;
import static io.raftd.raft.Nodes.config;
import static io.raftd.raft.Nodes.context;
import static io.raftd.raft.Nodes.entries;
import static io.raftd.raft.Nodes.heartbeat;
import static io.raftd.raft.Nodes.heartbeatResp;
import static io.raftd.raft.Nodes.installSnapshot;
import static io.raftd.raft.Nodes.node;
import static io.raftd.raft.Nodes.only;
import static io.raftd.raft.Nodes.preVote;
import static io.raftd.raft.Nodes.readIndexReq;
import static io.raftd.raft.Nodes.readIndexResp;
import static io.raftd.raft.Nodes.reject;
import static io.raftd.raft.Nodes.requestVote;
import static io.raftd.raft.Nodes.snapshot;
import static io.raftd.raft.Nodes.terms;
import static io.raftd.raft.Nodes.timeoutNow;
import static io.raftd.raft.Nodes.to;
import static io.raftd.raft.Nodes.vote;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.proto.AppendEntries;
import io.raftd.proto.AppendEntriesResponse;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.ReadIndexResponse;
import io.raftd.proto.RequestVote;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.raft.Nodes.Node;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * One test per rule of linearizable reads (ReadIndex, thesis §6.4), snapshots (paper Figure 13) and
 * leadership transfer (thesis §3.10). Pre-vote and check-quorum are on; members are {1, 2, 3}.
 */
class ReadSnapshotTransferRuleTest {
  private static final ByteString A = context("a");
  private static final ByteString B = context("b");
  private static final ByteString C = context("c");
  private static final ByteString D = context("d");

  // ---- a host that records what the Readys asked for ----

  /** What the host saw while it carried out Readys. */
  private static final class Seen {
    final List<RaftMessage> sent = new ArrayList<>();
    final List<ReadState> reads = new ArrayList<>();
    final List<ByteString> failed = new ArrayList<>();
    final List<Ready.LeadershipLost> lost = new ArrayList<>();
    final List<SnapshotMetadata> snapshots = new ArrayList<>();

    List<RaftMessage> heartbeats() {
      return sent.stream().filter(RaftMessage::hasHeartbeat).toList();
    }

    List<RaftMessage> readIndexResponses() {
      return sent.stream().filter(RaftMessage::hasReadIndexResponse).toList();
    }
  }

  /** Carries out every Ready (installing snapshots into the disk) and records them. */
  private static Seen run(Node n) {
    Seen seen = new Seen();
    while (n.raw.hasReady()) {
      Ready rd = n.ready();
      if (rd.snapshot() != null) {
        n.disk.applySnapshot(rd.snapshot());
        seen.snapshots.add(rd.snapshot());
      }
      n.persist(rd);
      seen.sent.addAll(rd.messages());
      seen.sent.addAll(rd.messagesAfterPersist());
      seen.reads.addAll(rd.readStates());
      seen.failed.addAll(rd.failedReads());
      if (rd.leadershipLost() != null) {
        seen.lost.add(rd.leadershipLost());
      }
      if (rd.snapshot() != null) {
        n.raw.onApplied(rd.snapshot().getIndex());  // the state machine restored it
      }
      n.apply(rd);
    }
    return seen;
  }

  /** Steps the messages, then carries out every Ready. */
  private static Seen run(Node n, RaftMessage... messages) {
    for (RaftMessage m : messages) {
      n.raw.step(m);
    }
    return run(n);
  }

  /** Leader 1 of term 1; members 2 and 3 acknowledged its no-op (replicate, match 1); commit 1 applied. */
  private static Node leader() {
    Node n = node(config(1), 0, 0);
    n.electAndCatchUp();
    return n;
  }

  private static List<RaftMessage> timeoutNows(List<RaftMessage> messages) {
    return messages.stream().filter(RaftMessage::hasTimeoutNow).toList();
  }

  private static List<RaftMessage> snapshots(List<RaftMessage> messages) {
    return messages.stream().filter(RaftMessage::hasInstallSnapshot).toList();
  }

  // ---- ReadIndex (thesis §6.4) ----

  @Test
  void leaderAnswersNoReadUntilAnEntryOfItsTermIsCommittedThenWithThatIndex() {
    Node n = node(config(1), 1, 0, 1);  // entry 1 of term 1, not known to be committed
    n.elect();                            // term 2, no-op at 2

    n.raw.readIndex(A);
    Seen waiting = run(n, readIndexReq(3, 1, 2, B));

    assertTrue(waiting.reads.isEmpty());
    assertTrue(waiting.readIndexResponses().isEmpty(), "the follower's read waits too");
    assertTrue(waiting.heartbeats().isEmpty(), "no confirmation round yet");
    assertEquals(2, n.raw.counters().readsWaitedForCommit());

    Seen committed = run(n, ack(2, 1, 2, 2));
    assertEquals(2, n.status().commit());
    assertEquals(2, committed.heartbeats().size(), "the commit starts the round");
    Seen confirmed = run(n, heartbeatResp(2, 1, 2, committed.heartbeats().get(0).getHeartbeat().getRound()));

    assertEquals(List.of(new ReadState(A, 2)), confirmed.reads, "answered with the commit index of its term");
    ReadIndexResponse resp = only(confirmed.readIndexResponses()).getReadIndexResponse();
    assertEquals(B, resp.getContext());
    assertEquals(2, resp.getIndex());
    assertTrue(resp.getOk());
  }

  @Test
  void confirmationRoundsAreNumberedInHeartbeatsAndEchoedInResponses() {
    Node n = leader();

    Seen first = run(n);
    n.raw.readIndex(A);
    Seen round1 = run(n);
    run(n, heartbeatResp(2, 1, 1, 1));
    n.raw.readIndex(B);
    Seen round2 = run(n);

    assertTrue(first.heartbeats().isEmpty());
    assertEquals(2, round1.heartbeats().size());
    round1.heartbeats().forEach(m -> assertEquals(1, m.getHeartbeat().getRound()));
    assertEquals(2, round2.heartbeats().size());
    round2.heartbeats().forEach(m -> assertEquals(2, m.getHeartbeat().getRound()));
    n.tick(1).stream().filter(RaftMessage::hasHeartbeat)
        .forEach(m -> assertEquals(2, m.getHeartbeat().getRound(), "periodic heartbeats carry the newest round"));

    Node follower = node(config(2), 1, 0);
    RaftMessage echo = only(follower.deliver(Nodes.heartbeat(1, 2, 1, 0, 7)));
    assertEquals(7, echo.getHeartbeatResponse().getRound());
  }

  @Test
  void readCountsOnlyRoundsThatStartedAfterItWasRegistered() {
    Node n = leader();
    n.raw.readIndex(A);  // starts round 1
    run(n);
    n.raw.readIndex(B);  // registered while round 1 runs: needs round 2
    assertTrue(run(n).heartbeats().isEmpty());

    Seen older = run(n, heartbeatResp(2, 1, 1, 0), heartbeatResp(3, 1, 1, 0));
    assertTrue(older.reads.isEmpty(), "echoes of a round before both reads release nothing");

    Seen round1 = run(n, heartbeatResp(2, 1, 1, 1));
    assertEquals(List.of(new ReadState(A, 1)), round1.reads, "B is not released by round 1");
    round1.heartbeats().forEach(m -> assertEquals(2, m.getHeartbeat().getRound()));

    Seen late = run(n, heartbeatResp(3, 1, 1, 1));
    assertTrue(late.reads.isEmpty(), "round 1 started before B was registered");

    Seen round2 = run(n, heartbeatResp(3, 1, 1, 2));
    assertEquals(List.of(new ReadState(B, 1)), round2.reads);
  }

  @Test
  void readsWaitingWhenARoundStartsShareIt() {
    Node n = leader();
    n.raw.readIndex(A);
    run(n);
    n.raw.readIndex(B);
    n.raw.readIndex(C);
    Seen queued = run(n, readIndexReq(2, 1, 1, D));
    assertTrue(queued.heartbeats().isEmpty(), "they wait for the running round to end");

    Seen round1 = run(n, heartbeatResp(2, 1, 1, 1));
    assertEquals(List.of(new ReadState(A, 1)), round1.reads);
    assertEquals(2, round1.heartbeats().size(), "one broadcast for B, C and D");
    round1.heartbeats().forEach(m -> assertEquals(2, m.getHeartbeat().getRound()));

    Seen round2 = run(n, heartbeatResp(3, 1, 1, 2));
    assertEquals(List.of(new ReadState(B, 1), new ReadState(C, 1)), round2.reads);
    assertEquals(D, only(round2.readIndexResponses()).getReadIndexResponse().getContext());
    assertTrue(round2.heartbeats().isEmpty(), "no further round");
  }

  @Test
  void readIsServedOnlyOnceAppliedUpToItsIndex() {
    Node n = leader();
    n.raw.propose(ByteString.copyFrom(new byte[] {1}));
    n.persist(n.ready());
    n.raw.step(ack(2, 1, 1, 2));
    Ready commit = n.ready();  // hands entry 2 to the host, which has not applied it yet
    assertEquals(2, commit.committedEntries().get(0).getIndex());

    n.raw.readIndex(A);
    n.raw.step(heartbeatResp(2, 1, 1, 1));
    Ready confirmed = n.ready();
    assertTrue(confirmed.readStates().isEmpty(), "read index 2, applied 1");

    n.apply(commit);
    Ready served = n.ready();
    assertEquals(List.of(new ReadState(A, 2)), served.readStates());
  }

  @Test
  void singleVoterLeaderServesAReadAtOnce() {
    Node n = new Node(config(1).build(),
        new MemoryLogStorage(Configuration.newBuilder().addVoters(1).build()));
    n.raw.campaign();
    run(n);
    assertEquals(Role.LEADER, n.role());
    assertEquals(1, n.status().applied());

    n.raw.readIndex(A);
    Ready rd = n.ready();

    assertEquals(List.of(new ReadState(A, 1)), rd.readStates());
    assertTrue(rd.messages().isEmpty());
  }

  @Test
  void leaderAnswersAForwardedReadOnlyAfterConfirmation() {
    Node n = leader();

    Seen asked = run(n, readIndexReq(2, 1, 1, A));
    assertTrue(asked.readIndexResponses().isEmpty());
    assertEquals(2, asked.heartbeats().size());

    Seen confirmed = run(n, heartbeatResp(3, 1, 1, 1));
    RaftMessage resp = only(confirmed.readIndexResponses());
    assertEquals(2, resp.getTo());
    assertEquals(A, resp.getReadIndexResponse().getContext());
    assertEquals(1, resp.getReadIndexResponse().getIndex());
    assertTrue(resp.getReadIndexResponse().getOk());
    assertTrue(confirmed.reads.isEmpty(), "the follower serves it, not the leader");
  }

  @Test
  void followerForwardsAReadAndServesItOnlyOnceAppliedUpToTheLeadersIndex() {
    Node f = node(config(2), 1, 0, 1, 1);
    f.deliver(heartbeat(1, 2, 1, 0));

    f.raw.readIndex(A);
    RaftMessage req = only(f.ready().messages());
    assertEquals(1, req.getTo());
    assertEquals(A, req.getReadIndex().getContext());

    Seen answered = run(f, readIndexResp(1, 2, 1, A, 2, true));
    assertTrue(answered.reads.isEmpty(), "applied 0 < read index 2");

    Seen applied = run(f, append(1, 2, 1, 2, 1, 2, List.of()));
    assertEquals(2, f.status().applied());
    assertEquals(List.of(new ReadState(A, 2)), applied.reads);
    assertEquals(1, f.raw.counters().followerReads());
  }

  @Test
  void followerWithoutALeaderFailsTheReadAtOnce() {
    Node f = node(config(2), 1, 0);

    f.raw.readIndex(A);
    Ready rd = f.ready();

    assertEquals(List.of(A), rd.failedReads());
    assertTrue(rd.messages().isEmpty());
    assertEquals(1, f.raw.counters().readsFailed());
  }

  @Test
  void forwardedReadWithNoAnswerFailsAfterTwoElectionTimeouts() {
    Node f = node(config(2), 1, 0);
    f.deliver(heartbeat(1, 2, 1, 0));
    f.raw.readIndex(A);
    f.drain();

    int failedAt = 0;
    for (int tick = 1; tick <= 3 * 10 && failedAt == 0; tick++) {
      f.raw.step(heartbeat(1, 2, 1, 0));  // the leader is alive but never answers the read
      f.raw.tick();
      if (run(f).failed.contains(A)) {
        failedAt = tick;
      }
    }

    assertEquals(Role.FOLLOWER, f.role());
    assertTrue(failedAt >= 2 * 10 && failedAt <= 2 * 10 + 1, "failed at tick " + failedAt);
  }

  @Test
  void onStepDownPendingReadsFailAndLeadershipLostCarriesTheCommitIndex() {
    Node n = leader();
    n.raw.propose(ByteString.copyFrom(new byte[] {1}));  // index 2: not committed
    n.raw.readIndex(A);
    run(n, readIndexReq(2, 1, 1, B));

    n.raw.stepDown();
    Ready rd = n.ready();

    assertEquals(Role.FOLLOWER, n.role());
    assertEquals(List.of(A), rd.failedReads());
    ReadIndexResponse resp = only(rd.messages().stream().filter(RaftMessage::hasReadIndexResponse).toList())
        .getReadIndexResponse();
    assertEquals(B, resp.getContext());
    assertFalse(resp.getOk());
    assertEquals(new Ready.LeadershipLost(1, 1), rd.leadershipLost(), "proposal 2 has an unknown outcome");
  }

  @Test
  void onATermChangeTheLeadersPendingReadsFail() {
    Node n = leader();
    n.raw.propose(ByteString.copyFrom(new byte[] {1}));
    n.raw.readIndex(A);
    run(n);

    Seen seen = run(n, append(3, 1, 2, 1, 1, 1, List.of()));  // a leader of term 2

    assertEquals(2, n.term());
    assertEquals(List.of(A), seen.failed);
    assertEquals(List.of(new Ready.LeadershipLost(1, 1)), seen.lost);
    assertTrue(seen.reads.isEmpty());
  }

  @Test
  void onATermChangeAFollowersForwardedReadFails() {
    Node f = node(config(2), 1, 0);
    f.deliver(heartbeat(1, 2, 1, 0));
    f.raw.readIndex(A);
    f.drain();

    Ready rd = f.ready(heartbeat(3, 2, 2, 0));

    assertEquals(List.of(A), rd.failedReads());
    assertNull(rd.leadershipLost(), "it did not lead");
    f.raw.step(readIndexResp(1, 2, 1, A, 0, true));
    assertFalse(f.raw.hasReady(), "the old leader's late answer is dropped");
  }

  @Test
  void nonLeaderAnswersAReadIndexRequestWithOkFalse() {
    Node f = node(config(2), 1, 0);
    f.deliver(heartbeat(1, 2, 1, 0));

    RaftMessage resp = only(f.deliver(readIndexReq(3, 2, 1, A)));

    assertEquals(3, resp.getTo());
    assertEquals(A, resp.getReadIndexResponse().getContext());
    assertFalse(resp.getReadIndexResponse().getOk());
  }

  // ---- snapshots ----

  /** The host made a snapshot at (index, term) durable, reported it, and compacted its log up to there. */
  private static SnapshotMetadata compact(Node n, long index, long term) {
    SnapshotMetadata snap = snapshot(index, term);
    n.raw.snapshotTaken(index, term);
    n.disk.setSnapshot(snap);
    n.disk.compact(index);
    return snap;
  }

  /**
   * Leader 1 of term 1 with entries 1 to 5 committed (member 2 holds them), a snapshot at 4 and its log
   * compacted up to there. Member 3 acknowledged only entry 1 and was reported unreachable: next 2.
   */
  private static Node compactedLeader() {
    Node n = leader();
    for (int i = 0; i < 4; i++) {
      n.raw.propose(ByteString.copyFrom(new byte[] {(byte) i}));
    }
    n.drain();
    n.deliver(ack(2, 1, 1, 5));
    assertEquals(5, n.status().applied());
    compact(n, 4, 1);
    assertEquals(5, n.status().firstIndex());
    n.raw.onUnreachable(3);
    return n;
  }

  @Test
  void followerWhoseNextEntryWasCompactedIsSentTheSnapshotAndNoAppendEntries() {
    Node n = compactedLeader();

    List<RaftMessage> sent = to(3, n.deliver(heartbeatResp(3, 1, 1)));

    RaftMessage m = only(sent);
    assertEquals(snapshot(4, 1), m.getInstallSnapshot().getMetadata(), "the storage's snapshot");
    assertTrue(n.progress(3).startsWith("SNAPSHOT match=1"), n.progress(3));
    assertEquals(1, n.raw.counters().snapshotsSent());

    n.raw.propose(ByteString.copyFrom(new byte[] {9}));
    List<RaftMessage> meanwhile = new ArrayList<>(to(3, n.drain()));
    meanwhile.addAll(to(3, n.deliver(heartbeatResp(3, 1, 1), reject(3, 1, 1, 1, 0, 2))));
    meanwhile.addAll(to(3, n.tick(1)));
    assertTrue(appends(meanwhile).isEmpty(), "no AppendEntries while the snapshot streams: " + meanwhile);
    assertTrue(snapshots(meanwhile).isEmpty());
    assertTrue(n.progress(3).startsWith("SNAPSHOT"), n.progress(3));
  }

  /** Leader 1 of term 2 whose log (terms 1 1 1 1 1 2) is compacted up to 4; member 3 not yet probed. */
  private static Node compactedLeaderOfTerm2() {
    Node n = node(config(1), 1, 0, 1, 1, 1, 1, 1);
    n.elect();  // no-op at 6; 2 and 3 are probed with prev 5
    n.deliver(ack(2, 1, 2, 6));
    assertEquals(6, n.status().applied());
    compact(n, 4, 1);
    return n;
  }

  @Test
  void aRejectionHintBelowTheLeadersFirstIndexLeadsToTheSnapshot() {
    Node below = compactedLeaderOfTerm2();
    Node at = compactedLeaderOfTerm2();

    // Member 3's log ends at 3 (hint 4) or at 4 (hint 5); the leader's log starts at 5.
    RaftMessage toBelow = only(to(3, below.deliver(reject(3, 1, 2, 5, 0, 4))));
    RaftMessage toAt = only(to(3, at.deliver(reject(3, 1, 2, 5, 0, 5))));

    assertEquals(snapshot(4, 1), toBelow.getInstallSnapshot().getMetadata());
    assertTrue(below.progress(3).startsWith("SNAPSHOT"), below.progress(3));
    assertEquals(4, toAt.getAppendEntries().getPrevLogIndex(), "entry 5 is still in the log");
    assertEquals(1, toAt.getAppendEntries().getPrevLogTerm());
  }

  @Test
  void deliveredSnapshotMovesTheFollowerToProbeJustPastIt() {
    Node n = compactedLeader();
    n.deliver(heartbeatResp(3, 1, 1));  // snapshot sent

    n.raw.onSnapshotStatus(3, true);
    List<RaftMessage> sent = to(3, n.drain());

    assertTrue(n.progress(3).startsWith("PROBE match=1 next=5"), n.progress(3));
    AppendEntries ae = only(sent).getAppendEntries();
    assertEquals(4, ae.getPrevLogIndex());
    assertEquals(1, ae.getPrevLogTerm());
  }

  @Test
  void failedSnapshotProbesFromTheMatchAgain() {
    Node n = compactedLeader();
    n.deliver(heartbeatResp(3, 1, 1));

    n.raw.onSnapshotStatus(3, false);
    List<RaftMessage> sent = to(3, n.drain());

    // Probing from match 1 needs entry 2, which is compacted: the snapshot goes again, no AppendEntries past it.
    assertEquals(snapshot(4, 1), only(sent).getInstallSnapshot().getMetadata());
    assertEquals(2, n.raw.counters().snapshotsSent());
    assertTrue(n.progress(3).startsWith("SNAPSHOT match=1 next=2"), n.progress(3));
  }

  @Test
  void successAtOrPastTheSnapshotMovesTheFollowerToReplicate() {
    Node n = compactedLeader();
    n.deliver(heartbeatResp(3, 1, 1));

    List<RaftMessage> below = to(3, n.deliver(ack(3, 1, 1, 3)));
    assertTrue(below.isEmpty(), "3 < snapshot 4: still streaming, nothing sent: " + below);
    assertTrue(n.progress(3).startsWith("SNAPSHOT match=3"), n.progress(3));
    assertEquals(1, n.raw.counters().snapshotsSent());

    List<RaftMessage> sent = to(3, n.deliver(ack(3, 1, 1, 4)));

    assertTrue(n.progress(3).startsWith("REPLICATE match=4 next=6"), n.progress(3));
    AppendEntries ae = only(sent).getAppendEntries();
    assertEquals(4, ae.getPrevLogIndex());
    assertEquals(List.of(5L), ae.getEntriesList().stream().map(Entry::getIndex).toList());
  }

  @Test
  void snapshotAtOrBelowTheCommitIndexIsIgnoredAndAnsweredWithTheCommit() {
    Node f = node(config(2), 1, 0, 1, 1, 1);
    f.deliver(append(1, 2, 1, 3, 1, 3, List.of()));
    assertEquals(3, f.status().commit());

    for (long index : new long[] {2, 3}) {
      Ready rd = f.ready(installSnapshot(1, 2, 1, snapshot(index, 1)));

      assertNull(rd.snapshot(), "snapshot at " + index);
      AppendEntriesResponse resp = only(rd.messagesAfterPersist()).getAppendEntriesResponse();
      assertTrue(resp.getSuccess());
      assertEquals(3, resp.getMatchIndex());
    }
    assertEquals(2, f.raw.counters().staleSnapshotsIgnored());
    assertEquals(0, f.raw.counters().snapshotsInstalled());
    assertEquals(terms(1, 1, 1), f.logTerms());
  }

  @Test
  void snapshotWhoseLastEntryIsInTheLogKeepsTheEntriesAfterIt() {
    Node f = node(config(2), 1, 0, 1, 1, 1, 1, 1);

    Ready rd = f.ready(installSnapshot(1, 2, 1, snapshot(3, 1)));

    assertNull(rd.snapshot(), "nothing to restore: the log holds it");
    assertEquals(terms(1, 1, 1, 1, 1), f.logTerms(), "entries 4 and 5 are kept");
    assertEquals(3, f.status().commit());
    assertEquals(1, f.status().firstIndex());
    assertEquals(3, only(rd.messagesAfterPersist()).getAppendEntriesResponse().getMatchIndex());
    assertEquals(0, f.raw.counters().snapshotsInstalled());
  }

  @Test
  void otherwiseTheSnapshotReplacesTheLogAndIsAcknowledgedOnceDurable() {
    Node f = node(config(2), 2, 0, 1, 1, 1, 1);  // entry 3 has term 1
    SnapshotMetadata snap = snapshot(3, 2);       // the leader's entry 3 has term 2

    Ready rd = f.ready(installSnapshot(1, 2, 2, snap));

    assertEquals(snap, rd.snapshot());
    assertTrue(rd.mustSync());
    assertEquals(3, rd.hardState().getCommit());
    assertTrue(rd.committedEntries().isEmpty(), "restored from the snapshot, not replayed");
    assertTrue(rd.messages().isEmpty());
    AppendEntriesResponse resp = only(rd.messagesAfterPersist()).getAppendEntriesResponse();
    assertTrue(resp.getSuccess());
    assertEquals(3, resp.getMatchIndex());
    Status s = f.status();
    assertEquals(4, s.firstIndex(), "the log restarts after the snapshot");
    assertEquals(3, s.lastIndex(), "entry 4 is gone");
    assertEquals(3, s.commit());
    assertEquals(3, s.snapshotIndex());
    assertEquals(2, f.raw.termAt(3));
    assertNull(f.raw.entryAt(4));
    assertEquals(1, f.raw.counters().snapshotsInstalled());

    // The host installs it; the log continues after it.
    f.disk.applySnapshot(rd.snapshot());
    f.raw.onApplied(3);
    RaftMessage next = only(f.deliver(append(1, 2, 2, 3, 2, 4, entries(4, 2))));
    assertEquals(4, next.getAppendEntriesResponse().getMatchIndex());
    assertEquals(4, f.status().applied());
    assertEquals(4, f.applied.get(0).getIndex());
  }

  @Test
  void installSnapshotResetsTheElectionTimer() {
    int timeout = node(config(2), 1, 0).ticksUntilRoleChanges();  // same seed, same timeout
    Node f = node(config(2), 1, 0);
    f.tick(timeout - 1);

    run(f, installSnapshot(1, 2, 1, snapshot(3, 1)));
    f.tick(timeout - 1);

    assertEquals(Role.FOLLOWER, f.role(), "the snapshot counted as contact with the leader");
    assertEquals(1, f.status().leader());
    f.tick(1);
    assertEquals(Role.PRE_CANDIDATE, f.role(), "the timer restarted at the snapshot");
  }

  @Test
  void deliveredSnapshotCountsAsContactForCheckQuorum() {
    Node reported = compactedLeader();
    Node silent = compactedLeader();
    for (Node n : List.of(reported, silent)) {
      n.deliver(heartbeatResp(3, 1, 1));  // snapshot sent to 3
      n.tick(10);                         // check-quorum passes, and forgets who was active
      assertEquals(Role.LEADER, n.role());
    }

    reported.raw.onSnapshotStatus(3, true);
    reported.tick(10);
    silent.tick(10);

    assertEquals(Role.LEADER, reported.role(), "member 3 and itself are a majority");
    assertEquals(Role.FOLLOWER, silent.role(), "without the report nobody was heard from");
  }

  @Test
  void snapshotTakenRejectsAnUnappliedIndexOrAWrongTermAndIgnoresAnOldOne() {
    Node f = node(config(2), 1, 0, 1, 1, 1, 1);
    f.deliver(append(1, 2, 1, 4, 1, 2, List.of()));  // 1 and 2 handed out to apply
    f.raw.step(append(1, 2, 1, 4, 1, 3, List.of()));  // 3 committed, not yet handed out

    assertThrows(IllegalArgumentException.class, () -> f.raw.snapshotTaken(3, 1));
    assertThrows(IllegalArgumentException.class, () -> f.raw.snapshotTaken(2, 2));
    assertEquals(0, f.status().snapshotIndex());
    f.raw.snapshotTaken(2, 1);
    assertEquals(2, f.status().snapshotIndex());

    f.disk.setSnapshot(snapshot(2, 1));
    f.disk.compact(2);
    f.raw.snapshotTaken(1, 1);  // older than the log's first index (3): ignored, not rejected
    assertEquals(2, f.status().snapshotIndex());
  }

  // ---- leadership transfer (thesis §3.10) ----

  @Test
  void transferToANonVoterIsRefused() {
    Configuration withLearner = Configuration.newBuilder().addAllVoters(List.of(1L, 2L, 3L)).addLearners(4).build();
    Node n = new Node(config(1).build(), new MemoryLogStorage(withLearner));
    n.electAndCatchUp();

    assertEquals(TransferOutcome.NOT_A_VOTER, n.raw.transferLeadership(4), "a learner");
    assertEquals(TransferOutcome.NOT_A_VOTER, n.raw.transferLeadership(9), "no member");
    assertEquals(0, n.raw.counters().transfersStarted());
    assertTrue(n.raw.propose(ByteString.copyFrom(new byte[] {1})).appended());
  }

  @Test
  void followerCannotTransfer() {
    Node f = node(config(2), 1, 0);
    f.deliver(heartbeat(1, 2, 1, 0));

    assertEquals(TransferOutcome.NOT_LEADER, f.raw.transferLeadership(3));
    assertEquals(TransferOutcome.NOT_LEADER, f.raw.transferLeadership(1));
    assertFalse(f.raw.hasReady());
  }

  @Test
  void transferToSelfIsAlreadyLeader() {
    Node n = leader();

    assertEquals(TransferOutcome.ALREADY_LEADER, n.raw.transferLeadership(1));
    assertEquals(0, n.raw.counters().transfersStarted());
    assertTrue(n.raw.propose(ByteString.copyFrom(new byte[] {1})).appended());
  }

  @Test
  void proposalsAreRefusedDuringATransfer() {
    Node n = leader();
    assertEquals(TransferOutcome.STARTED, n.raw.transferLeadership(2));
    n.drain();

    Proposal p = n.raw.propose(ByteString.copyFrom(new byte[] {1}));

    assertFalse(p.appended());
    assertEquals(Proposal.Refusal.TRANSFERRING, p.refusal());
    assertEquals(1, n.lastIndex());
    assertEquals(1, n.raw.counters().proposalsDropped());
  }

  @Test
  void timeoutNowGoesAtOnceToACaughtUpTarget() {
    Node n = leader();

    n.raw.transferLeadership(2);
    Ready rd = n.ready();

    RaftMessage m = only(timeoutNows(rd.messages()));
    assertEquals(2, m.getTo());
    assertEquals(1, m.getTerm());
  }

  @Test
  void withoutATargetTheMostUpToDateVoterHeardFromLatelyIsChosen() {
    Node n = leader();  // 2 and 3 both hold the whole log; 2, first by id, then falls silent
    for (int tick = 0; tick < 2 * n.cfg.electionTicks; tick++) {
      n.raw.tick();
      n.drain();
      n.deliver(heartbeatResp(3, 1, 1));
    }
    assertEquals(Role.LEADER, n.role(), "3 keeps the quorum");

    assertEquals(TransferOutcome.STARTED, n.raw.transferLeadership(0));
    List<RaftMessage> sent = n.drain();
    assertTrue(sent.stream().noneMatch(m -> m.getTo() == 2 && m.hasTimeoutNow()), "not to the silent member");
    assertEquals(3, only(timeoutNows(sent)).getTo());
  }

  @Test
  void timeoutNowWaitsUntilTheTargetAcknowledgesTheLastIndex() {
    Node n = leader();
    n.raw.propose(ByteString.copyFrom(new byte[] {1}));
    n.raw.propose(ByteString.copyFrom(new byte[] {2}));
    n.drain();
    n.deliver(ack(2, 1, 1, 3));  // 3 has acknowledged only 1

    assertEquals(TransferOutcome.STARTED, n.raw.transferLeadership(3));
    assertTrue(timeoutNows(n.drain()).isEmpty());
    assertTrue(timeoutNows(n.deliver(ack(3, 1, 1, 2))).isEmpty(), "2 is not the last index");

    RaftMessage m = only(timeoutNows(n.deliver(ack(3, 1, 1, 3))));
    assertEquals(3, m.getTo());
  }

  @Test
  void targetCampaignsAtOnceWithTheTransferFlagSkippingPreVote() {
    Node f = node(config(2), 1, 0, 1);
    f.deliver(heartbeat(1, 2, 1, 0));

    Ready rd = f.ready(timeoutNow(1, 2, 1));

    assertEquals(Role.CANDIDATE, f.role(), "no pre-vote although configured");
    assertEquals(2, f.term());
    assertEquals(2, f.status().votedFor());
    assertEquals(2, rd.messagesAfterPersist().size());
    for (RaftMessage m : rd.messagesAfterPersist()) {
      RequestVote rv = m.getRequestVote();
      assertEquals(2, m.getTerm());
      assertFalse(rv.getPreVote());
      assertTrue(rv.getTransfer());
    }
  }

  @Test
  void voterInItsLeaseGrantsATransferVoteButIgnoresOthers() {
    Node f = node(config(3), 1, 0, 1);
    f.deliver(heartbeat(1, 3, 1, 0));

    f.raw.step(vote(2, 3, 2, 1, 1));
    f.raw.step(preVote(2, 3, 2, 1, 1));
    assertFalse(f.raw.hasReady(), "ignored, no reply");
    assertEquals(1, f.term());
    assertEquals(2, f.raw.counters().ignoredInLease());

    RaftMessage resp = only(f.deliver(requestVote(2, 3, 2, 1, 1, false, true)));

    assertTrue(resp.getRequestVoteResponse().getGranted());
    assertEquals(2, f.term());
    assertEquals(2, f.status().votedFor());
  }

  @Test
  void transferAbortsAfterAnElectionTimeoutAndProposalsAreAcceptedAgain() {
    Node n = leader();
    n.raw.transferLeadership(2);
    n.drain();  // the TimeoutNow is lost

    n.tick(9);
    assertEquals(Proposal.Refusal.TRANSFERRING, n.raw.propose(ByteString.copyFrom(new byte[] {1})).refusal());
    assertEquals(0, n.raw.counters().transfersAborted());
    n.tick(1);

    assertEquals(Role.LEADER, n.role());
    assertEquals(1, n.raw.counters().transfersAborted());
    assertTrue(n.raw.propose(ByteString.copyFrom(new byte[] {2})).appended());
  }

  @Test
  void askingAgainRestartsTheTransfer() {
    Node n = leader();
    n.raw.transferLeadership(2);
    n.drain();  // the TimeoutNow is lost
    n.tick(6);

    assertEquals(TransferOutcome.STARTED, n.raw.transferLeadership(2));
    assertEquals(2, only(timeoutNows(n.drain())).getTo(), "TimeoutNow is sent again");
    n.tick(9);  // 15 ticks after the first request
    assertEquals(Proposal.Refusal.TRANSFERRING, n.raw.propose(ByteString.copyFrom(new byte[] {1})).refusal());
    assertEquals(0, n.raw.counters().transfersAborted());
    n.tick(1);

    assertEquals(1, n.raw.counters().transfersAborted(), "one election timeout after the second request");
    assertEquals(2, n.raw.counters().transfersStarted());
    assertTrue(n.raw.propose(ByteString.copyFrom(new byte[] {2})).appended());
  }

  @Test
  void transferToZeroPicksTheMostUpToDateOtherVoter() {
    for (long ahead : new long[] {2, 3}) {
      Node n = leader();
      n.raw.propose(ByteString.copyFrom(new byte[] {1}));
      n.raw.propose(ByteString.copyFrom(new byte[] {2}));
      n.drain();
      n.deliver(ack(ahead, 1, 1, 3));  // the other one holds only 1

      assertEquals(TransferOutcome.STARTED, n.raw.transferLeadership(0));
      assertEquals(ahead, only(timeoutNows(n.drain())).getTo());
    }
  }

  @Test
  void leadershipPassesToTheTargetWhileTheOtherVoterIsInItsLease() {
    Node n1 = node(config(1), 0, 0);
    Node n2 = node(config(2), 0, 0);
    Node n3 = node(config(3), 0, 0);
    Map<Long, Node> members = Map.of(1L, n1, 2L, n2, 3L, n3);
    n1.raw.campaign();
    Nodes.exchange(members, n1.drain());
    assertEquals(Role.LEADER, n1.role());

    assertEquals(TransferOutcome.STARTED, n1.raw.transferLeadership(2));
    Nodes.exchange(members, n1.drain());

    assertEquals(Role.LEADER, n2.role());
    assertEquals(2, n2.term());
    assertEquals(Role.FOLLOWER, n1.role());
    assertEquals(Role.FOLLOWER, n3.role());
    assertEquals(2, n3.term(), "member 3 heard from leader 1 just now, yet voted");
    assertEquals(1, n2.raw.counters().transfersCompleted());
  }
}
