package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.daemon.LocalCluster;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A write over raft.max_entry_bytes is a usage error (exit 2) naming the limit, never "outcome unknown" (6). */
class RaftctlLimitsTest {
  @TempDir
  Path dir;

  @Test
  void writesOverTheEntryLimitExitTwoNamingItAndOnesUnderItSucceed() throws Exception {
    try (LocalCluster cluster = new LocalCluster(dir, 1, "[raft]\nmax_entry_bytes = 4096\n" + LocalCluster.FAST_WAL)) {
      cluster.startAll();
      cluster.awaitLeader();
      Ctl ctl = new Ctl(cluster.adminAddresses);
      assertEquals(0, ctl.run("put", "k", "x".repeat(4000)).code());
      for (String[] args : new String[][] {{"put", "k", "x".repeat(5000)}, {"append", "x".repeat(5000)},
          {"cas", "k", "--absent", "x".repeat(5000)}}) {
        Ctl.Result r = ctl.run(args);
        assertEquals(ExitCode.USAGE, r.code(), r::toString);
        assertTrue(r.err().startsWith("raftctl: a command of ") && r.err().contains(" bytes is over raft.max_entry_bytes = 4096"),
            r::toString);
      }
    }
  }
}
