package io.raftd.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.proto.AppendEntries;
import io.raftd.proto.AppendEntriesResponse;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.EntryType;
import io.raftd.proto.HardState;
import io.raftd.proto.Heartbeat;
import io.raftd.proto.HeartbeatResponse;
import io.raftd.proto.InstallSnapshot;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.ReadIndexRequest;
import io.raftd.proto.ReadIndexResponse;
import io.raftd.proto.Removed;
import io.raftd.proto.RequestVote;
import io.raftd.proto.RequestVoteResponse;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.proto.TimeoutNow;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Test helpers for the rule tests: members of the cluster {1, 2, 3} built on a {@link MemoryLogStorage},
 * a host that carries out Readys at once, and message builders. No time, threads or randomness beyond
 * the seeded core.
 */
final class Nodes {
  static final long CLUSTER = 42;

  private Nodes() {}

  static Configuration voters() {
    return Configuration.newBuilder().addAllVoters(List.of(1L, 2L, 3L)).build();
  }

  /** 10 election ticks, 1 heartbeat tick; pre-vote and check-quorum on (the defaults). */
  static Config.Builder config(long id) {
    return Config.builder(id, CLUSTER).electionTicks(10).heartbeatTicks(1).seed(id);
  }

  /** The rules of the paper alone: no pre-vote, no check-quorum. */
  static Config.Builder paperConfig(long id) {
    return config(id).preVote(false).checkQuorum(false);
  }

  /** A member whose disk holds hard state (term, votedFor) and entries 1.. with the given terms. */
  static Node node(Config.Builder cfg, long term, long votedFor, long... entryTerms) {
    MemoryLogStorage disk = new MemoryLogStorage(voters());
    disk.append(entries(1, entryTerms));
    disk.setHardState(HardState.newBuilder().setTerm(term).setVotedFor(votedFor).build());
    return new Node(cfg.build(), disk);
  }

  /** One member and the host around it: a disk that is written at once. */
  static final class Node {
    final Config cfg;
    final long id;
    final RawNode raw;
    final MemoryLogStorage disk;
    /** Every entry the host was told to apply, in order. */
    final List<Entry> applied = new ArrayList<>();

    Node(Config cfg, MemoryLogStorage disk) {
      this.cfg = cfg;
      this.id = cfg.id;
      this.disk = disk;
      this.raw = new RawNode(cfg, disk);
    }

    /** Takes the next Ready and hands it to the host (advance); carries none of it out. */
    Ready ready() {
      assertTrue(raw.hasReady(), "expected a Ready");
      Ready rd = raw.ready();
      raw.advance(rd);
      return rd;
    }

    /** Steps the messages, then takes the Ready they produced (carrying none of it out). */
    Ready ready(RaftMessage... messages) {
      for (RaftMessage m : messages) {
        raw.step(m);
      }
      return ready();
    }

    /** Makes a Ready's writes durable on the disk and reports them through onPersisted. */
    void persist(Ready rd) {
      if (rd.hardState() != null) {
        disk.setHardState(rd.hardState());
      }
      if (!rd.entries().isEmpty()) {
        disk.append(rd.entries());
        Entry last = rd.entries().get(rd.entries().size() - 1);
        raw.onPersisted(last.getIndex(), last.getTerm());
      }
    }

    void apply(Ready rd) {
      if (!rd.committedEntries().isEmpty()) {
        applied.addAll(rd.committedEntries());
        raw.onApplied(rd.committedEntries().get(rd.committedEntries().size() - 1).getIndex());
      }
    }

    /** Carries out every Ready at once; returns every message sent, in order. */
    List<RaftMessage> drain() {
      List<RaftMessage> sent = new ArrayList<>();
      while (raw.hasReady()) {
        Ready rd = ready();
        persist(rd);
        sent.addAll(rd.messages());
        sent.addAll(rd.messagesAfterPersist());
        apply(rd);
      }
      return sent;
    }

    /** Steps the messages, then drains. */
    List<RaftMessage> deliver(RaftMessage... messages) {
      for (RaftMessage m : messages) {
        raw.step(m);
      }
      return drain();
    }

    /** Ticks {@code n} times, draining after each; returns every message sent. */
    List<RaftMessage> tick(int n) {
      List<RaftMessage> sent = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        raw.tick();
        sent.addAll(drain());
      }
      return sent;
    }

    /** Ticks until the role changes (at most 2 * electionTicks); returns the number of ticks. */
    int ticksUntilRoleChanges() {
      Role before = role();
      for (int i = 1; i <= 2 * cfg.electionTicks; i++) {
        raw.tick();
        if (role() != before) {
          return i;
        }
      }
      throw new AssertionError("role did not change within " + 2 * cfg.electionTicks + " ticks");
    }

    /** Elects this member leader with member 2's (pre-)vote; returns what it sends as the new leader. */
    List<RaftMessage> elect() {
      raw.campaign();
      drain();
      if (role() == Role.PRE_CANDIDATE) {
        deliver(preVoteResp(2, id, term() + 1, true));
      }
      assertEquals(Role.CANDIDATE, role());
      List<RaftMessage> sent = deliver(voteResp(2, id, term(), true));
      assertEquals(Role.LEADER, role());
      return sent;
    }

    /** Elects this member and lets 2 and 3 acknowledge the no-op: both in replicate, no-op committed. */
    void electAndCatchUp() {
      elect();
      long noop = raw.status().lastIndex();
      deliver(ack(2, id, term(), noop), ack(3, id, term(), noop));
      assertEquals(noop, raw.status().commit());
    }

    Status status() {
      return raw.status();
    }

    Role role() {
      return raw.status().role();
    }

    long term() {
      return raw.status().term();
    }

    long lastIndex() {
      return raw.status().lastIndex();
    }

    /** The leader's view of {@code peer}: "STATE match=M next=N [paused] inflight=K". */
    String progress(long peer) {
      return raw.progress().get(peer);
    }

    /** The terms of this member's log, index 1 first. */
    List<Long> logTerms() {
      List<Long> terms = new ArrayList<>();
      for (long i = 1; i <= lastIndex(); i++) {
        terms.add(raw.termAt(i));
      }
      return terms;
    }
  }

  /** Delivers messages among {@code members} until none is left; messages to others are lost. */
  static void exchange(Map<Long, Node> members, List<RaftMessage> messages) {
    ArrayDeque<RaftMessage> queue = new ArrayDeque<>(messages);
    while (!queue.isEmpty()) {
      RaftMessage m = queue.poll();
      Node to = members.get(m.getTo());
      if (to != null) {
        queue.addAll(to.deliver(m));
      }
    }
  }

  // ---- entries ----

  static Entry entry(long index, long term) {
    return Entry.newBuilder().setIndex(index).setTerm(term).build();
  }

  static Entry entry(long index, long term, int dataBytes) {
    return entry(index, term).toBuilder().setData(ByteString.copyFrom(new byte[dataBytes])).build();
  }

  /** Entries first, first + 1, ... with the given terms. */
  static List<Entry> entries(long first, long... terms) {
    List<Entry> out = new ArrayList<>();
    for (int i = 0; i < terms.length; i++) {
      out.add(entry(first + i, terms[i]));
    }
    return out;
  }

  static List<Long> terms(long... terms) {
    return Arrays.stream(terms).boxed().toList();
  }

  static boolean isNoop(Entry e) {
    return e.getType() == EntryType.NOOP;
  }

  // ---- messages ----

  static RaftMessage.Builder msg(long from, long to, long term) {
    return RaftMessage.newBuilder().setClusterId(CLUSTER).setFrom(from).setTo(to).setTerm(term);
  }

  static RaftMessage append(long from, long to, long term, long prevIndex, long prevTerm, long commit,
      List<Entry> entries) {
    return msg(from, to, term).setAppendEntries(AppendEntries.newBuilder()
        .setPrevLogIndex(prevIndex).setPrevLogTerm(prevTerm).setLeaderCommit(commit).addAllEntries(entries))
        .build();
  }

  static RaftMessage heartbeat(long from, long to, long term, long commit) {
    return msg(from, to, term).setHeartbeat(Heartbeat.newBuilder().setCommit(commit)).build();
  }

  static RaftMessage heartbeatResp(long from, long to, long term) {
    return msg(from, to, term).setHeartbeatResponse(HeartbeatResponse.getDefaultInstance()).build();
  }

  static RaftMessage vote(long from, long to, long term, long lastIndex, long lastTerm) {
    return requestVote(from, to, term, lastIndex, lastTerm, false, false);
  }

  static RaftMessage preVote(long from, long to, long term, long lastIndex, long lastTerm) {
    return requestVote(from, to, term, lastIndex, lastTerm, true, false);
  }

  static RaftMessage requestVote(long from, long to, long term, long lastIndex, long lastTerm, boolean preVote,
      boolean transfer) {
    return msg(from, to, term).setRequestVote(RequestVote.newBuilder().setLastLogIndex(lastIndex)
        .setLastLogTerm(lastTerm).setPreVote(preVote).setTransfer(transfer)).build();
  }

  static RaftMessage voteResp(long from, long to, long term, boolean granted) {
    return msg(from, to, term).setRequestVoteResponse(RequestVoteResponse.newBuilder().setGranted(granted))
        .build();
  }

  static RaftMessage preVoteResp(long from, long to, long term, boolean granted) {
    return msg(from, to, term).setRequestVoteResponse(
        RequestVoteResponse.newBuilder().setGranted(granted).setPreVote(true)).build();
  }

  static RaftMessage ack(long from, long to, long term, long match) {
    return msg(from, to, term).setAppendEntriesResponse(
        AppendEntriesResponse.newBuilder().setSuccess(true).setMatchIndex(match)).build();
  }

  static RaftMessage reject(long from, long to, long term, long rejected, long hintTerm, long hintIndex) {
    return msg(from, to, term).setAppendEntriesResponse(AppendEntriesResponse.newBuilder().setSuccess(false)
        .setRejectedIndex(rejected).setHintTerm(hintTerm).setHintIndex(hintIndex)).build();
  }

  /** A heartbeat of leadership-confirmation round {@code round} (ReadIndex). */
  static RaftMessage heartbeat(long from, long to, long term, long commit, long round) {
    return msg(from, to, term).setHeartbeat(Heartbeat.newBuilder().setCommit(commit).setRound(round)).build();
  }

  /** A heartbeat response echoing round {@code round}. */
  static RaftMessage heartbeatResp(long from, long to, long term, long round) {
    return msg(from, to, term).setHeartbeatResponse(HeartbeatResponse.newBuilder().setRound(round)).build();
  }

  static ByteString context(String s) {
    return ByteString.copyFromUtf8(s);
  }

  static RaftMessage readIndexReq(long from, long to, long term, ByteString context) {
    return msg(from, to, term).setReadIndex(ReadIndexRequest.newBuilder().setContext(context)).build();
  }

  static RaftMessage readIndexResp(long from, long to, long term, ByteString context, long index, boolean ok) {
    return msg(from, to, term).setReadIndexResponse(
        ReadIndexResponse.newBuilder().setContext(context).setIndex(index).setOk(ok)).build();
  }

  static RaftMessage timeoutNow(long from, long to, long term) {
    return msg(from, to, term).setTimeoutNow(TimeoutNow.getDefaultInstance()).build();
  }

  /** Metadata of a snapshot ending at (index, term) whose configuration is {1, 2, 3}. */
  static SnapshotMetadata snapshot(long index, long term) {
    return SnapshotMetadata.newBuilder().setIndex(index).setTerm(term).setConfiguration(voters())
        .setId("snap-" + index).build();
  }

  static RaftMessage installSnapshot(long from, long to, long term, SnapshotMetadata metadata) {
    return msg(from, to, term).setInstallSnapshot(InstallSnapshot.newBuilder().setMetadata(metadata)).build();
  }

  // ---- picking messages ----

  static List<RaftMessage> to(long id, List<RaftMessage> messages) {
    return messages.stream().filter(m -> m.getTo() == id).toList();
  }

  /** The one message in {@code messages}. */
  static RaftMessage only(List<RaftMessage> messages) {
    assertEquals(1, messages.size(), () -> "expected exactly one message: " + messages);
    return messages.get(0);
  }

  static List<RaftMessage> appends(List<RaftMessage> messages) {
    return messages.stream().filter(RaftMessage::hasAppendEntries).toList();
  }

  // ---- membership ----

  /** A (non-joint) configuration of these voters. */
  static Configuration configuration(long... voters) {
    return Configuration.newBuilder().addAllVoters(Arrays.stream(voters).boxed().toList()).build();
  }

  /** A new member (term 0, empty log) whose disk holds {@code configuration}. */
  static Node member(Config.Builder cfg, Configuration configuration) {
    return new Node(cfg.build(), new MemoryLogStorage(configuration));
  }

  /** A CONFIG entry holding {@code configuration}. */
  static Entry configEntry(long index, long term, Configuration configuration) {
    return entry(index, term).toBuilder().setType(EntryType.CONFIG).setData(configuration.toByteString()).build();
  }

  static RaftMessage removed(long from, long to, long term) {
    return msg(from, to, term).setRemoved(Removed.getDefaultInstance()).build();
  }
}
