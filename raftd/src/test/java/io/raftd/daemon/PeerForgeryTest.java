package io.raftd.daemon;

import static io.raftd.daemon.KvRequests.put;
import static io.raftd.daemon.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.client.RaftdClient;
import io.raftd.proto.AppendEntries;
import io.raftd.proto.AppendEntriesResponse;
import io.raftd.proto.Entry;
import io.raftd.proto.Hello;
import io.raftd.proto.HelloReply;
import io.raftd.proto.PeerFrame;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.RequestVote;
import io.raftd.proto.TimeoutNow;
import io.raftd.raft.RawNode;
import io.raftd.raft.Status;
import io.raftd.transport.ClusterKeys;
import io.raftd.transport.RawPeer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The forgeries that once broke a running cluster from nothing but a TCP connection to a peer port: a
 * RequestVote at term 2^63 - 1, a forged AppendEntries "from the leader", a forged AppendEntriesResponse
 * "from a follower", TimeoutNow and AppendEntries from ids that are no members, a term jump with the
 * transfer flag. Each is sent the way it worked before peers authenticated (the old handshake), and with a
 * guessed token; then by a holder of the token whose messages claim a member other than the one its
 * connection authenticated as, or an id outside the configuration. Every one is refused, the refusals are
 * counted, and every member's term, log and state are exactly what they were; the cluster still commits.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PeerForgeryTest {
  static final String TOKEN = "forgery-test-token-0123456789abcdef";
  static final ClusterKeys MEMBERS_KEYS = ClusterKeys.of(TOKEN, List.of());
  private static final ClusterKeys GUESSED_KEYS = ClusterKeys.of("forgery-test-token-0123456789abcdeg", List.of());
  private static final long STRANGER = 0x5EED_0000_0000_0042L;

  Path root;
  LocalCluster c;

  /** Changes the members' configurations before they start (the TLS variant adds [peer_tls]). */
  void configure(LocalCluster cluster) throws Exception {}

  /**
   * A connection to {@code member}'s peer port that presents the certificate of {@code speaksFor} (under
   * TLS; without TLS a plain socket), from which a token holder may say Hello as whoever it likes.
   */
  RawPeer memberConnection(int member, int speaksFor) throws Exception {
    return new RawPeer(peerAddress(member));
  }

  /** Whether a connection's certificate binds it to one member ([peer_tls]); without TLS the token alone speaks. */
  boolean certificatesNameMembers() {
    return false;
  }

  @BeforeAll
  void startCluster(@TempDir Path dir) throws Exception {
    root = dir;
    c = new LocalCluster(root, 3, LocalCluster.FAST_WAL, TOKEN);
    configure(c);
    c.startAll();
    c.awaitLeader();
    try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(20))) {
      for (int i = 0; i < 5; i++) {
        client.write(put("k" + i, "v" + i));
      }
    }
  }

  @AfterAll
  void stopCluster() throws Exception {
    c.close();
  }

  /** One forged message: who it is sent to, and what it claims. */
  record Forgery(String name, int target, RaftMessage message) {}

  private List<Forgery> forgeries(int leader) throws Exception {
    int follower = c.followerOtherThan(leader);
    int third = 3 - leader - follower;
    long cluster = c.daemons.get(0).cluster().getClusterId();
    long leaderId = id(leader);
    long followerId = id(follower);
    long thirdId = id(third);
    Status f = c.core(follower, RawNode::status);
    Status l = c.core(leader, RawNode::status);
    List<Forgery> all = new ArrayList<>();
    all.add(new Forgery("a RequestVote at term 2^63 - 1 with the transfer flag", follower, message(cluster, thirdId,
        followerId, Long.MAX_VALUE).setRequestVote(RequestVote.newBuilder().setTransfer(true)
            .setLastLogIndex(Long.MAX_VALUE).setLastLogTerm(Long.MAX_VALUE)).build()));
    all.add(new Forgery("an AppendEntries from the leader at its term", follower, message(cluster, leaderId,
        followerId, f.term()).setAppendEntries(AppendEntries.newBuilder().setPrevLogIndex(f.lastIndex())
            .setPrevLogTerm(c.core(follower, raw -> raw.termAt(f.lastIndex())))
            .addEntries(Entry.newBuilder().setTerm(f.term()).setIndex(f.lastIndex() + 1)
                .setData(ByteString.copyFrom(put("forged", "value"))))
            .setLeaderCommit(f.lastIndex() + 1)).build()));
    all.add(new Forgery("an AppendEntriesResponse from a follower with a huge match index", leader, message(cluster,
        thirdId, leaderId, l.term()).setAppendEntriesResponse(AppendEntriesResponse.newBuilder().setSuccess(true)
            .setMatchIndex(1L << 40)).build()));
    all.add(new Forgery("a TimeoutNow from an id that is no member", follower, message(cluster, STRANGER, followerId,
        f.term()).setTimeoutNow(TimeoutNow.getDefaultInstance()).build()));
    all.add(new Forgery("a RequestVote at term + 1000 with the transfer flag", follower, message(cluster, thirdId,
        followerId, f.term() + 1000).setRequestVote(RequestVote.newBuilder().setTransfer(true)
            .setLastLogIndex(f.lastIndex() + 1000).setLastLogTerm(f.term() + 1000)).build()));
    all.add(new Forgery("an AppendEntries with a put from an id that is no member", follower, message(cluster, STRANGER,
        followerId, f.term()).setAppendEntries(AppendEntries.newBuilder().setPrevLogIndex(f.lastIndex())
            .setPrevLogTerm(c.core(follower, raw -> raw.termAt(f.lastIndex())))
            .addEntries(Entry.newBuilder().setTerm(f.term()).setIndex(f.lastIndex() + 1)
                .setData(ByteString.copyFrom(put("injected", "value"))))).build()));
    return all;
  }

  @Test
  void noForgeryFromAStrangerOrAMisusedConnectionChangesAnything() throws Exception {
    int leader = c.awaitLeader();
    List<String> before = states();
    long[] refusedBefore = refusals();
    int attempts = 0;
    for (Forgery forgery : forgeries(leader)) {
      RaftMessage m = forgery.message();
      // As the probes did it: the handshake from before peers authenticated, naming the sender's id.
      refused(forgery, "the old handshake", Hello.newBuilder().setProtocolVersion(1).setClusterId(m.getClusterId())
          .setFrom(m.getFrom()).setTo(m.getTo()).setPurpose(Hello.Purpose.RAFT), MEMBERS_KEYS);
      // The new handshake with a token that is one character off.
      refused(forgery, "a guessed token", RawPeer.hello(m.getClusterId(), m.getFrom(), m.getTo(), GUESSED_KEYS),
          GUESSED_KEYS);
      // The token (and under TLS a member's certificate), but a connection that is not the message's sender:
      // another member's, or a stranger's id.
      int other = otherMemberThan(m.getFrom(), m.getTo());
      long saysHelloAs = m.getFrom() == STRANGER ? STRANGER : id(other);
      refused(forgery, "a connection authenticated as " + Long.toHexString(saysHelloAs), memberConnection(
          forgery.target(), other), RawPeer.hello(m.getClusterId(), saysHelloAs, m.getTo(), MEMBERS_KEYS), MEMBERS_KEYS);
      attempts += 3;
      if (certificatesNameMembers() && m.getFrom() != STRANGER) {
        // Under TLS the token is not enough to speak for a member: its certificate is needed too.
        refused(forgery, "another member's certificate, saying Hello as the sender", memberConnection(
            forgery.target(), other), RawPeer.hello(m.getClusterId(), m.getFrom(), m.getTo(), MEMBERS_KEYS), MEMBERS_KEYS);
        attempts++;
      }
    }
    long[] refusedAfter = refusals();
    assertEquals(attempts, sum(refusedAfter) - sum(refusedBefore), "a forgery was not refused and counted");
    assertEquals(before, states(), "a forgery changed a member's term, log or state");
    assertEquals(leader, c.awaitLeader());
    stillCommits();
  }

  /**
   * What the token cannot stop (a holder of it may speak for any member), the message rules still bound: a
   * term beyond the ceiling closes the connection, a transfer flag at a term that is no hand-over from the
   * leader waives no lease, and a TimeoutNow from a member other than the leader starts no election.
   */
  @Test
  void aTokenHolderSpeakingForAMemberCannotJumpTermsOrForceElections() throws Exception {
    int leader = c.awaitLeader();
    int follower = c.followerOtherThan(leader);
    int third = 3 - leader - follower;
    long cluster = c.daemons.get(0).cluster().getClusterId();
    List<String> before = states();
    Status f = c.core(follower, RawNode::status);
    long ignoredTimeoutNow = c.core(follower, raw -> raw.counters().timeoutNowIgnored());
    long ignoredInLease = c.core(follower, raw -> raw.counters().ignoredInLease());

    RaftMessage maxTerm = message(cluster, id(third), id(follower), Long.MAX_VALUE)
        .setRequestVote(RequestVote.newBuilder().setTransfer(true)).build();
    try (RawPeer peer = authenticatedAs(third, follower)) {
      peer.write(PeerFrame.newBuilder().setRaft(maxTerm).build());
      assertTrue(peer.closedByPeer(), "a message at term 2^63 - 1 did not close its connection");
    }
    try (RawPeer peer = authenticatedAs(third, follower)) {
      peer.write(PeerFrame.newBuilder().setRaft(message(cluster, id(third), id(follower), f.term() + 1000)
          .setRequestVote(RequestVote.newBuilder().setTransfer(true).setLastLogIndex(f.lastIndex() + 1000)
              .setLastLogTerm(f.term() + 1000))).build());
      peer.write(PeerFrame.newBuilder().setRaft(message(cluster, id(third), id(follower), f.term())
          .setTimeoutNow(TimeoutNow.getDefaultInstance())).build());
      await("the follower to ignore the term jump and the TimeoutNow", Duration.ofSeconds(30),
          () -> c.core(follower, raw -> raw.counters().timeoutNowIgnored()) > ignoredTimeoutNow
              && c.core(follower, raw -> raw.counters().ignoredInLease()) > ignoredInLease);
    }
    assertEquals(before, states(), "a token holder changed a member's term, log or state");
    assertEquals(leader, c.awaitLeader());
    stillCommits();
  }

  /** Sends the forgery on a connection opened with {@code hello}; the handshake or the message must be refused. */
  private void refused(Forgery forgery, String how, Hello.Builder hello, ClusterKeys keys) throws Exception {
    refused(forgery, how, new RawPeer(peerAddress(forgery.target())), hello, keys);
  }

  /**
   * Sends the forgery on {@code connection} after saying {@code hello}: the handshake, or the message, must
   * be refused and the connection closed. (A plaintext Hello to a TLS port is closed without an answer.)
   */
  void refused(Forgery forgery, String how, RawPeer connection, Hello.Builder hello, ClusterKeys keys)
      throws Exception {
    String what = forgery.name() + " over " + how;
    try (RawPeer peer = connection) {
      HelloReply reply;
      try {
        reply = peer.handshake(hello, keys);
      } catch (java.io.IOException closed) {
        assertTrue(peer.closedByPeer(), what + ": the handshake failed but the connection stayed open");
        return;
      }
      if (reply.getAccepted()) {
        peer.writeIfOpen(PeerFrame.newBuilder().setRaft(forgery.message()).build());
      } else {
        assertFalse(reply.getReason().isEmpty(), what + ": refused without a reason");
      }
      assertTrue(peer.closedByPeer(), what + ": the connection stayed open");
    }
  }

  private RawPeer authenticatedAs(int from, int to) throws Exception {
    RawPeer peer = memberConnection(to, from);
    long cluster = c.daemons.get(0).cluster().getClusterId();
    HelloReply reply = peer.handshake(RawPeer.hello(cluster, id(from), id(to), MEMBERS_KEYS), MEMBERS_KEYS);
    assertTrue(reply.getAccepted(), reply.getReason());
    return peer;
  }

  /** Each member's term, vote, commit, log and applied state, as one comparable line per member. */
  private List<String> states() throws Exception {
    // Nothing is being written: once a heartbeat has carried the last commit to every member, all of them
    // hold, commit and apply the same log, and only a forgery could make them differ later.
    await("every member to have committed and applied the same log", Duration.ofSeconds(30), () -> {
      Status first = c.core(0, RawNode::status);
      for (int i = 0; i < c.daemons.size(); i++) {
        Status s = c.core(i, RawNode::status);
        if (s.commit() != first.commit() || s.applied() != s.commit() || s.lastIndex() != first.lastIndex()) {
          return false;
        }
      }
      return true;
    });
    List<String> states = new ArrayList<>();
    for (int i = 0; i < c.daemons.size(); i++) {
      Status s = c.core(i, RawNode::status);
      MessageDigest log = MessageDigest.getInstance("SHA-256");
      for (long index = s.firstIndex(); index <= s.lastIndex(); index++) {
        long at = index;
        log.update(c.core(i, raw -> raw.entryAt(at)).toByteArray());
      }
      states.add("term " + s.term() + " vote " + Long.toHexString(s.votedFor()) + " commit " + s.commit() + " applied "
          + s.applied() + " log " + s.firstIndex() + ".." + s.lastIndex() + " " + HexFormat.of().formatHex(log.digest()));
    }
    return states;
  }

  private long[] refusals() {
    long[] counts = new long[c.daemons.size()];
    for (int i = 0; i < counts.length; i++) {
      counts[i] = c.daemons.get(i).transport().counters().connectionsClosedForBadInput();
    }
    return counts;
  }

  private long sum(long[] counts) {
    long total = 0;
    for (long n : counts) {
      total += n;
    }
    return total;
  }

  private void stillCommits() throws Exception {
    try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(20))) {
      long index = client.write(put("after", "forgeries")).getIndex();
      for (Daemon d : c.daemons) {
        await("every member to apply the write at " + index, Duration.ofSeconds(30),
            () -> d.applier().appliedIndex() >= index);
      }
    }
    assertTrue(c.fatal.isEmpty(), c.fatal.toString());
  }

  private RaftMessage.Builder message(long cluster, long from, long to, long term) {
    return RaftMessage.newBuilder().setClusterId(cluster).setFrom(from).setTo(to).setTerm(term);
  }

  private long id(int member) {
    return c.daemons.get(member).memberId();
  }

  /** A member that is neither {@code from} nor {@code to} (a stranger's id is neither). */
  private int otherMemberThan(long from, long to) {
    for (int i = 0; i < c.daemons.size(); i++) {
      if (id(i) != from && id(i) != to) {
        return i;
      }
    }
    throw new IllegalStateException("a three-member cluster has a third member");
  }

  InetSocketAddress peerAddress(int member) {
    return new InetSocketAddress("127.0.0.1", c.peerPorts.get(member));
  }
}
