package io.raftd.kv;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.proto.KvAppend;
import io.raftd.proto.KvCas;
import io.raftd.proto.KvCommand;
import io.raftd.proto.KvCommandResult;
import io.raftd.proto.KvDelete;
import io.raftd.proto.KvGet;
import io.raftd.proto.KvPut;
import io.raftd.proto.KvQuery;
import io.raftd.proto.KvQueryResult;
import io.raftd.proto.KvReadLog;
import io.raftd.proto.KvScan;

/** Test helpers: the store's commands and queries as bytes, keys and values as UTF-8 strings. */
public final class Kv {
  private Kv() {}

  public static ByteString bytes(String s) {
    return ByteString.copyFromUtf8(s);
  }

  public static ByteString put(String key, String value) {
    return command(KvCommand.newBuilder().setPut(KvPut.newBuilder().setKey(bytes(key)).setValue(bytes(value))));
  }

  public static ByteString delete(String key) {
    return command(KvCommand.newBuilder().setDelete(KvDelete.newBuilder().setKey(bytes(key))));
  }

  public static ByteString casValue(String key, String expected, String newValue) {
    return cas(KvCas.newBuilder().setKey(bytes(key)).setValue(bytes(expected)).setNewValue(bytes(newValue)));
  }

  public static ByteString casVersion(String key, long expected, String newValue) {
    return cas(KvCas.newBuilder().setKey(bytes(key)).setVersion(expected).setNewValue(bytes(newValue)));
  }

  public static ByteString casAbsent(String key, boolean absent, String newValue) {
    return cas(KvCas.newBuilder().setKey(bytes(key)).setAbsent(absent).setNewValue(bytes(newValue)));
  }

  public static ByteString append(String payload) {
    return command(KvCommand.newBuilder().setAppend(KvAppend.newBuilder().setPayload(bytes(payload))));
  }

  public static ByteString get(String key) {
    return KvQuery.newBuilder().setGet(KvGet.newBuilder().setKey(bytes(key))).build().toByteString();
  }

  public static ByteString scanPrefix(String prefix, int limit) {
    return scan(KvScan.newBuilder().setPrefix(bytes(prefix)).setLimit(limit));
  }

  public static ByteString scanRange(String start, String end, int limit) {
    return scan(KvScan.newBuilder().setStart(bytes(start)).setEnd(bytes(end)).setLimit(limit));
  }

  public static ByteString scan(KvScan.Builder scan) {
    return KvQuery.newBuilder().setScan(scan).build().toByteString();
  }

  public static ByteString readLog(long fromIndex, int limit) {
    return KvQuery.newBuilder().setReadLog(KvReadLog.newBuilder().setFromIndex(fromIndex).setLimit(limit))
        .build().toByteString();
  }

  public static KvCommandResult commandResult(ByteString bytes) {
    try {
      return KvCommandResult.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("not a KvCommandResult", e);
    }
  }

  public static KvQueryResult queryResult(ByteString bytes) {
    try {
      return KvQueryResult.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new AssertionError("not a KvQueryResult", e);
    }
  }

  private static ByteString cas(KvCas.Builder cas) {
    return command(KvCommand.newBuilder().setCas(cas));
  }

  private static ByteString command(KvCommand.Builder command) {
    return command.build().toByteString();
  }
}
