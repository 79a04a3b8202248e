package io.raftd.ctl;

/** A command failed in a way raftctl explains in one line, with the exit code a script branches on. */
final class CtlException extends Exception {
  final int exitCode;

  CtlException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  CtlException(int exitCode, String message, Throwable cause) {
    super(message, cause);
    this.exitCode = exitCode;
  }
}
