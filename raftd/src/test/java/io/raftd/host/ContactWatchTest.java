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

/** A member silent for an election timeout is one line, and one more when it is heard again; on virtual time. */
class ContactWatchTest {
  private static final long MS = 1_000_000;
  private final List<String> told = new ArrayList<>();
  private final ContactWatch watch = new ContactWatch(1000 * MS, new ContactWatch.Listener() {
    @Override
    public void contactLost(long member, long silentMillis) {
      told.add("lost " + member + " " + silentMillis);
    }

    @Override
    public void contactRegained(long member, long silentMillis) {
      told.add("regained " + member + " " + silentMillis);
    }
  });
  private final Configuration three = Configuration.newBuilder().addVoters(1).addVoters(2).addVoters(3).build();
  private final Map<Long, Long> heard = new HashMap<>();

  private static Status status(Role role, long leader) {
    return new Status(1, role, 5, 0, leader, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  @Test
  void aLeaderLogsAFollowerFrozenFor40sOnceWhenSilentAndOnceWhenBack() {
    Status leading = status(Role.LEADER, 1);
    for (long t = 0; t <= 41_000; t += 10) {  // ticks of 10 ms; member 3 is heard until 500 ms, then from 40.5 s
      heard.put(2L, t * MS);
      if (t <= 500 || t >= 40_500) {
        heard.put(3L, t * MS);
      }
      watch.check(leading, three, heard, t * MS);
    }
    assertEquals(List.of("lost 3 1010", "regained 3 40000"), told);
  }

  @Test
  void aFollowerWatchesOnlyItsLeader() {
    Status following = status(Role.FOLLOWER, 2);
    for (long t = 0; t <= 3000; t += 10) {
      heard.put(2L, t * MS);  // the leader; member 3, another follower, never writes to this one
      watch.check(following, three, heard, t * MS);
    }
    assertEquals(List.of(), told);
  }
}
