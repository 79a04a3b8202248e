package io.raftd.transport;

import java.util.Locale;

/** Why a connection's input was rejected (and the connection closed): a metric's label, one per kind of bad input. */
public enum RejectReason {
  /** A frame longer than max_frame_bytes, or than the handshake allows before it is done. */
  TOO_LONG,
  /** A frame whose length did not fit what was left of the port's frame_buffer_bytes. */
  OVER_BUDGET,
  /** A frame that does not decode as the message it must be. */
  UNDECODABLE,
  /** The connection closed inside a frame. */
  CUT_SHORT,
  /** Part of a frame, then nothing for frame_timeout_ms. */
  UNFINISHED,
  /** A handshake refused: a wrong cluster token, cluster or member. */
  HANDSHAKE_REFUSED,
  /** No handshake within its timeout. */
  HANDSHAKE_TIMEOUT,
  /** A well-formed frame out of place in the protocol. */
  PROTOCOL;

  /** The label value: the name in lower case. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
