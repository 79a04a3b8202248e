package io.raftd.daemon;

import static io.raftd.daemon.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.datadir.DataDirFile;
import io.raftd.proto.AddMemberRequest;
import io.raftd.storage.FaultyFileIO;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.ChangeMembershipRequest;
import io.raftd.proto.ChangeMembershipResponse;
import io.raftd.proto.Configuration;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.ListMembersRequest;
import io.raftd.proto.ListMembersResponse;
import io.raftd.proto.MemberInfo;
import io.raftd.proto.MembershipPlan;
import io.raftd.proto.NewMember;
import io.raftd.proto.PromoteMemberRequest;
import io.raftd.proto.RemoveMemberRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Membership changes on real daemons in this JVM (issue 14): a one-member cluster grows by join (one joiner
 * catching up from a streamed snapshot) and by an operator's add, shrinks in one change, removes its leader;
 * every refusal names what is wrong and proposes nothing; a dry run changes nothing; a removed member stops
 * and may not start on its data again.
 */
class MembershipTest {
  /** Snapshots every 50 entries and nothing kept behind them: a joiner must catch up from a snapshot. */
  private static final String COMPACTING = LocalCluster.FAST_WAL + """
      [snapshot]
      entries = 50
      keep_entries = 0
      [membership]
      catch_up_entries = 10
      catch_up_ms = 300
      """;
  private static final Duration PATIENCE = Duration.ofSeconds(60);

  @TempDir
  Path dir;

  @Test
  void aClusterGrowsByJoinAndByAddThenShrinksInOneChange() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 1, COMPACTING)) {
      c.startAll();
      c.awaitLeader();
      try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(20))) {
        KvClient kv = new KvClient(client);
        for (int i = 0; i < 200; i++) {
          kv.put(key(i), ByteString.copyFromUtf8("v" + i));
        }
        await("n1's log to be compacted", PATIENCE, () -> c.daemons.get(0).node().status().firstIndex() > 1);

        int n2 = c.addJoining(c.adminAddresses.get(0));
        c.start(n2);
        awaitVoters(c, 0, "n1", "n2");
        assertTrue(c.core(n2, r -> r.counters().snapshotsInstalled()) >= 1,
            "n2 joined a compacted log without installing a snapshot");

        int n3 = c.addJoining(c.adminAddresses.get(1));  // through a follower: it names the leader
        c.start(n3);
        awaitVoters(c, 0, "n1", "n2", "n3");

        // An operator adds n4 before it starts: n4, joining, takes the id the leader gave its name.
        int n4 = c.addJoining(c.adminAddresses.get(0));
        ChangeMembershipResponse added = call(client, AdminRequest.newBuilder().setAddMember(AddMemberRequest.newBuilder()
            .setMember(newMember(c, n4)))).getChangeMembership();
        assertEquals(1, added.getAddedCount());
        assertEquals(List.of("n4"), added.getPlan().getAfter().getLearnersList().stream().map(m -> m.getName()).toList());
        c.start(n4);
        assertEquals(added.getAdded(0).getId(), c.daemons.get(n4).memberId());
        int n5 = c.addJoining(c.adminAddresses.get(2));
        c.start(n5);
        int leader = awaitVoters(c, 0, "n1", "n2", "n3", "n4", "n5");
        for (int i = 200; i < 220; i++) {
          kv.put(key(i), ByteString.copyFromUtf8("v" + i));
        }
        ListMembersResponse list = call(client, AdminRequest.newBuilder().setListMembers(ListMembersRequest.getDefaultInstance()))
            .getListMembers();
        assertTrue(list.getFromLeader());
        assertEquals(5, list.getMembersCount());
        assertEquals(3, list.getQuorum());
        assertEquals(2, list.getFailureTolerance());
        awaitEveryMemberHolds(c, 220);

        ChangeMembershipResponse shrunk = call(client, AdminRequest.newBuilder().setChangeMembership(
            ChangeMembershipRequest.newBuilder().addRemove("n4").addRemove("n5"))).getChangeMembership();
        assertEquals(List.of("n1", "n2", "n3"), names(shrunk.getPlan().getAfter().getVotersList()));
        assertEquals(1, shrunk.getPlan().getAfter().getFailureTolerance());
        awaitVoters(c, leader, "n1", "n2", "n3");
        for (int removed : new int[] {n4, n5}) {
          c.daemons.get(removed).removal().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
          assertTrue(Files.exists(c.dataDirs.get(removed).resolve(DataDirFile.REMOVED)));
        }
        kv.put(key(999), ByteString.copyFromUtf8("after the shrink"));
        assertEquals(0, c.fatal.size(), c.fatal.toString());
      }
    }
  }

  @Test
  void removingTheLeaderHandsOverAndTheRemovedMemberMayNotStartAgain() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      int leader = c.awaitLeader();
      String name = c.names.get(leader);
      try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(20))) {
        call(client, AdminRequest.newBuilder().setRemoveMember(RemoveMemberRequest.newBuilder().setName(name)));
        c.daemons.get(leader).removal().get(PATIENCE.toSeconds(), TimeUnit.SECONDS);
        c.stop(leader);
        int next = c.awaitLeader();
        assertFalse(next == leader);
        List<String> others = new ArrayList<>(c.names);
        others.remove(name);
        awaitVoters(c, next, others.toArray(String[]::new));
        List<Long> terms = terms(c);

        Daemon.RemovedException refused = assertThrows(Daemon.RemovedException.class, () -> c.start(leader));
        assertTrue(refused.getMessage().contains("was removed from cluster")
            && refused.getMessage().contains("empty data_dir") && refused.getMessage().contains("cluster.join"),
            refused.getMessage());
        new KvClient(client).put(key(1), ByteString.copyFromUtf8("after the removal"));
        assertEquals(terms, terms(c), "a removed member disturbed the others");
        assertEquals(0, c.fatal.size(), c.fatal.toString());
      }
    }
  }

  @Test
  void everyRefusalNamesWhatIsWrongAndProposesNothing() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      int leader = c.awaitLeader();
      try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(20))) {
        long last = c.daemons.get(leader).node().status().lastIndex();
        Configuration before = c.daemons.get(leader).node().configuration();
        String n2Peer = "127.0.0.1:" + c.peerPorts.get(1);

        assertRefused(client, change().addAdd(newMember("n2", "127.0.0.1:1", "127.0.0.1:2")), ErrorCode.REFUSED,
            "the name n2 is in use");
        assertRefused(client, change().addAdd(newMember("n9", n2Peer, "127.0.0.1:2")), ErrorCode.REFUSED,
            "the address " + n2Peer + " is in use by member n2");
        assertRefused(client, change().addAdd(newMember("N9", "127.0.0.1:1", "127.0.0.1:2")),
            ErrorCode.INVALID_ARGUMENT, "is not a valid member name");
        assertRefused(client, change().addAdd(newMember("n9", "nowhere", "127.0.0.1:2")), ErrorCode.INVALID_ARGUMENT,
            "is not host:port");
        assertRefused(client, change().addPromote("zz"), ErrorCode.NOT_FOUND, "no member named zz");
        assertRefused(client, AdminRequest.newBuilder().setPromoteMember(PromoteMemberRequest.newBuilder().setName("n2")),
            ErrorCode.REFUSED, "n2 is already a voter");
        assertRefused(client, change().addRemove("n1").addRemove("n1"), ErrorCode.INVALID_ARGUMENT, "appears twice");
        assertRefused(client, change(), ErrorCode.INVALID_ARGUMENT, "the change is empty");

        // A dry run says what a change would do and proposes nothing.
        MembershipPlan plan = call(client, change().addAdd(newMember("n9", "127.0.0.1:1", "127.0.0.1:2"))
            .setDryRun(true)).getChangeMembership().getPlan();
        assertEquals("", plan.getRefusal());
        assertEquals(3, plan.getBefore().getVotersCount());
        assertEquals(2, plan.getBefore().getQuorum());
        assertEquals(1, plan.getBefore().getFailureTolerance());
        assertEquals(List.of("n9"), names(plan.getAfter().getLearnersList()));

        // With one voter down, removing another would leave 1 of 2 answering, short of their quorum of 2.
        int down = c.followerOtherThan(leader);
        int other = 3 - leader - down;
        c.stop(down);
        await(c.names.get(down) + " to be out of the leader's reach", PATIENCE, () -> call(client,
            AdminRequest.newBuilder().setListMembers(ListMembersRequest.getDefaultInstance())).getListMembers()
            .getMembersList().stream().filter(m -> m.getMember().getName().equals(c.names.get(down)))
            .noneMatch(MemberInfo::getReachable));
        assertRefused(client, AdminRequest.newBuilder().setRemoveMember(RemoveMemberRequest.newBuilder()
            .setName(c.names.get(other))), ErrorCode.REFUSED, "only 1 of them answer the leader now");
        MembershipPlan forced = call(client, AdminRequest.newBuilder().setRemoveMember(RemoveMemberRequest.newBuilder()
            .setName(c.names.get(other)).setForce(true).setDryRun(true))).getChangeMembership().getPlan();
        assertEquals("", forced.getRefusal());
        assertTrue(forced.getDanger().startsWith("forced: "), forced.getDanger());

        assertEquals(last, c.daemons.get(leader).node().status().lastIndex(), "a refused change appended something");
        assertEquals(before, c.daemons.get(leader).node().configuration());
      }
    }
  }

  /**
   * A learner serves traffic only within membership.catch_up_entries of the leader's commit index: one whose
   * disk stops making its log durable falls behind while the others commit, and is ready again once caught up.
   */
  @Test
  void aLaggingLearnerIsNotReadyUntilItHasCaughtUp() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 1, """
        [membership]
        catch_up_entries = 10
        """)) {  // fsync on: a held fsync is what holds the learner back
      c.startAll();
      c.awaitLeader();
      int learner = c.addJoining(c.adminAddresses.get(0));
      FaultyFileIO disk = new FaultyFileIO();
      c.fileSystems.set(learner, disk);
      try (RaftdClient client = RaftdClient.create(List.of(c.adminAddresses.get(0)), Duration.ofSeconds(20))) {
        call(client, AdminRequest.newBuilder().setAddMember(AddMemberRequest.newBuilder()
            .setMember(newMember(c, learner)).setLearnerOnly(true)));
        c.start(learner);
        KvClient kv = new KvClient(client);
        kv.put(key(0), ByteString.copyFromUtf8("v0"));
        int port = c.metricsPorts.get(learner);
        await("the caught-up learner to be ready", PATIENCE, () -> Scrape.get(port, "/readyz").statusCode() == 200);

        disk.holdForces();
        for (int i = 1; i <= 50; i++) {
          kv.put(key(i), ByteString.copyFromUtf8("v" + i));
        }
        await("the learner whose log is not durable to fall behind", PATIENCE, () -> {
          java.net.http.HttpResponse<String> r = Scrape.get(port, "/readyz");
          return r.statusCode() == 503 && r.body().contains("[-]member failed: a learner catching up");
        });
        assertTrue(disk.forcesStalled.get() > 0, "no fsync was held");

        disk.releaseForces();
        await("the learner to be ready once caught up", PATIENCE, () -> Scrape.get(port, "/readyz").statusCode() == 200);
        assertEquals(List.of(c.daemons.get(learner).memberId()), c.daemons.get(0).node().configuration().getLearnersList(),
            "the learner added as learner only was promoted");
      }
    }
  }

  // ---- helpers ----

  private static ByteString key(int i) {
    return ByteString.copyFromUtf8("k" + i);
  }

  private static ChangeMembershipRequest.Builder change() {
    return ChangeMembershipRequest.newBuilder();
  }

  private static io.raftd.proto.AdminResponse call(RaftdClient client, ChangeMembershipRequest.Builder change)
      throws Exception {
    return call(client, AdminRequest.newBuilder().setChangeMembership(change));
  }

  private static io.raftd.proto.AdminResponse call(RaftdClient client, AdminRequest.Builder request) throws Exception {
    return client.call(request, true, false);
  }

  private static void assertRefused(RaftdClient client, ChangeMembershipRequest.Builder change, ErrorCode code,
      String says) {
    assertRefused(client, AdminRequest.newBuilder().setChangeMembership(change), code, says);
  }

  private static void assertRefused(RaftdClient client, AdminRequest.Builder request, ErrorCode code, String says) {
    RaftdException e = assertThrows(RaftdException.class, () -> call(client, request));
    assertEquals(code, e.code(), e.getMessage());
    assertTrue(e.getMessage().contains(says), () -> "'" + e.getMessage() + "' should say '" + says + "'");
  }

  private static NewMember newMember(String name, String peer, String admin) {
    return NewMember.newBuilder().setName(name).setPeerAddress(peer).setAdminAddress(admin).build();
  }

  private static NewMember newMember(LocalCluster c, int i) {
    return newMember(c.names.get(i), "127.0.0.1:" + c.peerPorts.get(i), c.adminAddresses.get(i));
  }

  private static List<String> names(List<io.raftd.proto.Member> members) {
    return members.stream().map(io.raftd.proto.Member::getName).sorted().toList();
  }

  /** Waits until the configuration member {@code i} applies has exactly these voters, and is not joint; returns the leader. */
  private static int awaitVoters(LocalCluster c, int i, String... names) throws Exception {
    Set<String> want = new TreeSet<>(List.of(names));
    await("voters " + want, PATIENCE, () -> {
      int leader = c.awaitLeader();
      Daemon d = c.daemons.get(leader);
      Configuration conf = d.node().configuration();
      Set<String> voters = new TreeSet<>();
      conf.getVotersList().forEach(id -> voters.add(d.members().byId(id).getName()));
      return conf.getOutgoingVotersCount() == 0 && conf.getLearnersCount() == 0 && voters.equals(want);
    });
    return c.awaitLeader();
  }

  /** Every running member has applied every key k0..k(n-1), read from its own state. */
  private static void awaitEveryMemberHolds(LocalCluster c, int n) throws InterruptedException {
    await("every member to hold " + n + " keys", PATIENCE, () -> {
      for (Daemon d : c.daemons) {
        if (d != null && d.applier().appliedIndex() < c.daemons.get(c.awaitLeader()).node().status().commit()) {
          return false;
        }
      }
      for (Daemon d : c.daemons) {
        if (d == null) {
          continue;
        }
        try (RaftdClient one = RaftdClient.create(List.of(d.adminAddress().getHostString() + ":" + d.adminAddress().getPort()),
            Duration.ofSeconds(10))) {
          KvClient kv = new KvClient(one);
          for (int i = 0; i < n; i += 37) {
            io.raftd.proto.KvQueryResult r = kv.get(key(i), true);
            if (r.getKvsCount() != 1 || !r.getKvs(0).getValue().equals(ByteString.copyFromUtf8("v" + i))) {
              return false;
            }
          }
        }
      }
      return true;
    });
  }

  private static List<Long> terms(LocalCluster c) {
    List<Long> terms = new ArrayList<>();
    for (Daemon d : c.daemons) {
      if (d != null) {
        terms.add(d.node().status().term());
      }
    }
    return terms;
  }
}
