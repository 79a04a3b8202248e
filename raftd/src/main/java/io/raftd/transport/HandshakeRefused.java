package io.raftd.transport;

import java.io.IOException;

/** The member we connected to answered our Hello with accepted = false. */
final class HandshakeRefused extends IOException {
  HandshakeRefused(String reason) {
    super("handshake refused: " + reason);
  }
}
