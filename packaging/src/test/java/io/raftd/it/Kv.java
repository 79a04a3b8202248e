package io.raftd.it;

import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.client.Session;
import io.raftd.proto.AppendedRecord;
import io.raftd.proto.KvCas;
import io.raftd.proto.KvQueryResult;
import java.util.ArrayList;
import java.util.List;


/** The built-in store, as the tests use it: through the client library's {@link KvClient}. */
final class Kv {
  private Kv() {}

  static ByteString utf8(String s) {
    return ByteString.copyFromUtf8(s);
  }

  /** Writes through {@code session}: each applies exactly once however often it is retried. */
  static KvClient in(Session session, RaftdClient client) {
    return new KvClient(client, session::writeAsync);
  }

  /** Sets key to newValue if it holds expected (or, expected null, if it is absent). */
  static KvCas cas(String key, String expected, String newValue) {
    KvCas.Builder cas = KvCas.newBuilder().setKey(utf8(key)).setNewValue(utf8(newValue));
    return (expected == null ? cas.setAbsent(true) : cas.setValue(utf8(expected))).build();
  }

  /** The key's value by a linearizable read, or null if absent. */
  static String read(RaftdClient client, String key) throws RaftdException, InterruptedException {
    KvQueryResult r = new KvClient(client).get(utf8(key), false);
    return r.getKvsCount() == 0 ? null : r.getKvs(0).getValue().toStringUtf8();
  }

  /**
   * The whole appended log, paged with from_index/limit: by linearizable reads, or stale reads of whichever
   * member the client reaches (for comparing members).
   */
  static List<AppendedRecord> readLog(RaftdClient client, boolean stale) throws Exception {
    KvClient kv = new KvClient(client);
    List<AppendedRecord> all = new ArrayList<>();
    long from = 0;
    while (true) {
      KvQueryResult r = kv.readLog(from, 200, stale);
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
