package io.raftd.daemon;

import io.raftd.config.DataDirCheck;
import io.raftd.datadir.DataDirLock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a first start killed before it wrote its identity left behind ({@link DataDirCheck#UNFINISHED_FIRST_START}):
 * a WAL and cluster record made for a member id that was never kept. A first start clears them, under the
 * lock, before it makes its own; nothing in them was ever a member's.
 */
final class UnfinishedFirstStart {
  private static final Logger LOG = LoggerFactory.getLogger(UnfinishedFirstStart.class);

  private UnfinishedFirstStart() {}

  static void clear(Path dataDir) throws IOException {
    List<String> cleared = new ArrayList<>();
    for (String name : DataDirCheck.UNFINISHED_FIRST_START) {
      Path p = dataDir.resolve(name);
      if (name.equals(DataDirLock.FILE) || !Files.exists(p)) {
        continue;  // the lock is this start's now
      }
      try (Stream<Path> all = Files.walk(p)) {
        for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(q);
        }
      }
      cleared.add(name);
    }
    if (!cleared.isEmpty()) {
      LOG.info("first start of this data_dir: removed {} left by a first start that was stopped before it finished",
          cleared);
    }
  }
}
