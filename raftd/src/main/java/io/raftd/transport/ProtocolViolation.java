package io.raftd.transport;

/** The other end broke the peer protocol: its connection is closed and the event counted. */
final class ProtocolViolation extends RuntimeException {
  final RejectReason reason;

  ProtocolViolation(String message) {
    this(RejectReason.PROTOCOL, message);
  }

  ProtocolViolation(RejectReason reason, String message) {
    // No stack trace: the cause is the peer's bytes, and a hostile peer could make us build many.
    super(message, null, false, false);
    this.reason = reason;
  }
}
