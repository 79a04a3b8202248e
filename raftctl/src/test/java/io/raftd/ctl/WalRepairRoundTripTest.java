package io.raftd.ctl;

import static io.raftd.daemon.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.google.gson.JsonObject;
import io.raftd.daemon.Daemon;
import io.raftd.daemon.LocalCluster;
import io.raftd.datadir.DataDirFile;
import io.raftd.raft.Role;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * {@code raftctl wal repair} on a member of a running 3-member cluster. Writes reach all three, then only
 * the leader L and follower F (the other follower G is down); F is stopped and its WAL cut back to before
 * those writes, so it forgets committed entries it acknowledged. The repair is refused while F runs. Then
 * L goes down too and F and G start: without the vote barrier F would vote for G, whose log lacks the
 * entries only L and F held, and G would lead without them. With it, F neither votes nor campaigns, says
 * so in its start log and its status, and no leader is elected until L returns; F then catches up, the
 * barrier goes, and every acknowledged write is there.
 */
class WalRepairRoundTripTest {
  private static final Ctl CTL = new Ctl(Map.of());

  @TempDir Path root;

  private static String endpoints(LocalCluster c, int... members) {
    List<String> list = new ArrayList<>();
    for (int m : members) {
      list.add(c.adminAddresses.get(m));
    }
    return String.join(",", list);
  }

  /** Puts key=value through raftctl; returns the index it was committed at. */
  private static long put(String endpoints, String key, String value) {
    Ctl.Result r = CTL.run("--endpoints", endpoints, "-o", "json", "put", key, value);
    assertEquals(0, r.code(), r.toString());
    return r.json().get("index").getAsLong();
  }

  @Test
  void aRepairedMemberNeitherVotesNorCampaignsUntilItCaughtUpAndNothingCommittedIsLost() throws Exception {
    try (LocalCluster c = new LocalCluster(root, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      int l = c.awaitLeader();
      int f = c.followerOtherThan(l);
      int g = 3 - l - f;
      String all = endpoints(c, 0, 1, 2);
      Map<String, String> acknowledged = new LinkedHashMap<>();
      long keep = 0;
      for (int i = 0; i < 5; i++) {
        keep = put(all, "everyone-" + i, "v" + i);
        acknowledged.put("everyone-" + i, "v" + i);
      }
      c.stop(g);
      for (int i = 0; i < 10; i++) {
        put(all, "without-g-" + i, "w" + i);  // committed by L and F alone
        acknowledged.put("without-g-" + i, "w" + i);
      }

      Path fDir = c.dataDirs.get(f);
      String[] repair = {"-o", "json", "wal", "repair", "--data-dir", fDir.toString(), "--truncate-after",
          Long.toString(keep), "--yes"};
      Ctl.Result whileRunning = CTL.run(repair);
      assertEquals(1, whileRunning.code(), whileRunning.toString());
      assertTrue(whileRunning.err().contains("is in use by another process"), whileRunning.toString());
      assertFalse(Files.exists(fDir.resolve(DataDirFile.VOTE_BARRIER)), "nothing written while F runs");

      c.stop(f);
      Ctl.Result before = CTL.run("-o", "json", "wal", "verify", "--data-dir", fDir.toString());
      assertEquals(0, before.code(), before.toString());
      long fLast = before.json().getAsJsonObject("log").get("last_index").getAsLong();
      Ctl.Result repaired = CTL.run(repair);
      assertEquals(0, repaired.code(), repaired.toString());
      JsonObject plan = repaired.json();
      assertTrue(plan.get("drops_committed").getAsBoolean(), plan.toString());
      assertTrue(plan.get("dropped_entries").getAsLong() >= 10, plan.toString());
      assertEquals(fLast, plan.getAsJsonObject("vote_barrier").get("index").getAsLong());

      c.stop(l);
      ListAppender<ILoggingEvent> log = new ListAppender<>();
      Logger daemonLog = (Logger) LoggerFactory.getLogger(Daemon.class);
      log.start();
      daemonLog.addAppender(log);
      daemonLog.setLevel(Level.WARN);  // the tests' logback config turns logging off
      try {
        c.start(f);
      } finally {
        daemonLog.setLevel(null);
        daemonLog.detachAppender(log);
      }
      c.start(g);
      assertTrue(log.list.stream().anyMatch(e -> e.getLevel() == Level.WARN
          && e.getFormattedMessage().contains("vote barrier in " + fDir.resolve(DataDirFile.VOTE_BARRIER))
          && e.getFormattedMessage().contains("up to index " + fLast)), "F's start log names its barrier: " + log.list);

      // G asks F for its (pre-)vote again and again; F's own election timer fires too.
      await("F to withhold its vote from G and its own campaigns, behind its barrier", Duration.ofSeconds(60),
          () -> c.core(f, n -> n.counters().votesBarred()) >= 2 && c.core(f, n -> n.counters().campaignsBarred()) >= 2);
      assertEquals(0L, (long) c.<Long>core(f, n -> n.counters().campaigns()), "F never campaigned");
      assertNotEquals(Role.LEADER, c.core(g, n -> n.status().role()), "G lacks entries only L and F held");
      assertNotEquals(Role.LEADER, c.core(f, n -> n.status().role()));
      Ctl.Result status = CTL.run("--endpoints", endpoints(c, f, g), "-o", "json", "status", "--node",
          c.names.get(f));
      assertEquals(0, status.code(), status.toString());
      assertEquals(fLast, status.json().get("vote_barrier_index").getAsLong(), status.toString());

      c.start(l);
      c.awaitLeader();
      await("F to catch up and its barrier to be lifted and deleted", Duration.ofSeconds(60),
          () -> c.core(f, n -> n.status().voteBarrierIndex()) == 0 && !Files.exists(fDir.resolve(DataDirFile.VOTE_BARRIER)));
      Ctl.Result lifted = CTL.run("--endpoints", all, "-o", "json", "status", "--node", c.names.get(f));
      assertEquals(0, lifted.json().get("vote_barrier_index").getAsLong(), lifted.toString());

      for (Map.Entry<String, String> w : acknowledged.entrySet()) {
        Ctl.Result read = CTL.run("--endpoints", all, "-o", "json", "get", w.getKey());
        assertEquals(0, read.code(), "acknowledged write " + w.getKey() + " lost: " + read);
        assertEquals(w.getValue(), read.json().get("value").getAsString());
      }
      assertTrue(c.fatal.isEmpty(), c.fatal.toString());
    }
  }

  @Test
  void aFollowerRepairedWhileTheLeaderRunsRejoinsAndCatchesUp() throws Exception {
    try (LocalCluster c = new LocalCluster(root, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      int l = c.awaitLeader();
      int f = c.followerOtherThan(l);
      String all = endpoints(c, 0, 1, 2);
      long keep = put(all, "first", "1");
      for (int i = 0; i < 10; i++) {
        put(all, "k" + i, "v" + i);
      }
      c.stop(f);
      Path fDir = c.dataDirs.get(f);
      Ctl.Result repaired = CTL.run("wal", "repair", "--data-dir", fDir.toString(), "--truncate-after",
          Long.toString(keep), "--yes");
      assertEquals(0, repaired.code(), repaired.toString());

      // The leader still believes F holds what it acknowledged; F's log ends at `keep` now.
      c.start(f);
      put(all, "after-repair", "x");  // in replicate, the leader notices what F lost when its next write stalls
      await("F to get back what it lost from the running leader, and its barrier to go", Duration.ofSeconds(60),
          () -> c.core(f, n -> n.status().voteBarrierIndex()) == 0 && !Files.exists(fDir.resolve(DataDirFile.VOTE_BARRIER)));
      Ctl.Result read = CTL.run("--endpoints", c.adminAddresses.get(f), "-o", "json", "get", "--stale", "k9");
      assertEquals(0, read.code(), read.toString());
      assertEquals("v9", read.json().get("value").getAsString(), "F holds the entries it lost again");
      assertTrue(c.fatal.isEmpty(), "F's RaftLoop survived the leader's commit beyond its log: " + c.fatal);
    }
  }
}
