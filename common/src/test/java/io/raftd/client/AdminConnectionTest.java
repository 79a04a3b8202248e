package io.raftd.client;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.StatusRequest;
import java.io.DataInputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Whether a request could have reached the member decides whether a write may be sent again: a request the
 * connection lost before it was written is {@link AdminConnection.NotSent} (definite: the member never saw it),
 * one written whole before the connection went is not (the member may have acted on it).
 */
class AdminConnectionTest {
  private static final long PATIENCE_MS = 20_000;

  @Test
  void aRequestOnAConnectionAlreadyClosedByTheMemberIsNotSent() throws Exception {
    try (ServerSocket member = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
         AdminConnection c = new AdminConnection("127.0.0.1:" + member.getLocalPort(), AdminCredentials.NONE, 5_000, new ServerLimits())) {
      member.accept().close();  // the member goes away before anything is sent
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PATIENCE_MS);
      while (!c.isBroken() && System.nanoTime() < deadline) {
        Thread.onSpinWait();  // polling the reader's view of the close, with a deadline
      }
      assertTrue(c.isBroken(), "the client never noticed the member closed the connection");

      ExecutionException e = assertThrows(ExecutionException.class, () -> c.send(status()).get(PATIENCE_MS,
          TimeUnit.MILLISECONDS));
      assertInstanceOf(AdminConnection.NotSent.class, e.getCause());
    }
  }

  @Test
  void aRequestWrittenWholeBeforeTheConnectionWentMayHaveApplied() throws Exception {
    try (ServerSocket member = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
         AdminConnection c = new AdminConnection("127.0.0.1:" + member.getLocalPort(), AdminCredentials.NONE, 5_000, new ServerLimits())) {
      CompletableFuture<AdminResponse> answer;
      try (Socket accepted = member.accept()) {
        answer = c.send(status());
        DataInputStream in = new DataInputStream(accepted.getInputStream());
        in.readFully(new byte[in.readInt()]);  // the member has the whole request, then goes away unanswering
      }
      ExecutionException e = assertThrows(ExecutionException.class, () -> answer.get(PATIENCE_MS,
          TimeUnit.MILLISECONDS));
      assertInstanceOf(java.io.IOException.class, e.getCause());
      assertFalse(e.getCause() instanceof AdminConnection.NotSent, "a request the member received counted as not sent");
    }
  }

  private static AdminRequest.Builder status() {
    return AdminRequest.newBuilder().setStatus(StatusRequest.getDefaultInstance());
  }
}
