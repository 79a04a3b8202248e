package io.raftd.kv;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.proto.AppendedRecord;
import io.raftd.proto.KeyValue;
import io.raftd.proto.KvAppend;
import io.raftd.proto.KvCas;
import io.raftd.proto.KvCommand;
import io.raftd.proto.KvCommandResult;

/** The store's commands, as pure functions from one {@link KvState} to the next. */
final class KvCommands {
  private KvCommands() {}

  /** The state after a command, and the response to it. */
  record Applied(KvState state, KvCommandResult result) {}

  /**
   * Applies the command of the entry at {@code index}. Bytes that are not a KvCommand, or one without an
   * op, change nothing and fail ({@code succeeded} false), like a failed cas: the entry is committed and
   * every replica must get past it the same way.
   */
  static Applied apply(KvState state, long index, long term, ByteString command) {
    KvCommandResult.Builder result = KvCommandResult.newBuilder().setIndex(index).setTerm(term);
    KvCommand parsed;
    try {
      parsed = KvCommand.parseFrom(command);
    } catch (InvalidProtocolBufferException e) {
      return new Applied(state, result.build());
    }
    return switch (parsed.getOpCase()) {
      case PUT -> set(state, index, parsed.getPut().getKey(), parsed.getPut().getValue(), result);
      case DELETE -> delete(state, parsed.getDelete().getKey(), result);
      case CAS -> cas(state, index, parsed.getCas(), result);
      case APPEND -> append(state, index, term, parsed.getAppend(), result);
      case OP_NOT_SET -> new Applied(state, result.build());
    };
  }

  /** Creates the key (version 1) or changes it (version + 1, create index kept). */
  private static Applied set(KvState state, long index, ByteString key, ByteString value,
      KvCommandResult.Builder result) {
    KeyValue old = state.kvs().get(key);
    KeyValue kv = old == null
        ? KeyValue.newBuilder().setKey(key).setValue(value).setVersion(1).setCreateIndex(index).setModIndex(index)
            .build()
        : old.toBuilder().setValue(value).setVersion(old.getVersion() + 1).setModIndex(index).build();
    return new Applied(state.put(old, kv), result.setSucceeded(true).setCurrent(kv).build());
  }

  private static Applied delete(KvState state, ByteString key, KvCommandResult.Builder result) {
    KeyValue old = state.kvs().get(key);
    if (old == null) {
      return new Applied(state, result.build());
    }
    return new Applied(state.remove(old), result.setSucceeded(true).build());
  }

  /**
   * Sets the key if it matches the expectation: its value, its version, or its absence ({@code absent}
   * true: the key must not exist; false: it must). A cas with no expectation never sets.
   */
  private static Applied cas(KvState state, long index, KvCas cas, KvCommandResult.Builder result) {
    KeyValue current = state.kvs().get(cas.getKey());
    boolean matches = switch (cas.getExpectCase()) {
      case VALUE -> current != null && current.getValue().equals(cas.getValue());
      case VERSION -> current != null && current.getVersion() == cas.getVersion();
      case ABSENT -> (current == null) == cas.getAbsent();
      case EXPECT_NOT_SET -> false;
    };
    if (matches) {
      return set(state, index, cas.getKey(), cas.getNewValue(), result);
    }
    if (current != null) {
      result.setCurrent(current);
    }
    return new Applied(state, result.build());
  }

  private static Applied append(KvState state, long index, long term, KvAppend append,
      KvCommandResult.Builder result) {
    AppendedRecord record =
        AppendedRecord.newBuilder().setIndex(index).setTerm(term).setPayload(append.getPayload()).build();
    return new Applied(state.append(record), result.setSucceeded(true).build());
  }
}
