package io.raftd.ctl;

import com.google.protobuf.ByteString;
import io.raftd.datadir.DataDirFile;
import io.raftd.datadir.DataDirLock;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.MemberIdentity;
import io.raftd.storage.NioFileIO;
import io.raftd.storage.WriteAheadLog;
import io.raftd.walformat.OfflineWal;
import io.raftd.walformat.RecordType;
import io.raftd.walformat.WalFormat;
import io.raftd.walformat.WalVerifier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * A stopped member's data directory whose WAL raftd's own {@link WriteAheadLog} wrote (small segments, so
 * there are closed ones and a newest one with preallocated space after its last frame), and the damage
 * the tests do to copies of it.
 */
final class TestWal {
  static final Configuration BOOT = Configuration.newBuilder().addVoters(1).addVoters(2).addVoters(3).build();
  /** Entries of term 1 up to here, term 2 after. */
  static final long TERM_1_UP_TO = 30;

  private TestWal() {}

  private static WriteAheadLog open(Path dataDir) throws IOException {
    return WriteAheadLog.open(new NioFileIO(), dataDir.resolve("wal"),
        WriteAheadLog.Options.defaults(Runnable::run).withSegmentBytes(8 << 10), BOOT);
  }

  /**
   * Entries 1..last in batches of 5, each batch with a hard state committing the batch before it; the
   * data directory's LOCK and identity are there too, as raftd leaves them.
   */
  static void write(Path dataDir, long last) throws IOException {
    DataDirLock.acquire(dataDir).close();
    DataDirFile.write(dataDir.resolve(DataDirFile.IDENTITY), MemberIdentity.newBuilder().setMemberId(1).setName("n1").build());
    try (WriteAheadLog wal = open(dataDir)) {
      for (long from = 1; from <= last; from += 5) {
        long to = Math.min(last, from + 4);
        wal.append(null, HardState.newBuilder().setTerm(term(to)).setVotedFor(1).setCommit(from - 1).build(),
            entries(from, to, 100));
      }
    }
  }

  /** One more batch: entries {@code from..to} of {@code dataBytes} each. */
  static void append(Path dataDir, long from, long to, int dataBytes) throws IOException {
    try (WriteAheadLog wal = open(dataDir)) {
      wal.append(null, null, entries(from, to, dataBytes));
    }
  }

  static long term(long index) {
    return index <= TERM_1_UP_TO ? 1 : 2;
  }

  private static List<Entry> entries(long from, long to, int dataBytes) {
    List<Entry> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      byte[] data = new byte[dataBytes];
      java.util.Arrays.fill(data, (byte) (i + 1));
      out.add(Entry.newBuilder().setIndex(i).setTerm(term(i)).setData(ByteString.copyFrom(data)).build());
    }
    return out;
  }

  /** The segment files, oldest first. */
  static List<Path> segments(Path dataDir) throws IOException {
    try (Stream<Path> s = Files.list(dataDir.resolve("wal"))) {
      return s.filter(p -> p.getFileName().toString().endsWith(WalFormat.SEGMENT_SUFFIX)).sorted().toList();
    }
  }

  /** Where a record of a segment begins. */
  record RecordAt(Path file, long offset, RecordType type) {}

  /** Every record of every sound frame, in file order. */
  static List<RecordAt> records(Path dataDir) throws IOException {
    List<RecordAt> out = new ArrayList<>();
    Path wal = dataDir.resolve("wal");
    OfflineWal.read(wal, new WalVerifier.Listener() {
      private Path file;

      @Override
      public void startSegment(WalFormat.SegmentId id) {
        file = wal.resolve(id.name());
      }

      @Override
      public void record(RecordType type, byte[] body, long offset, int length) {
        out.add(new RecordAt(file, offset, type));
      }
    });
    return out;
  }

  static void flipBit(Path file, long at, int bit) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1);
      ch.read(b, at);
      b.put(0, (byte) (b.get(0) ^ (1 << bit)));
      ch.write(b.rewind(), at);
    }
  }

  static void zero(Path file, long at, int n) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.write(ByteBuffer.allocate(n), at);
    }
  }

  /** Every file of the WAL directory and the data directory, with its bytes: to show nothing was written. */
  static java.util.Map<String, byte[]> contents(Path dataDir) throws IOException {
    java.util.Map<String, byte[]> all = new java.util.TreeMap<>();
    try (Stream<Path> s = Files.walk(dataDir)) {
      for (Path p : s.filter(Files::isRegularFile).toList()) {
        all.put(dataDir.relativize(p).toString(), Files.readAllBytes(p));
      }
    }
    return all;
  }
}
