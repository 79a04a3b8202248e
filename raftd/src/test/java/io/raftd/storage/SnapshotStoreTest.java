package io.raftd.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.Configuration;
import io.raftd.proto.SnapshotMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SnapshotStoreTest {
  @TempDir Path dir;

  static SnapshotMetadata meta(long index, long term) {
    return SnapshotMetadata.newBuilder().setIndex(index).setTerm(term)
        .setConfiguration(Configuration.newBuilder().addVoters(1).addVoters(2).addVoters(3)).setId("s" + index).build();
  }

  static byte[] data(int n, long seed) {
    byte[] b = new byte[n];
    new SplittableRandom(seed).nextBytes(b);
    return b;
  }

  SnapshotStore store() throws IOException {
    return new SnapshotStore(new NioFileIO(), dir, 2);
  }

  /** What a leader announces for {@code d} at index 10, term 2 (size, checksum), with no file here yet. */
  private SnapshotMetadata announced(byte[] d) throws IOException {
    SnapshotMetadata announced = store().save(meta(10, 2), d);
    Files.delete(dir.resolve(SnapshotStore.fileName(2, 10)));
    return announced;
  }

  @Test
  void savedSnapshotsLoadBackWithSizeAndChecksumAndStreamInChunks() throws IOException {
    byte[] d = data(100_000, 1);
    SnapshotMetadata stored = store().save(meta(10, 2), d);
    assertEquals(100_000, stored.getSize());
    assertArrayEquals(d, store().load(stored));
    assertEquals(stored, store().list().get(0));
    ByteBuffer all = ByteBuffer.allocate(d.length);
    long offset = 0;
    ByteBuffer chunk = ByteBuffer.allocate(4096);
    int n;
    while ((n = store().read(stored, offset, chunk.clear())) > 0) {
      all.put(chunk.flip());
      offset += n;
    }
    assertArrayEquals(d, all.array());
  }

  @Test
  void aReceivedSnapshotThatDoesNotMatchWhatWasAnnouncedIsNotPutInPlace() throws IOException {
    byte[] d = data(5000, 2);
    SnapshotMetadata announced = announced(d);
    SnapshotStore s = store();
    try (SnapshotStore.Writer w = s.receive(announced)) {
      byte[] altered = d.clone();
      altered[4000] ^= 1;
      w.write(ByteBuffer.wrap(altered, 0, 2500));
      w.write(ByteBuffer.wrap(altered, 2500, 2500));
      SnapshotDamagedException e = assertThrows(SnapshotDamagedException.class, w::finish);
      assertTrue(e.getMessage().contains("does not match"), e.getMessage());
    }
    assertFalse(s.has(announced));
    assertEquals(0, Files.list(dir).count(), "the temporary file is gone too");
    try (SnapshotStore.Writer w = s.receive(announced)) {
      w.write(ByteBuffer.wrap(d, 0, 2500));
      w.write(ByteBuffer.wrap(d, 2500, 2500));
      assertEquals(announced, w.finish());
    }
    assertArrayEquals(d, s.load(announced));
  }

  @Test
  void pruningKeepsTheBaseTheNewestOlderOnesAndEverythingNewer() throws IOException {
    SnapshotStore s = store();  // retain 2: the base and one older
    SnapshotMetadata first = s.save(meta(10, 1), data(10, 1));
    SnapshotMetadata second = s.save(meta(20, 1), data(10, 2));
    SnapshotMetadata third = s.save(meta(30, 1), data(10, 3));
    SnapshotMetadata fourth = s.save(meta(40, 2), data(10, 4));
    s.prune(second);
    assertEquals(java.util.List.of(first, second, third, fourth), s.list(), "the base 20 keeps 10, and 30 and 40 are newer");
    s.prune(fourth);
    assertEquals(java.util.List.of(third, fourth), s.list());
  }

  /**
   * The base is the WAL's newest durable snapshot record; a newer file is one being installed from the
   * leader, or one a crash left before its record. Pruning by "the newest N" once deleted the one being
   * installed when an even newer file was there, and it became the base a moment later (issue 12, bug 3).
   */
  @Test
  void pruningNeverDeletesASnapshotNewerThanTheBase() throws IOException {
    SnapshotStore s = new SnapshotStore(new NioFileIO(), dir, 1);
    SnapshotMetadata base = s.save(meta(200, 2), data(10, 1));
    SnapshotMetadata installing = s.save(meta(300, 3), data(10, 2));
    SnapshotMetadata leftOver = s.save(meta(900, 3), data(10, 3));
    s.prune(base);
    assertEquals(java.util.List.of(base, installing, leftOver), s.list());
    s.prune(installing);  // its record became durable: now it is the base
    assertEquals(java.util.List.of(installing, leftOver), s.list());
  }

  /** Two streams of one snapshot (a retry while the first still runs) each write their own temporary file. */
  @Test
  void twoWritersOfTheSameSnapshotDoNotShareAFile() throws IOException {
    byte[] d = data(5000, 7);
    SnapshotMetadata announced = announced(d);
    SnapshotStore s = store();
    try (SnapshotStore.Writer first = s.receive(announced); SnapshotStore.Writer second = s.receive(announced)) {
      first.write(ByteBuffer.wrap(d, 0, 2500));
      second.write(ByteBuffer.wrap(d, 0, 5000));
      assertEquals(announced, second.finish());
      first.write(ByteBuffer.wrap(d, 2500, 2500));
      assertEquals(announced, first.finish());
    }
    assertArrayEquals(d, s.load(announced));
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary file is left");
    }
  }

  @Test
  void aDamagedSnapshotFileIsReportedWithItsName() throws IOException {
    SnapshotMetadata stored = store().save(meta(10, 2), data(3000, 5));
    Path file = dir.resolve(SnapshotStore.fileName(2, 10));
    WriteAheadLogTest.flipBit(file, 1234, 5);
    SnapshotDamagedException e = assertThrows(SnapshotDamagedException.class, () -> store().load(stored));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }
}
