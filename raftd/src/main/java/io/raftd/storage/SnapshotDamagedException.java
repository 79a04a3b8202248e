package io.raftd.storage;

import java.io.IOException;

/** A snapshot file, or a snapshot being received, does not match its checksum, size or trailer. */
public final class SnapshotDamagedException extends IOException {
  public SnapshotDamagedException(String message) {
    super(message);
  }
}
