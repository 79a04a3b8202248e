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
 * @param bytes what the state holds, counted as {@link #bytes(KeyValue)} and {@link #bytes(AppendedRecord)}
 *     say: kept up to date by every change, so that the quota check costs O(1)
 */
record KvState(PersistentSortedMap<ByteString, KeyValue> kvs, PersistentSortedMap<Long, AppendedRecord> records,
    long bytes) {

  /** Keys sort as unsigned bytes, as in etcd: "a" < "b" < "ba", and 0xff after 0x7f. */
  static final Comparator<ByteString> KEY_ORDER = ByteString.unsignedLexicographicalComparator();

  /**
   * The heap an entry takes beyond its key and value bytes: the tree node, the KeyValue message, the two
   * ByteStrings and their arrays' headers and padding. Measured at 186 to 191 bytes with compressed
   * references, whatever the sizes (docs/benchmarks.md, KvMemoryBenchmark); an appended record, whose
   * node, boxed index and message are smaller, is counted the same. So that the count is the heap the
   * state takes, and a quota sized from the heap means what it says, however small the keys and values.
   */
  static final long ENTRY_OVERHEAD = 192;

  /** Indexes are uint64 on the wire: a from_index above Long.MAX_VALUE is after every record, not before. */
  static final KvState EMPTY =
      new KvState(PersistentSortedMap.empty(KEY_ORDER), PersistentSortedMap.empty(Long::compareUnsigned), 0);

  /** This state with {@code kv} in place of {@code replaced}, the key's current entry (null if it has none). */
  KvState put(KeyValue replaced, KeyValue kv) {
    long freed = replaced == null ? 0 : bytes(replaced);
    return new KvState(kvs.put(kv.getKey(), kv), records, bytes - freed + bytes(kv));
  }

  /** This state without {@code removed}, the key's current entry. */
  KvState remove(KeyValue removed) {
    return new KvState(kvs.remove(removed.getKey()), records, bytes - bytes(removed));
  }

  KvState append(AppendedRecord record) {
    return new KvState(kvs, records.put(record.getIndex(), record), bytes + bytes(record));
  }

  static long bytes(KeyValue kv) {
    return kv.getKey().size() + kv.getValue().size() + ENTRY_OVERHEAD;
  }

  static long bytes(AppendedRecord record) {
    return record.getPayload().size() + ENTRY_OVERHEAD;
  }
}
