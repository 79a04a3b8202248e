package io.raftd.daemon;

import io.raftd.walformat.OfflineWal;
import io.raftd.walformat.SnapshotFile;
import io.raftd.walformat.WalVerifier;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
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
    List<String> problems = new ArrayList<>();
    try {
      OfflineWal wal = OfflineWal.read(walDir);
      problems.addAll(wal.report.problems());
      for (WalVerifier.SegmentReport s : wal.report.segments()) {
        if (s.damage() != null && !s.damage().torn()) {
          problems.add(s.damage().file() + " at offset " + s.damage().offset() + ": " + s.damage().what());
        }
      }
      if (wal.unusable != null) {
        problems.add(wal.unusable);
      }
      problems.addAll(SnapshotFile.verifyDirectory(dataDir.resolve("snap"), wal.snapshot));
    } catch (IOException e) {
      problems.add(e.getMessage());
    }
    if (!problems.isEmpty()) {
      throw new Daemon.StartupException("data_dir " + dataDir + " is damaged: " + problems.get(0)
          + (problems.size() > 1 ? " (and " + (problems.size() - 1) + " more)" : "")
          + "; raftctl wal verify --data-dir " + dataDir + " lists it all: replace the member (README, runbook)");
    }
  }
}
