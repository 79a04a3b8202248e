package io.raftd.transport;

/** The other end broke the peer protocol: its connection is closed and the event counted. */
final class ProtocolViolation extends RuntimeException {
  ProtocolViolation(String message) {
    // No stack trace: the cause is the peer's bytes, and a hostile peer could make us build many.
    super(message, null, false, false);
  }
}
