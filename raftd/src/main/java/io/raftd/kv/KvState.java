package io.raftd.kv;

import com.google.protobuf.ByteString;
import io.raftd.proto.AppendedRecord;
import io.raftd.proto.KeyValue;
import java.util.Comparator;

/**
 * The key-value store's whole state at one index. Immutable (its maps are persistent), so a reference to it
 * is a consistent snapshot that any thread may read while later states are made.
 *
 * @param kvs the keys, in unsigned byte order, each with its value, version and indexes
 * @param records the appended payloads, by the index of the entry that appended them
 */
record KvState(PersistentSortedMap<ByteString, KeyValue> kvs, PersistentSortedMap<Long, AppendedRecord> records) {

  /** Keys sort as unsigned bytes, as in etcd: "a" < "b" < "ba", and 0xff after 0x7f. */
  static final Comparator<ByteString> KEY_ORDER = ByteString.unsignedLexicographicalComparator();

  /** Indexes are uint64 on the wire: a from_index above Long.MAX_VALUE is after every record, not before. */
  static final KvState EMPTY =
      new KvState(PersistentSortedMap.empty(KEY_ORDER), PersistentSortedMap.empty(Long::compareUnsigned));

  KvState withKvs(PersistentSortedMap<ByteString, KeyValue> kvs) {
    return new KvState(kvs, records);
  }

  KvState withRecords(PersistentSortedMap<Long, AppendedRecord> records) {
    return new KvState(kvs, records);
  }
}
