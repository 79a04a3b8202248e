package io.raftd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.kv.KvStore;
import io.raftd.raft.ReadState;
import io.raftd.statemachine.SessionLayer;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A restarted follower matched the leader's answers to its reads by a counter that restarts at 1: a late
 * answer to the previous process's read served the new process's read of the same number at an old index
 * (issue 12, bug 2). Contexts now begin with the process's random incarnation.
 */
class ReadContextsTest {
  @Test
  void aLateAnswerToThePreviousProcesssReadServesNoReadOfThisOne() {
    SplittableRandom incarnations = new SplittableRandom(12);
    ByteString previousLifesFirstRead = new ReadContexts(incarnations.nextLong()).next();

    ThreadRuntime runtime = new ThreadRuntime();
    Lane loop = runtime.lane("raft-loop", (component, cause) -> { });  // never started: reads wait
    RaftNode thisLife = new RaftNode(runtime, loop, new Proposals(),
        new DiskGuard(runtime, new DiskGuard.Limits(null, null, 0, Long.MAX_VALUE), () -> false, () -> 0),
        new StateQuota(new SessionLayer(new KvStore()), Long.MAX_VALUE), incarnations.nextLong(), HostMetrics.NONE, 0);
    CompletableFuture<Long> read = thisLife.readIndex(Duration.ofMinutes(1));  // this process's first read
    thisLife.readReady(new ReadState(previousLifesFirstRead, 7));
    assertFalse(read.isDone(), "the previous process's answer served this process's read");
    assertEquals(1, thisLife.pendingReads());
    runtime.close();
  }

  @Test
  void contextsOfManyLivesNeverRepeat() {
    SplittableRandom incarnations = new SplittableRandom(99);
    Set<ByteString> seen = new HashSet<>();
    for (int life = 0; life < 100; life++) {
      ReadContexts contexts = new ReadContexts(incarnations.nextLong());
      for (int read = 0; read < 100; read++) {
        assertTrue(seen.add(contexts.next()), "life " + life + ", read " + read + " repeats an earlier context");
      }
    }
  }
}
