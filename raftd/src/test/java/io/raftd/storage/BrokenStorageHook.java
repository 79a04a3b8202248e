package io.raftd.storage;

import io.raftd.proto.Configuration;
import java.io.IOException;
import java.nio.file.Path;

/** Test hook: opens a WAL with one of the deliberate storage bugs, by name, for the broken-variant tests. */
public final class BrokenStorageHook {
  private BrokenStorageHook() {}

  /** @param variant a {@code BrokenStorage} name; NONE for the real WAL */
  public static WriteAheadLog open(FileIO io, Path dir, WriteAheadLog.Options options, Configuration bootstrap,
      String variant) throws IOException {
    return WriteAheadLog.open(io, dir, options, bootstrap, BrokenStorage.valueOf(variant));
  }

  /** Whether the variant is a storage bug (rather than a simulator-level one). */
  public static boolean isStorageBug(String variant) {
    for (BrokenStorage b : BrokenStorage.values()) {
      if (b.name().equals(variant)) {
        return true;
      }
    }
    return false;
  }
}
