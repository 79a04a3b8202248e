package io.raftd.kv;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.proto.AppendedRecord;
import io.raftd.proto.KeyValue;
import io.raftd.proto.KvQuery;
import io.raftd.proto.KvQueryResult;
import io.raftd.proto.KvReadLog;
import io.raftd.proto.KvScan;
import java.util.Iterator;
import java.util.Map;

/**
 * The store's queries, answered from one {@link KvState}. {@code applied_index} is left unset: the store
 * does not know the daemon's applied index (entries that are not store commands, such as session
 * entries, advance it without reaching the store); the caller does, see {@code StateMachine.query}.
 */
final class KvQueries {
  /** What a scan or read_log with limit 0 returns at most. */
  static final int DEFAULT_LIMIT = 1000;

  private KvQueries() {}

  /** @throws IllegalArgumentException if {@code query} is not a KvQuery with a query set */
  static KvQueryResult answer(KvState state, ByteString query) {
    KvQuery parsed;
    try {
      parsed = KvQuery.parseFrom(query);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalArgumentException("not a KvQuery: " + e.getMessage(), e);
    }
    return switch (parsed.getQCase()) {
      case GET -> get(state, parsed.getGet().getKey());
      case SCAN -> scan(state, parsed.getScan());
      case READ_LOG -> readLog(state, parsed.getReadLog());
      case Q_NOT_SET -> throw new IllegalArgumentException("a KvQuery without a query");
    };
  }

  private static KvQueryResult get(KvState state, ByteString key) {
    KeyValue kv = state.kvs().get(key);
    return kv == null ? KvQueryResult.getDefaultInstance() : KvQueryResult.newBuilder().addKvs(kv).build();
  }

  /** Keys that have the prefix and are in [start, end): both conditions apply when both are given. */
  private static KvQueryResult scan(KvState state, KvScan scan) {
    ByteString prefix = scan.getPrefix();
    ByteString end = scan.getEnd();
    ByteString from = KvState.KEY_ORDER.compare(scan.getStart(), prefix) > 0 ? scan.getStart() : prefix;
    long limit = limit(scan.getLimit());
    KvQueryResult.Builder result = KvQueryResult.newBuilder();
    Iterator<Map.Entry<ByteString, KeyValue>> it = state.kvs().iteratorFrom(from);
    while (it.hasNext()) {
      KeyValue kv = it.next().getValue();
      if (!kv.getKey().startsWith(prefix) || (!end.isEmpty() && KvState.KEY_ORDER.compare(kv.getKey(), end) >= 0)) {
        break;
      }
      if (result.getKvsCount() == limit) {
        result.setMore(true);
        break;
      }
      result.addKvs(kv);
    }
    return result.build();
  }

  private static KvQueryResult readLog(KvState state, KvReadLog readLog) {
    long limit = limit(readLog.getLimit());
    KvQueryResult.Builder result = KvQueryResult.newBuilder();
    Iterator<Map.Entry<Long, AppendedRecord>> it = state.records().iteratorFrom(readLog.getFromIndex());
    while (it.hasNext()) {
      AppendedRecord record = it.next().getValue();
      if (result.getRecordsCount() == limit) {
        result.setMore(true);
        break;
      }
      result.addRecords(record);
    }
    return result.build();
  }

  /** limit is a uint32: 0 means the default, and one above Integer.MAX_VALUE is not negative. */
  private static long limit(int limit) {
    return limit == 0 ? DEFAULT_LIMIT : Integer.toUnsignedLong(limit);
  }
}
