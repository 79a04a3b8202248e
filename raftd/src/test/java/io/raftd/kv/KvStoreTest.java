package io.raftd.kv;

import static io.raftd.kv.Kv.append;
import static io.raftd.kv.Kv.bytes;
import static io.raftd.kv.Kv.casAbsent;
import static io.raftd.kv.Kv.casValue;
import static io.raftd.kv.Kv.casVersion;
import static io.raftd.kv.Kv.commandResult;
import static io.raftd.kv.Kv.delete;
import static io.raftd.kv.Kv.get;
import static io.raftd.kv.Kv.put;
import static io.raftd.kv.Kv.queryResult;
import static io.raftd.kv.Kv.readLog;
import static io.raftd.kv.Kv.scanPrefix;
import static io.raftd.kv.Kv.scanRange;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.proto.AppendedRecord;
import io.raftd.proto.KeyValue;
import io.raftd.proto.KvCas;
import io.raftd.proto.KvCommand;
import io.raftd.proto.KvCommandResult;
import io.raftd.proto.KvPut;
import io.raftd.proto.KvQueryResult;
import io.raftd.proto.KvScan;
import io.raftd.statemachine.Snapshot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class KvStoreTest {
  private final KvStore store = new KvStore();
  private long index;

  /** Applies at the next index, in term 3. */
  private KvCommandResult apply(ByteString command) {
    return commandResult(store.apply(++index, 3, command));
  }

  private KvQueryResult query(ByteString query) {
    return queryResult(store.query(query));
  }

  private static KeyValue kv(String key, String value, long version, long createIndex, long modIndex) {
    return KeyValue.newBuilder().setKey(bytes(key)).setValue(bytes(value)).setVersion(version)
        .setCreateIndex(createIndex).setModIndex(modIndex).build();
  }

  private static List<String> keys(KvQueryResult result) {
    return result.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8()).toList();
  }

  @Test
  void putCreatesAtVersionOneThenCountsChanges() {
    KvCommandResult created = apply(put("a", "1"));
    assertEquals(KvCommandResult.newBuilder().setSucceeded(true).setCurrent(kv("a", "1", 1, 1, 1)).setIndex(1)
        .setTerm(3).build(), created);
    apply(put("b", "x"));
    KvCommandResult changed = apply(put("a", "2"));
    assertEquals(kv("a", "2", 2, 1, 3), changed.getCurrent());
    assertEquals(List.of(kv("a", "2", 2, 1, 3)), query(get("a")).getKvsList());
  }

  @Test
  void getOfAnAbsentKeyIsEmpty() {
    assertEquals(KvQueryResult.getDefaultInstance(), query(get("nope")));
  }

  @Test
  void deleteSaysWhetherTheKeyExistedAndRecreatingStartsOver() {
    apply(put("a", "1"));
    apply(put("a", "2"));
    assertEquals(KvCommandResult.newBuilder().setSucceeded(true).setIndex(3).setTerm(3).build(), apply(delete("a")));
    assertEquals(0, query(get("a")).getKvsCount());
    assertFalse(apply(delete("a")).getSucceeded());
    assertEquals(kv("a", "3", 1, 5, 5), apply(put("a", "3")).getCurrent());
  }

  @Test
  void casOnValue() {
    apply(put("k", "old"));
    KvCommandResult failed = apply(casValue("k", "other", "new"));
    assertFalse(failed.getSucceeded());
    assertEquals(kv("k", "old", 1, 1, 1), failed.getCurrent(), "a failed cas shows the key as it is");
    KvCommandResult set = apply(casValue("k", "old", "new"));
    assertTrue(set.getSucceeded());
    assertEquals(kv("k", "new", 2, 1, 3), set.getCurrent());
    assertFalse(apply(casValue("missing", "", "x")).getSucceeded(), "an absent key has no value, not an empty one");
  }

  @Test
  void casOnVersion() {
    apply(put("k", "a"));
    apply(put("k", "b"));
    assertFalse(apply(casVersion("k", 1, "c")).getSucceeded());
    assertEquals(kv("k", "c", 3, 1, 4), apply(casVersion("k", 2, "c")).getCurrent());
    assertFalse(apply(casVersion("missing", 0, "x")).getSucceeded());
  }

  @Test
  void casOnAbsence() {
    KvCommandResult created = apply(casAbsent("k", true, "first"));
    assertTrue(created.getSucceeded());
    assertEquals(kv("k", "first", 1, 1, 1), created.getCurrent());
    KvCommandResult refused = apply(casAbsent("k", true, "second"));
    assertFalse(refused.getSucceeded());
    assertEquals(kv("k", "first", 1, 1, 1), refused.getCurrent());
    assertTrue(apply(casAbsent("k", false, "third")).getSucceeded(), "absent=false: the key must exist");
    KvCommandResult missing = apply(casAbsent("other", false, "x"));
    assertFalse(missing.getSucceeded());
    assertFalse(missing.hasCurrent());
  }

  @Test
  void casWithoutExpectationNeverSets() {
    ByteString command = KvCommand.newBuilder().setCas(KvCas.newBuilder().setKey(bytes("k")).setNewValue(bytes("v")))
        .build().toByteString();
    assertFalse(apply(command).getSucceeded());
    assertEquals(0, query(get("k")).getKvsCount());
  }

  @Test
  void scanByPrefixWithLimit() {
    for (String key : List.of("a", "ab", "abc", "abd", "ac", "b", "ab\u00ff")) {
      apply(put(key, "v"));
    }
    KvQueryResult all = query(scanPrefix("ab", 0));
    assertEquals(List.of("ab", "abc", "abd", "ab\u00ff"), keys(all));
    assertFalse(all.getMore());
    KvQueryResult firstTwo = query(scanPrefix("ab", 2));
    assertEquals(List.of("ab", "abc"), keys(firstTwo));
    assertTrue(firstTwo.getMore());
    KvQueryResult exactly = query(scanPrefix("ab", 4));
    assertEquals(4, exactly.getKvsCount());
    assertFalse(exactly.getMore(), "more only when a key was left out");
    assertEquals(7, query(scanPrefix("", 0)).getKvsCount());
  }

  @Test
  void scanByRangeWithLimit() {
    for (String key : List.of("a", "b", "c", "d", "e")) {
      apply(put(key, "v"));
    }
    assertEquals(List.of("b", "c"), keys(query(scanRange("b", "d", 0))));
    assertEquals(List.of("b", "c", "d", "e"), keys(query(scanRange("b", "", 0))), "an empty end is unbounded");
    KvQueryResult limited = query(scanRange("", "e", 3));
    assertEquals(List.of("a", "b", "c"), keys(limited));
    assertTrue(limited.getMore());
    assertEquals(List.of("c"), keys(query(Kv.scan(KvScan.newBuilder().setPrefix(bytes("c")).setStart(bytes("b"))))),
        "prefix and range together");
  }

  @Test
  void keysSortAsUnsignedBytes() {
    ByteString high = ByteString.copyFrom(new byte[] {(byte) 0xff});
    ByteString low = ByteString.copyFrom(new byte[] {0x7f});
    store.apply(1, 1, KvCommand.newBuilder().setPut(KvPut.newBuilder().setKey(high)).build()
        .toByteString());
    store.apply(2, 1, KvCommand.newBuilder().setPut(KvPut.newBuilder().setKey(low)).build()
        .toByteString());
    List<ByteString> keys = query(scanPrefix("", 0)).getKvsList().stream().map(KeyValue::getKey).toList();
    assertEquals(List.of(low, high), keys);
  }

  @Test
  void aScanWithoutLimitReturnsTheDefaultNumber() {
    for (int i = 0; i <= KvQueries.DEFAULT_LIMIT; i++) {
      apply(put(String.format("k%05d", i), "v"));
    }
    KvQueryResult result = query(scanPrefix("k", 0));
    assertEquals(KvQueries.DEFAULT_LIMIT, result.getKvsCount());
    assertTrue(result.getMore());
    assertEquals(KvQueries.DEFAULT_LIMIT + 1, query(scanPrefix("k", -1)).getKvsCount(), "limit is unsigned");
  }

  @Test
  void appendRecordsIndexAndTermAndReadLogReturnsFromAnIndex() {
    apply(put("x", "1"));
    KvCommandResult appended = apply(append("p2"));
    assertEquals(KvCommandResult.newBuilder().setSucceeded(true).setIndex(2).setTerm(3).build(), appended);
    store.apply(3, 4, append("p3"));
    store.apply(4, 4, append("p4"));
    index = 4;
    assertEquals(List.of(record(2, 3, "p2"), record(3, 4, "p3"), record(4, 4, "p4")),
        query(readLog(0, 0)).getRecordsList());
    KvQueryResult fromThree = query(readLog(3, 1));
    assertEquals(List.of(record(3, 4, "p3")), fromThree.getRecordsList());
    assertTrue(fromThree.getMore());
    assertEquals(0, query(readLog(5, 0)).getRecordsCount());
    assertEquals(0, query(readLog(-1, 0)).getRecordsCount(), "from_index is unsigned: 2^64-1 is after all");
  }

  @Test
  void aCommandThatIsNotAKvCommandChangesNothing() {
    apply(put("a", "1"));
    KvCommandResult garbage = apply(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff, 0x01}));
    assertEquals(KvCommandResult.newBuilder().setIndex(2).setTerm(3).build(), garbage);
    assertFalse(apply(ByteString.EMPTY).getSucceeded(), "no op");
    assertEquals(List.of(kv("a", "1", 1, 1, 1)), query(scanPrefix("", 0)).getKvsList());
  }

  @Test
  void aQueryThatIsNotAKvQueryIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> store.query(ByteString.copyFrom(new byte[] {(byte) 0xff})));
    assertThrows(IllegalArgumentException.class, () -> store.query(ByteString.EMPTY));
  }

  @Test
  void aRestoredStoreAnswersEveryQueryAsTheOriginal() throws IOException {
    SplittableRandom random = new SplittableRandom(42);
    for (int i = 0; i < 2_000; i++) {
      String key = "k" + random.nextInt(300);
      switch (random.nextInt(5)) {
        case 0, 1 -> apply(put(key, "v" + i));
        case 2 -> apply(delete(key));
        case 3 -> apply(casVersion(key, random.nextInt(3), "c" + i));
        default -> apply(append("p" + i));
      }
    }
    KvStore restored = new KvStore();
    restored.restore(new ByteArrayInputStream(written(store.snapshot())));
    List<ByteString> queries = new ArrayList<>(List.of(scanPrefix("", -1), readLog(0, -1), scanRange("k1", "k2", 7)));
    for (int i = 0; i < 300; i++) {
      queries.add(get("k" + i));
    }
    for (ByteString q : queries) {
      assertEquals(store.query(q), restored.query(q));
    }
    assertArrayEquals(written(store.snapshot()), written(restored.snapshot()));
  }

  @Test
  void aSnapshotWrittenAfterLaterAppliesHoldsTheStateWhenItWasTaken() throws IOException {
    apply(put("a", "1"));
    apply(append("p"));
    Snapshot taken = store.snapshot();
    byte[] before = written(taken);
    apply(put("a", "2"));
    apply(put("b", "1"));
    apply(delete("a"));
    apply(append("q"));
    assertArrayEquals(before, written(taken));
    KvStore restored = new KvStore();
    restored.restore(new ByteArrayInputStream(written(taken)));
    assertEquals(List.of(kv("a", "1", 1, 1, 1)), queryResult(restored.query(scanPrefix("", 0))).getKvsList());
    assertEquals(1, queryResult(restored.query(readLog(0, 0))).getRecordsCount());
  }

  @Test
  void restoreReadsNoFurtherThanItsOwnBytes() throws IOException {
    apply(put("a", "1"));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    store.snapshot().writeTo(out);
    out.write(new byte[] {7, 8, 9});
    InputStream in = new ByteArrayInputStream(out.toByteArray());
    new KvStore().restore(in);
    assertArrayEquals(new byte[] {7, 8, 9}, in.readAllBytes());
  }

  @Test
  void aDamagedSnapshotIsRefusedAndChangesNothing() throws IOException {
    apply(put("a", "1"));
    apply(put("b", "2"));
    byte[] good = written(store.snapshot());
    KvStore target = new KvStore();
    target.apply(1, 1, put("mine", "x"));
    byte[] badMagic = good.clone();
    badMagic[0] = 'X';
    byte[] badVersion = good.clone();
    badVersion[4] = 2;
    for (byte[] bad : List.of(badMagic, badVersion, Arrays.copyOf(good, good.length - 1), new byte[0])) {
      assertThrows(IOException.class, () -> target.restore(new ByteArrayInputStream(bad)));
      assertEquals(List.of("mine"), keys(queryResult(target.query(scanPrefix("", 0)))));
    }
  }

  private static AppendedRecord record(long index, long term, String payload) {
    return AppendedRecord.newBuilder().setIndex(index).setTerm(term).setPayload(bytes(payload)).build();
  }

  private static byte[] written(Snapshot snapshot) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    snapshot.writeTo(out);
    return out.toByteArray();
  }
}
