package io.raftd.daemon;

import io.raftd.walformat.OfflineWal;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Reads a data directory's WAL and snapshot files read-only, by the rules recovery applies (the offline
 * tools' {@link OfflineWal}), and refuses what recovery would refuse: any damage but a torn tail (which
 * recovery drops) and an interrupted rollover (which it seals). Run before the start writes anything, and
 * by {@code --check-config}, so both say the same thing about the same directory.
 */
final class StoredStateCheck {
  private StoredStateCheck() {}

  static void check(Path dataDir) throws Daemon.StartupException {
    Path walDir = dataDir.resolve("wal");
    if (!Files.isDirectory(walDir)) {
      return;  // a first start, or the cluster record's own check says the WAL is missing
    }
    List<String> problems;
    try {
      problems = OfflineWal.read(walDir).startProblems(dataDir.resolve("snap"));
    } catch (IOException e) {
      problems = List.of(e.getMessage());
    }
    if (!problems.isEmpty()) {
      throw new Daemon.StartupException("data_dir " + dataDir + " is damaged: " + problems.get(0)
          + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : "")
          + "; raftctl wal verify --data-dir " + dataDir + " lists it all: replace the member (README, runbook)");
    }
  }
}
