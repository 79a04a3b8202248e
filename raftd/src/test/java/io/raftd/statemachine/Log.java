package io.raftd.statemachine;

import com.google.protobuf.ByteString;
import io.raftd.proto.CloseSession;
import io.raftd.proto.KeepAlive;
import io.raftd.proto.LogCommand;
import io.raftd.proto.OpenSession;
import io.raftd.proto.SessionCommand;

/** Test helpers: the LogCommands the daemon proposes, each stamped with the leader's clock. */
final class Log {
  private Log() {}

  static LogCommand open(long stampMs, long timeoutMs) {
    return LogCommand.newBuilder().setStampMs(stampMs)
        .setOpenSession(OpenSession.newBuilder().setTimeoutMs(timeoutMs)).build();
  }

  static LogCommand command(long stampMs, long session, long seq, long lowestPending, ByteString command) {
    return LogCommand.newBuilder().setStampMs(stampMs)
        .setCommand(SessionCommand.newBuilder().setSession(session).setSeq(seq).setLowestPending(lowestPending)
            .setCommand(command))
        .build();
  }

  static LogCommand keepAlive(long stampMs, long session, long lowestPending) {
    return LogCommand.newBuilder().setStampMs(stampMs)
        .setKeepAlive(KeepAlive.newBuilder().setSession(session).setLowestPending(lowestPending)).build();
  }

  static LogCommand close(long stampMs, long session) {
    return LogCommand.newBuilder().setStampMs(stampMs).setCloseSession(CloseSession.newBuilder().setSession(session))
        .build();
  }

  static LogCommand plain(long stampMs, ByteString command) {
    return LogCommand.newBuilder().setStampMs(stampMs).setPlain(command).build();
  }
}
