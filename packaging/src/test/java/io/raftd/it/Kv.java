package io.raftd.it;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.proto.AppendedRecord;
import io.raftd.proto.KvAppend;
import io.raftd.proto.KvCas;
import io.raftd.proto.KvCommand;
import io.raftd.proto.KvGet;
import io.raftd.proto.KvQuery;
import io.raftd.proto.KvQueryResult;
import io.raftd.proto.KvReadLog;
import java.util.ArrayList;
import java.util.List;

/** The built-in store's commands and queries, as the tests send them. */
final class Kv {
  private Kv() {}

  static byte[] append(String payload) {
    return KvCommand.newBuilder().setAppend(KvAppend.newBuilder().setPayload(ByteString.copyFromUtf8(payload)))
        .build().toByteArray();
  }

  /** Sets key to newValue if it holds expected (or, expected null, if it is absent). */
  static byte[] cas(String key, String expected, String newValue) {
    KvCas.Builder cas = KvCas.newBuilder().setKey(ByteString.copyFromUtf8(key)).setNewValue(ByteString.copyFromUtf8(newValue));
    if (expected == null) {
      cas.setAbsent(true);
    } else {
      cas.setValue(ByteString.copyFromUtf8(expected));
    }
    return KvCommand.newBuilder().setCas(cas).build().toByteArray();
  }

  static byte[] get(String key) {
    return KvQuery.newBuilder().setGet(KvGet.newBuilder().setKey(ByteString.copyFromUtf8(key))).build().toByteArray();
  }

  /** The key's value by a linearizable read, or null if absent. */
  static String read(RaftdClient client, String key) throws RaftdException, InterruptedException, InvalidProtocolBufferException {
    KvQueryResult r = KvQueryResult.parseFrom(client.read(get(key), false).getResult());
    return r.getKvsCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8();
  }

  /**
   * The whole appended log, paged with from_index/limit: by linearizable reads, or stale reads of whichever
   * member the client reaches (for comparing members).
   */
  static List<AppendedRecord> readLog(RaftdClient client, boolean stale) throws Exception {
    List<AppendedRecord> all = new ArrayList<>();
    long from = 0;
    while (true) {
      byte[] q = KvQuery.newBuilder().setReadLog(KvReadLog.newBuilder().setFromIndex(from).setLimit(200)).build().toByteArray();
      KvQueryResult r = KvQueryResult.parseFrom(client.read(q, stale).getResult());
      for (AppendedRecord rec : r.getRecordsList()) {
        if (!all.isEmpty() && rec.getIndex() <= all.get(all.size() - 1).getIndex()) {
          throw new AssertionError("read_log went back: index " + rec.getIndex() + " after "
              + all.get(all.size() - 1).getIndex());
        }
        all.add(rec);
      }
      if (!r.getMore()) {
        return all;
      }
      if (r.getRecordsCount() == 0) {
        throw new AssertionError("read_log said more but returned no records from index " + from);
      }
      from = r.getRecords(r.getRecordsCount() - 1).getIndex() + 1;
    }
  }

  /** How often each payload starting with {@code prefix} appears in {@code log}, in payload order. */
  static java.util.SortedMap<String, Integer> payloadCounts(List<AppendedRecord> log, String prefix) {
    java.util.SortedMap<String, Integer> counts = new java.util.TreeMap<>();
    for (AppendedRecord r : log) {
      String p = r.getPayload().toStringUtf8();
      if (p.startsWith(prefix)) {
        counts.merge(p, 1, Integer::sum);
      }
    }
    return counts;
  }

  /** The payloads in {@code counts} seen more than once, as "payload=count", at most 20 of them listed. */
  static String duplicates(java.util.Map<String, Integer> counts) {
    return firstFew(counts.entrySet().stream().filter(e -> e.getValue() > 1).map(e -> e.getKey() + "=" + e.getValue()).toList());
  }

  /** At most 20 items and how many there are in all: for failure messages. */
  static String firstFew(java.util.Collection<?> items) {
    return items.size() + " " + items.stream().limit(20).map(String::valueOf).toList() + (items.size() > 20 ? " ..." : "");
  }
}
