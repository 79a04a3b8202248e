package io.raftd.daemon;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.proto.KvAppend;
import io.raftd.proto.KvCommand;
import io.raftd.proto.KvGet;
import io.raftd.proto.KvQuery;
import io.raftd.proto.KvQueryResult;
import io.raftd.proto.KvReadLog;
import io.raftd.proto.KvPut;
import io.raftd.proto.ReadResponse;

/** The built-in store's commands and queries as the client library sends them, for the daemon tests. */
final class KvRequests {
  private KvRequests() {}

  static byte[] put(String key, String value) {
    return KvCommand.newBuilder().setPut(KvPut.newBuilder().setKey(ByteString.copyFromUtf8(key))
        .setValue(ByteString.copyFromUtf8(value))).build().toByteArray();
  }

  static byte[] append(String payload) {
    return KvCommand.newBuilder().setAppend(KvAppend.newBuilder().setPayload(ByteString.copyFromUtf8(payload)))
        .build().toByteArray();
  }

  static byte[] get(String key) {
    return KvQuery.newBuilder().setGet(KvGet.newBuilder().setKey(ByteString.copyFromUtf8(key))).build().toByteArray();
  }

  static byte[] readLog(long fromIndex, int limit) {
    return KvQuery.newBuilder().setReadLog(KvReadLog.newBuilder().setFromIndex(fromIndex).setLimit(limit))
        .build().toByteArray();
  }

  /** The value a get answered with, or null if the key is absent. */
  static String value(ReadResponse r) throws InvalidProtocolBufferException {
    KvQueryResult q = KvQueryResult.parseFrom(r.getResult());
    return q.getKvsCount() == 0 ? null : q.getKvs(0).getValue().toStringUtf8();
  }
}
