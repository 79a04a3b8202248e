package io.raftd.kv;

import static io.raftd.kv.Kv.append;
import static io.raftd.kv.Kv.bytes;
import static io.raftd.kv.Kv.casAbsent;
import static io.raftd.kv.Kv.casValue;
import static io.raftd.kv.Kv.delete;
import static io.raftd.kv.Kv.put;
import static io.raftd.kv.Kv.queryResult;
import static io.raftd.kv.Kv.readLog;
import static io.raftd.kv.Kv.scanPrefix;
import static io.raftd.kv.KvState.ENTRY_OVERHEAD;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.proto.AppendedRecord;
import io.raftd.proto.KeyValue;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** The store's count of its bytes, which the state quota is checked against, and which commands may grow it. */
class KvStoreBytesTest {
  private final KvStore store = new KvStore();
  private long index;

  private void apply(ByteString command) {
    store.apply(++index, 1, command);
  }

  @Test
  void everyCommandChangesTheCountByTheBytesItAddsOrFrees() {
    assertEquals(0, store.bytes());
    apply(put("ab", "1234"));
    assertEquals(2 + 4 + ENTRY_OVERHEAD, store.bytes());
    apply(put("ab", "1"));  // a smaller value: the count shrinks
    assertEquals(2 + 1 + ENTRY_OVERHEAD, store.bytes());
    apply(casValue("ab", "1", "123456"));
    assertEquals(2 + 6 + ENTRY_OVERHEAD, store.bytes());
    apply(casValue("ab", "wrong", "x"));  // a failed cas changes nothing
    apply(casAbsent("c", true, "zz"));
    assertEquals(2 + 6 + 1 + 2 + 2 * ENTRY_OVERHEAD, store.bytes());
    apply(append("payload"));
    assertEquals(2 + 6 + 1 + 2 + 7 + 3 * ENTRY_OVERHEAD, store.bytes());
    apply(delete("ab"));
    apply(delete("absent"));
    apply(bytes("not a command"));
    assertEquals(1 + 2 + 7 + 2 * ENTRY_OVERHEAD, store.bytes());
  }

  @Test
  void theCountIsWhatTheStateHoldsAfterManyCommandsAndARestore() throws IOException {
    SplittableRandom random = new SplittableRandom(19);
    for (int i = 0; i < 3_000; i++) {
      String key = "k" + random.nextInt(200);
      String value = "v".repeat(random.nextInt(40));
      switch (random.nextInt(6)) {
        case 0, 1 -> apply(put(key, value));
        case 2, 3 -> apply(delete(key));
        case 4 -> apply(casAbsent(key, random.nextBoolean(), value));
        default -> apply(append(value));
      }
    }
    assertEquals(counted(store), store.bytes());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    store.snapshot().writeTo(out);
    KvStore restored = new KvStore();
    restored.restore(new ByteArrayInputStream(out.toByteArray()));
    assertEquals(store.bytes(), restored.bytes());
  }

  @Test
  void onlyDeletesAndBytesThatAreNoCommandCannotGrowTheState() {
    assertTrue(store.mayGrow(put("a", "1")));
    assertTrue(store.mayGrow(casAbsent("a", true, "1")));
    assertTrue(store.mayGrow(append("p")));
    assertFalse(store.mayGrow(delete("a")));
    assertFalse(store.mayGrow(bytes("not a command")));
    assertFalse(store.mayGrow(ByteString.EMPTY));
  }

  /** The count, from what the store answers: every key and value, every record's payload. */
  private static long counted(KvStore store) {
    long bytes = 0;
    for (KeyValue kv : queryResult(store.query(scanPrefix("", Integer.MAX_VALUE))).getKvsList()) {
      bytes += kv.getKey().size() + kv.getValue().size() + ENTRY_OVERHEAD;
    }
    for (AppendedRecord r : queryResult(store.query(readLog(0, Integer.MAX_VALUE))).getRecordsList()) {
      bytes += r.getPayload().size() + ENTRY_OVERHEAD;
    }
    return bytes;
  }
}
