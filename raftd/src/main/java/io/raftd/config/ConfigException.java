package io.raftd.config;

/**
 * The configuration cannot be used. The message is one line an operator can act on: the file, the line
 * where known, the key and what was expected, e.g. {@code raftd.toml:14: raft.heartbeat_ms = 0 is out of
 * range: expected 10..10000}.
 */
public final class ConfigException extends Exception {
  public ConfigException(String message) {
    super(message);
  }
}
