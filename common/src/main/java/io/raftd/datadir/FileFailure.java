package io.raftd.datadir;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * An I/O failure on a file, said with its reason. NIO's exceptions for the commonest failures carry only
 * the path as their message ({@code AccessDeniedException: /data/wal/x.wal}), which tells an operator
 * nothing: raftd's start errors and the offline tools say "permission denied" or "no such file" instead.
 */
public final class FileFailure {
  private FileFailure() {}

  /** {@code e} as an IOException whose message names {@code file} and why; the same exception if it already does. */
  public static IOException explain(IOException e, Path file) {
    String reason = reason(e);
    if (reason == null) {
      return e;
    }
    return new IOException(file + ": " + reason, e);
  }

  /** "permission denied", "no such file", the OS's reason, or null if the message already says more than the path. */
  private static String reason(IOException e) {
    if (e instanceof AccessDeniedException) {
      return "permission denied (raftd needs to read and write its data directory: check its owner and mode)";
    }
    if (e instanceof NoSuchFileException) {
      return "no such file or directory";
    }
    if (e instanceof FileSystemException f && f.getReason() != null) {
      return f.getReason();
    }
    return null;
  }
}
