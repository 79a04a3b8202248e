package io.raftd.host;

/**
 * What happens when a thread the node cannot run without (RaftLoop, WAL writer, apply thread, snapshot
 * writer) fails: the node stops. The daemon logs one ERROR line and halts the process with
 * {@link #EXIT_CODE}; tests record the failure instead.
 */
public interface Fatal {
  /** The exit code of a node stopped by an internal failure: distinct from 0, config errors (2) and usage (64). */
  int EXIT_CODE = 70;

  void stop(String component, Throwable cause);
}
