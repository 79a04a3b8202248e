package io.raftd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.kv.KvStore;
import io.raftd.proto.KeepAlive;
import io.raftd.proto.KvCommand;
import io.raftd.proto.KvDelete;
import io.raftd.proto.KvPut;
import io.raftd.proto.LogCommand;
import io.raftd.proto.OpenSession;
import io.raftd.proto.SessionCommand;
import io.raftd.statemachine.SessionLayer;
import io.raftd.statemachine.Snapshot;
import io.raftd.statemachine.StateMachine;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** Which proposals the state quota refuses, and the default it takes from the heap. */
class StateQuotaRulesTest {
  private final SessionLayer state = new SessionLayer(new KvStore());
  private long index;

  private static ByteString put(String key, int valueBytes) {
    return KvCommand.newBuilder().setPut(KvPut.newBuilder().setKey(ByteString.copyFromUtf8(key))
        .setValue(ByteString.copyFrom(new byte[valueBytes]))).build().toByteString();
  }

  private static LogCommand.Builder plain(ByteString command) {
    return LogCommand.newBuilder().setPlain(command);
  }

  @Test
  void aWriteThatCouldPassTheQuotaIsRefusedAndADeleteOrASessionEntryIsNot() {
    state.apply(++index, 1, plain(put("a", 900)).build());
    long used = state.machineBytes();
    StateQuota quota = new StateQuota(state, used + 100);
    assertNull(quota.refusal(plain(put("b", 10))), "a write that fits");
    String refusal = quota.refusal(plain(put("b", 200)));
    assertNotNull(refusal, "a write that could pass the quota");
    assertTrue(refusal.contains("kv.quota_bytes (" + (used + 100) + ")"), refusal);
    assertNotNull(quota.refusal(LogCommand.newBuilder().setCommand(SessionCommand.newBuilder().setSession(1).setSeq(1)
        .setCommand(put("b", 200)))), "the same write in a session");
    ByteString delete = KvCommand.newBuilder().setDelete(KvDelete.newBuilder().setKey(ByteString.copyFromUtf8("a")))
        .build().toByteString();
    StateQuota full = new StateQuota(state, used / 2);
    assertNull(full.refusal(plain(delete)), "a delete while over the quota");
    assertNull(full.refusal(LogCommand.newBuilder().setOpenSession(OpenSession.newBuilder().setTimeoutMs(1000))),
        "a session opened while over the quota: deletes may need one");
    assertNull(full.refusal(LogCommand.newBuilder().setKeepAlive(KeepAlive.newBuilder().setSession(1))));
    state.apply(++index, 1, plain(delete).build());
    assertNull(full.refusal(plain(put("b", 10))), "a write once a delete freed the space");
  }

  @Test
  void aMachineThatDoesNotCountItsBytesIsNeverRefused() {
    SessionLayer uncounted = new SessionLayer(new StateMachine() {
      @Override
      public ByteString apply(long index, long term, ByteString command) {
        return ByteString.EMPTY;
      }

      @Override
      public ByteString query(ByteString query) {
        return ByteString.EMPTY;
      }

      @Override
      public Snapshot snapshot() {
        return out -> { };
      }

      @Override
      public void restore(InputStream in) {
      }
    });
    assertNull(new StateQuota(uncounted, 1).refusal(plain(put("a", 1000))));
  }

  @Test
  void theDefaultIsHalfTheHeapAboveTheReserveAndAQuarterOfASmallHeap() {
    assertEquals(192L << 20, StateQuota.forHeap(512L << 20), "bin/raftd's -Xmx512m");
    assertEquals(960L << 20, StateQuota.forHeap(2048L << 20));
    assertEquals(32L << 20, StateQuota.forHeap(128L << 20));
  }
}
