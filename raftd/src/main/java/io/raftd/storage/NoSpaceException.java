package io.raftd.storage;

import java.io.IOException;

/** The disk is full (ENOSPC). Not fatal where the storage layer says so: it refuses new entries until space returns. */
public final class NoSpaceException extends IOException {
  public NoSpaceException(String message, Throwable cause) {
    super(message, cause);
  }
}
