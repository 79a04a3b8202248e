package io.raftd.host;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.kv.KvStore;
import io.raftd.proto.Configuration;
import io.raftd.proto.KvCommand;
import io.raftd.proto.KvPut;
import io.raftd.proto.LogCommand;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.statemachine.SessionLayer;
import io.raftd.statemachine.Snapshot;
import io.raftd.statemachine.StateMachine;
import io.raftd.storage.NioFileIO;
import io.raftd.storage.SnapshotDamagedException;
import io.raftd.storage.SnapshotStore;
import io.raftd.walformat.SnapshotFile;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A restart restores the state from the snapshot file a chunk at a time: it never holds the whole file and
 * the state built from it at once, so it needs no more heap than the member had while it ran.
 */
class RestoreStreamsTest {
  private static final SnapshotMetadata META = SnapshotMetadata.newBuilder().setIndex(7).setTerm(1)
      .setConfiguration(Configuration.newBuilder().addVoters(1)).build();

  @TempDir Path dir;

  /** A machine whose state is {@code bytes} bytes that its restore reads and drops: it keeps nothing. */
  private static final class Opaque implements StateMachine {
    private final byte[] state;

    Opaque(byte[] state) {
      this.state = state;
    }

    @Override
    public ByteString apply(long index, long term, ByteString command) {
      return ByteString.EMPTY;
    }

    @Override
    public ByteString query(ByteString query) {
      return ByteString.EMPTY;
    }

    @Override
    public Snapshot snapshot() {
      return out -> out.write(state);
    }

    @Override
    public void restore(InputStream in) throws IOException {
      in.transferTo(OutputStream.nullOutputStream());
    }
  }

  private SnapshotStore store(SessionLayer state) throws IOException {
    SnapshotStore store = new SnapshotStore(new NioFileIO(), dir, 2);
    state.apply(META.getIndex(), META.getTerm(), LogCommand.getDefaultInstance());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    state.snapshot().writeTo(out);
    store.save(META, out.toByteArray());
    return store;
  }

  @Test
  void aRestartAllocatesAFractionOfTheSnapshotItRestores() throws IOException {
    byte[] state = new byte[16 << 20];
    new SplittableRandom(5).nextBytes(state);
    SnapshotStore store = store(new SessionLayer(new Opaque(state)));
    SessionLayer restored = new SessionLayer(new Opaque(new byte[0]));
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    long before = threads.getCurrentThreadAllocatedBytes();
    assertEquals(META.getIndex(), ApplyWorker.restoreAtStart(restored, store, META));
    long allocated = threads.getCurrentThreadAllocatedBytes() - before;
    // The checksum pass's and the stream's buffers, 1.25 MiB; the file in one array would be all 16.
    assertTrue(allocated < 4 << 20, "restoring a snapshot of 16 MiB allocated " + allocated + " bytes");
    assertEquals(META.getIndex(), restored.lastApplied());
  }

  @Test
  void aDamagedSnapshotIsRefusedBeforeAnyOfItIsRestored() throws IOException {
    SessionLayer written = new SessionLayer(new KvStore());
    SplittableRandom random = new SplittableRandom(5);
    for (int i = 1; i < META.getIndex(); i++) {
      byte[] value = new byte[4096];
      random.nextBytes(value);
      written.apply(i, 1, LogCommand.newBuilder().setPlain(KvCommand.newBuilder().setPut(KvPut.newBuilder()
          .setKey(ByteString.copyFromUtf8("k" + i)).setValue(ByteString.copyFrom(value))).build().toByteString()).build());
    }
    SnapshotStore store = store(written);
    long size = store.list().get(0).getSize();
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve(SnapshotFile.fileName(1, 7)).toFile(), "rw")) {
      f.seek(size - 10);  // in the last value: a restore would have read all the rest before it
      int b = f.read();
      f.seek(size - 10);
      f.write(b ^ 0xff);
    }
    SessionLayer restored = new SessionLayer(new KvStore());
    assertThrows(SnapshotDamagedException.class, () -> ApplyWorker.restoreAtStart(restored, store, META));
    assertEquals(0, restored.lastApplied());
    assertEquals(0, restored.machineBytes());
  }
}
