package io.raftd.storage;

import java.io.IOException;

/**
 * Synced WAL or snapshot data has changed: the node must not start, serve or vote from it. The message
 * is the one line an operator sees: file, offset, what is affected and what to do.
 */
public final class WalCorruptionException extends IOException {
  public WalCorruptionException(String message) {
    super(message);
  }
}
