package io.raftd.daemon;

import static io.raftd.daemon.LocalCluster.await;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import io.raftd.raft.MemberId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The log tells the story: every member logs role, term and leader changes, naming members {@code name(hex16)}. */
class ClusterEventsLogTest {
  @TempDir Path root;

  private final CapturedLogs logs = new CapturedLogs();

  @BeforeEach
  void capture() {
    logs.start(Level.INFO);
  }

  @AfterEach
  void release() {
    logs.stop();
  }

  private List<String> lines() {
    return logs.lines();
  }

  @Test
  void aFollowerLogsTheNewTermAndLeaderByNameWhenTheLeaderStops() throws Exception {
    try (LocalCluster c = new LocalCluster(root, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      long[] ids = c.daemons.stream().mapToLong(Daemon::memberId).toArray();
      int leader = c.awaitLeader();
      long oldTerm = c.daemons.get(leader).node().status().term();
      String oldLeader = label(c, ids, leader);
      c.stop(leader);
      int newLeader = c.awaitLeader();
      int follower = c.followerOtherThan(newLeader);
      long term = c.daemons.get(follower).node().status().term();
      Pattern followed = Pattern.compile(Pattern.quote(label(c, ids, follower)) + " is follower at term " + term
          + ", leader " + Pattern.quote(label(c, ids, newLeader)) + "; was \\S+ at term \\d+, leader .*");
      await("the follower's line naming term " + term + " and its new leader", Duration.ofSeconds(10),
          () -> lines().stream().anyMatch(l -> followed.matcher(l).matches()));
      assertTrue(term > oldTerm);
      assertTrue(lines().stream().anyMatch(l -> l.startsWith(label(c, ids, follower) + " is ") && l.contains("leader "
          + oldLeader)), "the follower never logged following " + oldLeader + ":\n" + String.join("\n", lines()));

      // One spelling of every member id: name(16 hex digits), never signed or unsigned decimal or unpadded hex.
      for (int i = 0; i < 3; i++) {
        long id = ids[i];
        for (String line : lines()) {
          assertFalse(line.contains(Long.toString(id)) || line.contains(Long.toUnsignedString(id)),
              "a decimal id in: " + line);
          String hex = MemberId.hex(id);
          assertFalse(line.replace(c.names.get(i) + "(" + hex + ")", "").contains(Long.toHexString(id)),
              "an id without its name in: " + line);
        }
      }
    }
  }

  private static String label(LocalCluster c, long[] ids, int i) {
    return c.names.get(i) + "(" + MemberId.hex(ids[i]) + ")";
  }
}
