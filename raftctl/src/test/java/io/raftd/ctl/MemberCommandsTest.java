package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import io.raftd.daemon.LocalCluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code raftctl member ...} against in-test clusters: what each command prints, changes and exits with. */
class MemberCommandsTest {
  @TempDir
  Path dir;

  @Test
  void listShowsEveryVoterWithTheLeadersFiguresInTableAndJson() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      int leader = c.awaitLeader();
      Ctl ctl = new Ctl(c.adminAddresses);
      Ctl.Result table = ctl.run("member", "list");
      assertEquals(0, table.code(), table::toString);
      List<String> lines = table.out().lines().toList();
      assertTrue(lines.get(0).matches("NAME +ID +ROLE +PEER +ADMIN +MATCH +LAG +LAST CONTACT +BEHIND +ETA"), table::toString);
      for (int i = 0; i < 3; i++) {
        String name = c.names.get(i);
        String row = lines.stream().filter(l -> l.startsWith(name + " ")).findFirst()
            .orElseThrow(() -> new AssertionError(table.toString()));
        assertTrue(row.contains(i == leader ? " voter+leader " : " voter "), row);
        assertTrue(row.contains(c.adminAddresses.get(i)) && row.contains("127.0.0.1:" + c.peerPorts.get(i)), row);
      }
      assertTrue(table.out().contains("3 voters, 0 learners; quorum 2, can lose 1 of them; not joint"), table::toString);

      Ctl.Result json = ctl.run("member", "list", "-o", "json");
      assertEquals(0, json.code(), json::toString);
      JsonObject o = json.json();
      assertEquals(c.names.get(leader), o.get("leader").getAsString());
      assertTrue(o.get("from_leader").getAsBoolean());
      assertFalse(o.get("joint").getAsBoolean());
      assertEquals(2, o.get("quorum").getAsInt());
      assertEquals(1, o.get("failure_tolerance").getAsInt());
      List<String> names = new ArrayList<>();
      for (JsonElement e : o.getAsJsonArray("members")) {
        JsonObject m = e.getAsJsonObject();
        names.add(m.get("name").getAsString());
        assertEquals("voter", m.get("role").getAsString());
        assertEquals(16, m.get("id").getAsString().length());
        assertTrue(m.get("reachable").getAsBoolean(), m::toString);
        assertTrue(m.get("match").getAsLong() >= 1, m::toString);
        assertTrue(m.get("entries_behind").isJsonNull(), "a voter has no catch-up figures: " + m);
        assertEquals(m.get("name").getAsString().equals(c.names.get(leader)), m.get("leader").getAsBoolean());
      }
      assertEquals(List.of("n1", "n2", "n3"), names);
    }
  }

  @Test
  void aDryRunSaysWhatAChangeWouldDoAndChangesNothingAndRefusalsExitWithTheServersLine() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      c.awaitLeader();
      Ctl ctl = new Ctl(c.adminAddresses);
      int[] ports = LocalCluster.freePorts(2);
      String peer = "127.0.0.1:" + ports[0];
      String admin = "127.0.0.1:" + ports[1];
      long lastIndex = leaderLastIndex(ctl);

      Ctl.Result dry = ctl.run("member", "add", "n4", "--peer", peer, "--admin", admin, "--dry-run");
      assertEquals(0, dry.code(), dry::toString);
      assertEquals(List.of("dry run: nothing was proposed",
          "before: voters n1, n2, n3; no learners; quorum 2, tolerates 1 failure; 3 of 3 voters reachable",
          "after:  voters n1, n2, n3; learners n4; quorum 2, tolerates 1 failure; 3 of 3 voters reachable",
          "would be allowed"), dry.out().lines().toList());
      assertEquals("", dry.err());
      JsonObject json = ctl.run("-o", "json", "member", "add", "n4", "--peer", peer, "--admin", admin, "--dry-run").json();
      assertTrue(json.get("dry_run").getAsBoolean() && json.get("allowed").getAsBoolean(), json::toString);
      assertTrue(json.get("refusal").isJsonNull() && json.get("index").isJsonNull(), json::toString);
      assertEquals(3, json.getAsJsonObject("before").getAsJsonArray("voters").size());
      assertEquals(2, json.getAsJsonObject("after").get("quorum").getAsInt());
      assertEquals("n4", json.getAsJsonObject("after").getAsJsonArray("learners").get(0).getAsJsonObject()
          .get("name").getAsString());
      assertEquals(0, ctl.run("member", "change", "--add", "n4=" + peer + "," + admin, "--remove", "n3", "--dry-run").code());

      Ctl.Result refusedDry = ctl.run("member", "promote", "n2", "--dry-run");
      assertEquals(ExitCode.FAILURE, refusedDry.code(), refusedDry::toString);
      assertTrue(refusedDry.out().endsWith("would be refused: n2 is already a voter\n"), refusedDry::toString);
      assertEquals("raftctl: would be refused: n2 is already a voter\n", refusedDry.err());
      JsonObject refusedJson = ctl.run("-o", "json", "member", "promote", "n2", "--dry-run").json();
      assertFalse(refusedJson.get("allowed").getAsBoolean());
      assertEquals("n2 is already a voter", refusedJson.get("refusal").getAsString());

      assertEquals(List.of("n1", "n2", "n3"), memberNames(ctl), "dry runs changed the members");
      assertEquals(lastIndex, leaderLastIndex(ctl), "a dry run appended something");

      // Refusals: one line, the server's, and the exit code scripts branch on; nothing proposed.
      Ctl.Result inUse = ctl.run("member", "add", "n2", "--peer", peer, "--admin", admin);
      assertEquals(ExitCode.FAILURE, inUse.code(), inUse::toString);
      assertEquals(1, inUse.err().lines().count(), inUse::toString);
      assertTrue(inUse.err().startsWith("raftctl: the name n2 is in use by member "), inUse::toString);
      Ctl.Result voter = ctl.run("member", "promote", "n2");
      assertEquals(ExitCode.FAILURE, voter.code(), voter::toString);
      assertEquals("raftctl: n2 is already a voter\n", voter.err());
      Ctl.Result unknown = ctl.run("member", "remove", "zz");
      assertEquals(ExitCode.NOT_FOUND, unknown.code(), unknown::toString);
      assertTrue(unknown.err().startsWith("raftctl: no member named zz"), unknown::toString);
      assertEquals(1, unknown.err().lines().count(), unknown::toString);
      JsonObject unknownJson = ctl.run("-o", "json", "member", "promote", "zz").json().getAsJsonObject("error");
      assertEquals("not_found", unknownJson.get("code").getAsString());
      Ctl.Result badName = ctl.run("member", "add", "N9", "--peer", peer, "--admin", admin);
      assertEquals(ExitCode.USAGE, badName.code(), badName::toString);
      assertTrue(badName.err().contains("is not a valid member name"), badName::toString);
      Ctl.Result badAdd = ctl.run("member", "change", "--add", "n9=" + peer);
      assertEquals(ExitCode.USAGE, badAdd.code(), badAdd::toString);
      assertTrue(badAdd.err().contains("expected NAME=PEER,ADMIN"), badAdd::toString);
      assertEquals(ExitCode.USAGE, ctl.run("member", "change").code(), "an empty change");
      assertEquals(lastIndex, leaderLastIndex(ctl), "a refused change appended something");
      assertEquals(List.of("n1", "n2", "n3"), memberNames(ctl));
    }
  }

  @Test
  void changeAddsAndRemovesSeveralMembersInOneChange() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      c.awaitLeader();
      Ctl ctl = new Ctl(c.adminAddresses);
      int[] ports = LocalCluster.freePorts(6);
      String n4 = "n4=127.0.0.1:" + ports[0] + ",127.0.0.1:" + ports[1];
      String n5 = "n5=127.0.0.1:" + ports[2] + ",127.0.0.1:" + ports[3];
      String n6 = "n6=127.0.0.1:" + ports[4] + ",127.0.0.1:" + ports[5];

      Ctl.Result added = ctl.run("member", "change", "--add", n4, "--add", n5, "--learner");
      assertEquals(0, added.code(), added::toString);
      List<String> lines = added.out().lines().toList();
      assertTrue(lines.get(0).matches("added n4 as a learner, added n5 as a learner \\(committed at index \\d+\\)"),
          added::toString);
      assertTrue(lines.contains("after:  voters n1, n2, n3; learners n4, n5; quorum 2, tolerates 1 failure; "
          + "3 of 3 voters reachable"), added::toString);
      assertTrue(lines.stream().anyMatch(l -> l.matches("n4 has id [0-9a-f]{16}; next, start it with an empty data_dir.*")),
          added::toString);
      assertTrue(lines.contains("  join = [\"" + String.join("\", \"", c.adminAddresses) + "\"]"), added::toString);
      JsonObject list = ctl.run("-o", "json", "member", "list").json();
      assertFalse(list.get("joint").getAsBoolean(), "the command returns once the change is complete");
      JsonObject learner = list.getAsJsonArray("members").get(3).getAsJsonObject();
      assertEquals("n4", learner.get("name").getAsString());
      assertEquals("learner", learner.get("role").getAsString());
      assertFalse(learner.get("auto_promote").getAsBoolean(), "--learner: kept a learner");
      assertFalse(learner.get("reachable").getAsBoolean(), "n4 never started");
      assertTrue(learner.get("entries_behind").getAsLong() > 0, learner::toString);
      Ctl.Result table = ctl.run("member", "list");
      assertTrue(table.out().lines().anyMatch(l -> l.startsWith("n5 ") && l.contains(" learner ")), table::toString);
      assertTrue(table.out().contains("3 voters, 2 learners; quorum 2, can lose 1 of them; not joint"), table::toString);

      Ctl.Result json = ctl.run("-o", "json", "member", "change", "--remove", "n4", "--remove", "n5", "--add", n6,
          "--learner");
      assertEquals(0, json.code(), json::toString);
      JsonObject o = json.json();
      assertFalse(o.get("dry_run").getAsBoolean());
      assertTrue(o.get("index").getAsLong() > 0, o::toString);
      assertEquals("n6", o.getAsJsonArray("added").get(0).getAsJsonObject().get("name").getAsString());
      assertEquals(List.of("n1", "n2", "n3", "n6"), memberNames(ctl));

      Ctl.Result removed = ctl.run("member", "remove", "n6");
      assertEquals(0, removed.code(), removed::toString);
      assertTrue(removed.out().startsWith("removed n6"), removed::toString);
      assertEquals(List.of("n1", "n2", "n3"), memberNames(ctl));
      Ctl.Result again = ctl.run("member", "remove", "n6");
      assertEquals(ExitCode.NOT_FOUND, again.code(), again::toString);

      // Removing the leader: it hands over first, and the command still returns once the change is complete.
      int leader = c.awaitLeader();
      String leaderName = c.names.get(leader);
      Ctl.Result leaderRemoved = ctl.run("member", "remove", leaderName);
      assertEquals(0, leaderRemoved.code(), leaderRemoved::toString);
      assertEquals("", leaderRemoved.err(), "completed within --timeout: " + leaderRemoved);
      List<String> left = c.names.subList(0, 3).stream().filter(n -> !n.equals(leaderName)).toList();
      assertEquals(left, memberNames(ctl));
      // The removed leader hands over once the configuration without it applies: it may still lead a moment.
      LocalCluster.await("a leader among the members left", Duration.ofSeconds(30), () -> {
        JsonObject after = ctl.run("-o", "json", "member", "list").json();
        return after.has("leader") && left.contains(after.get("leader").getAsString())
            && after.get("from_leader").getAsBoolean();
      });
    }
  }

  @Test
  void removingAVoterIsRefusedWhenTooFewVotersWouldAnswerUnlessForcedAndDoneWhenSafe() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      int leader = c.awaitLeader();
      Ctl ctl = new Ctl(c.adminAddresses);
      int down = c.followerOtherThan(leader);
      int other = 3 - leader - down;
      c.stop(down);
      String downName = c.names.get(down);
      LocalCluster.await(downName + " to be out of the leader's reach", Duration.ofSeconds(30), () -> {
        for (JsonElement e : ctl.run("-o", "json", "member", "list").json().getAsJsonArray("members")) {
          JsonObject m = e.getAsJsonObject();
          if (m.get("name").getAsString().equals(downName)) {
            return !m.get("reachable").getAsBoolean();
          }
        }
        return false;
      });
      assertTrue(ctl.run("member", "list").out().lines().anyMatch(l -> l.startsWith(downName + " ")
          && l.contains(" unreachable")), "the table says so too");

      Ctl.Result dry = ctl.run("member", "remove", c.names.get(other), "--dry-run");
      assertEquals(ExitCode.FAILURE, dry.code(), dry::toString);
      assertTrue(dry.out().contains("after:  voters ") && dry.out().contains("1 of 2 voters reachable"), dry::toString);
      assertTrue(dry.err().startsWith("raftctl: would be refused: the voters left would be 2 with a quorum of 2, but "
          + "only 1 of them answer the leader now"), dry::toString);
      Ctl.Result forced = ctl.run("member", "remove", c.names.get(other), "--force", "--dry-run");
      assertEquals(0, forced.code(), forced::toString);
      assertTrue(forced.out().endsWith("would be allowed\n"), forced::toString);
      assertTrue(forced.err().startsWith("raftctl: forced: "), "the danger on stderr: " + forced);
      Ctl.Result refused = ctl.run("member", "remove", c.names.get(other));
      assertEquals(ExitCode.FAILURE, refused.code(), refused::toString);
      assertEquals(1, refused.err().lines().count(), refused::toString);

      // Removing the member that is down leaves two voters that both answer: allowed.
      Ctl.Result removed = ctl.run("member", "remove", downName);
      assertEquals(0, removed.code(), removed::toString);
      assertTrue(removed.out().contains("after:  voters " + String.join(", ", c.names.stream().filter(n -> !n.equals(downName))
          .toList()) + "; no learners; quorum 2, tolerates 0 failures; 2 of 2 voters reachable"), removed::toString);
      assertEquals(c.names.stream().filter(n -> !n.equals(downName)).toList(), memberNames(ctl));
      assertEquals(0, ctl.run("put", "k", "after the removal").code());

      // Without a leader (one of the two voters left stopped), the member that answers lists its own view.
      int survivor = c.awaitLeader();
      c.stop(3 - survivor - down);
      LocalCluster.await("the leader to step down", Duration.ofSeconds(30),
          () -> !ctl.run("-o", "json", "member", "list").json().get("from_leader").getAsBoolean());
      Ctl.Result noLeader = ctl.run("-o", "json", "member", "list");
      assertEquals(0, noLeader.code(), noLeader::toString);
      JsonObject view = noLeader.json();
      assertEquals(2, view.getAsJsonArray("members").size(), view::toString);
      assertTrue(view.getAsJsonArray("members").get(0).getAsJsonObject().get("match").isJsonNull(), view::toString);
      Ctl.Result table = ctl.run("member", "list");
      assertEquals(0, table.code(), table::toString);
      assertTrue(table.out().contains("without figures"), table::toString);
    }
  }

  @Test
  void addWithWaitShowsProgressUntilTheJoiningMemberIsAVoterAndGivesUpAtItsTimeoutSayingWhy() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.FAST_WAL + """
        [membership]
        catch_up_entries = 10
        catch_up_ms = 300
        """)) {
      c.startAll();
      c.awaitLeader();
      Ctl ctl = new Ctl(c.adminAddresses);
      for (int i = 0; i < 50; i++) {
        assertEquals(0, ctl.run("put", "k" + i, "v" + i).code());
      }
      int n4 = c.addJoining(c.adminAddresses.get(1));
      CompletableFuture<Ctl.Result> waiting = CompletableFuture.supplyAsync(() -> ctl.run("member", "add", "n4",
          "--peer", "127.0.0.1:" + c.peerPorts.get(n4), "--admin", c.adminAddresses.get(n4), "--wait",
          "--wait-timeout", "90s"));
      // n4 starts once the operator's add is in: it then joins under the id the leader gave it.
      LocalCluster.await("n4 to be added", Duration.ofSeconds(30), () -> memberNames(ctl).contains("n4"));
      c.start(n4);
      Ctl.Result added = waiting.get(120, TimeUnit.SECONDS);
      assertEquals(0, added.code(), added::toString);
      List<String> lines = added.out().lines().toList();
      int waited = lines.indexOf("waiting up to 1m30s for n4 to become a voter (--wait-timeout)");
      assertTrue(waited > 0, added::toString);
      // Progress as plain lines (how many depends on how soon n4 catches up), then the outcome.
      assertTrue(lines.subList(waited + 1, lines.size()).stream().allMatch(l -> l.startsWith("n4 is a ")), added::toString);
      assertFalse(added.out().contains("\r"), "no terminal, no redrawing: " + added);
      assertEquals("n4 is a voter", lines.get(lines.size() - 1), added::toString);
      JsonObject n4Info = memberJson(ctl, "n4");
      assertEquals("voter", n4Info.get("role").getAsString());
      assertEquals(c.daemons.get(n4).memberId(), Long.parseUnsignedLong(n4Info.get("id").getAsString(), 16));

      // A member that never starts: the wait gives up at its timeout, saying what state it is in.
      int[] ports = LocalCluster.freePorts(2);
      Ctl.Result gaveUp = new Ctl(c.adminAddresses).stdoutTerminal().run("member", "add", "n5", "--peer",
          "127.0.0.1:" + ports[0], "--admin", "127.0.0.1:" + ports[1], "--learner", "--wait", "--wait-timeout", "2s");
      assertEquals(ExitCode.UNAVAILABLE, gaveUp.code(), gaveUp::toString);
      assertEquals("raftctl: gave up waiting after 2.0s (--wait-timeout): n5 is a learner, not heard from yet: start "
          + "it (with cluster.join); it stays in the cluster: raftctl member list shows it\n", gaveUp.err());
      assertTrue(gaveUp.out().contains("\r[--------------------]   0% n5: not heard from yet: start it"),
          "a bar redrawn in place: " + gaveUp);
      String[] redrawn = gaveUp.out().split("\r");
      for (int i = 1; i < redrawn.length; i++) {
        assertTrue(redrawn[i].split("\n")[0].length() < 80, "each redrawn line fits a terminal: " + redrawn[i]);
      }
      assertEquals("learner", memberJson(ctl, "n5").get("role").getAsString());
      assertEquals(ExitCode.USAGE, ctl.run("member", "add", "n6", "--peer", "127.0.0.1:1", "--admin", "127.0.0.1:2",
          "--wait", "--dry-run").code());
    }
  }

  @Test
  void aVoterOfOnlyOneHalfOfAJointConfigurationIsMarked() {
    io.raftd.proto.MemberInfo.Builder voter = io.raftd.proto.MemberInfo.newBuilder().setRole("voter");
    assertEquals("voter", MemberCommand.List_.role(voter.build()));
    assertEquals("voter+leader", MemberCommand.List_.role(voter.clone().setLeader(true).build()));
    assertEquals("voter", MemberCommand.List_.role(voter.clone().setOutgoing(true).setIncoming(true).build()));
    assertEquals("voter (old half)", MemberCommand.List_.role(voter.clone().setOutgoing(true).build()));
    assertEquals("voter+leader (new half)", MemberCommand.List_.role(voter.clone().setIncoming(true).setLeader(true).build()));
    assertEquals("learner (to promote)", MemberCommand.List_.role(io.raftd.proto.MemberInfo.newBuilder().setRole("learner")
        .setAutoPromote(true).build()));
    // n1..n3 going to n2..n4: n1 only in the old half, n4 only in the new.
    io.raftd.proto.ListMembersResponse joint = io.raftd.proto.ListMembersResponse.newBuilder().setJoint(true)
        .setFromLeader(true).setQuorum(2).setFailureTolerance(1)
        .addMembers(voter.clone().setOutgoing(true))
        .addMembers(voter.clone().setOutgoing(true).setIncoming(true))
        .addMembers(voter.clone().setOutgoing(true).setIncoming(true))
        .addMembers(voter.clone().setIncoming(true)).build();
    assertEquals("4 voters (3 in the old half, 3 in the new), 0 learners; quorum 2 of the new half, can lose 1 in each; "
        + "joint: a change is in progress, both halves' voters decide until it completes", MemberCommand.List_.summary(joint));
  }

  @Test
  void theProgressBarFillsAsTheMemberCatchesUp() {
    assertEquals("[--------------------]   0%", ProgressLine.bar(0));
    assertEquals("[##########----------]  50%", ProgressLine.bar(0.5));
    assertEquals("[####################] 100%", ProgressLine.bar(1));
    assertEquals("[####################] 100%", ProgressLine.bar(1.5), "never past full");
  }

  // ---- helpers ----

  private static JsonObject memberJson(Ctl ctl, String name) {
    for (JsonElement e : ctl.run("-o", "json", "member", "list").json().getAsJsonArray("members")) {
      if (e.getAsJsonObject().get("name").getAsString().equals(name)) {
        return e.getAsJsonObject();
      }
    }
    throw new AssertionError("no member " + name);
  }

  private static List<String> memberNames(Ctl ctl) {
    List<String> names = new ArrayList<>();
    for (JsonElement e : ctl.run("-o", "json", "member", "list").json().getAsJsonArray("members")) {
      names.add(e.getAsJsonObject().get("name").getAsString());
    }
    return names;
  }

  /** The leader's last log index, from raftctl status. */
  private static long leaderLastIndex(Ctl ctl) {
    for (JsonElement e : ctl.run("-o", "json", "status").json().getAsJsonArray("members")) {
      JsonObject m = e.getAsJsonObject();
      if (m.get("leader").getAsBoolean()) {
        return m.get("last_index").getAsLong();
      }
    }
    throw new AssertionError("no leader");
  }
}
