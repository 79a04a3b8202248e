package io.raftd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftd.proto.Configuration;
import io.raftd.raft.Role;
import io.raftd.raft.Status;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A leader's view of members behind its commit index: one event when behind, one when caught up; on virtual time. */
class LagWatchTest {
  private static final long MS = 1_000_000;
  private final List<String> told = new ArrayList<>();
  private final LagWatch watch = new LagWatch(100, 1000 * MS, new LagWatch.Listener() {
    @Override
    public void fellBehind(long member, long behind) {
      told.add("behind " + member + " " + behind);
    }

    @Override
    public void caughtUp(long member, long behindMillis) {
      told.add("caught up " + member + " " + behindMillis);
    }

    @Override
    public void learnerProgress(long member, long behind, long entriesPerSecond) {
      told.add("progress " + member + " " + behind + " " + entriesPerSecond + "/s");
    }
  });
  private final Configuration withLearner = Configuration.newBuilder().addVoters(1).addVoters(2).addVoters(3)
      .addLearners(4).build();
  private final Map<Long, Long> match = new HashMap<>();

  private static Status leading(long commit) {
    return new Status(1, Role.LEADER, 5, 0, 1, commit, 0, 0, 0, commit, 0, 0, commit);
  }

  @Test
  void aFollowerBehindAndBackIsTwoEventsAndNothingInTheFirstElectionTimeout() {
    match.put(2L, 0L);  // a new leader knows nobody's log yet
    match.put(3L, 0L);
    watch.check(leading(5000), withLearner, match, 0);
    watch.check(leading(5000), withLearner, match, 999 * MS);
    assertEquals(List.of(), told, "judged within the grace period");
    match.put(2L, 5000L);
    match.put(3L, 4800L);
    watch.check(leading(5000), withLearner, match, 1000 * MS);
    watch.check(leading(5010), withLearner, match, 1100 * MS);
    match.put(3L, 4950L);
    watch.check(leading(5010), withLearner, match, 3000 * MS);
    watch.check(leading(5010), withLearner, match, 3100 * MS);
    assertEquals(List.of("behind 3 200", "caught up 3 2000"), told);
  }

  @Test
  void aLearnerCatchingUpReportsItsProgressEveryFiveSeconds() {
    for (long t = 1000; t <= 12_000; t += 100) {
      match.put(2L, 100_000L);
      match.put(3L, 100_000L);
      match.put(4L, (t - 1000) * 2);  // 2000 entries a second
      watch.check(leading(100_000), withLearner, match, t * MS);
    }
    // Judged from 2 s (a leadership's first second is its grace): then 98000 behind, 10000 entries more every 5 s.
    assertEquals(List.of("behind 4 98000", "progress 4 88000 2000/s", "progress 4 78000 2000/s"), told);
  }

  @Test
  void aFollowerForgetsEverythingOnceItLeadsNoMore() {
    match.put(2L, 0L);
    watch.check(leading(5000), withLearner, match, 0);
    watch.check(leading(5000), withLearner, match, 2000 * MS);
    Status following = new Status(1, Role.FOLLOWER, 6, 0, 2, 5000, 0, 0, 0, 5000, 0, 0, 5000);
    watch.check(following, withLearner, match, 3000 * MS);
    match.put(2L, 5000L);
    watch.check(leading(5000), withLearner, match, 3100 * MS);  // a new leadership: its grace period first
    watch.check(leading(5000), withLearner, match, 5000 * MS);
    assertEquals(List.of("behind 2 5000"), told, "no caught-up from a former leadership");
  }
}
