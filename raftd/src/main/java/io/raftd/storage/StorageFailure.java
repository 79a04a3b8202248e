package io.raftd.storage;

/**
 * The storage layer cannot go on: a write or fsync failed (durability unknown) or data read back is
 * damaged. Unchecked, because it reaches the host through the core's reads of {@link io.raftd.raft.LogStorage};
 * the host stops the node.
 */
public final class StorageFailure extends RuntimeException {
  public StorageFailure(String message, Throwable cause) {
    super(message, cause);
  }
}
