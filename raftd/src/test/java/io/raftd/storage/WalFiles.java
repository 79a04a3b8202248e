package io.raftd.storage;

import com.google.protobuf.ByteString;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.sim.SimFileSystem;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/** Reading and planting whole directories of WAL files, and test entries: shared by the durability suite. */
final class WalFiles {
  private WalFiles() {}

  static final Configuration BOOT = Configuration.newBuilder().addVoters(1).build();

  /** Every file in {@code dir}, by name. */
  static Map<String, byte[]> readDir(FileIO io, Path dir) throws IOException {
    Map<String, byte[]> out = new TreeMap<>();
    for (String name : io.list(dir)) {
      out.put(name, readFile(io, dir.resolve(name)));
    }
    return out;
  }

  static byte[] readFile(FileIO io, Path file) throws IOException {
    try (FileIO.Handle h = io.open(file, false)) {
      ByteBuffer b = ByteBuffer.allocate((int) h.size());
      h.readFully(0, b);
      return b.array();
    }
  }

  /** A simulated file system holding exactly {@code files} in {@code dir}, all durable. */
  static SimFileSystem simWith(Path dir, Map<String, byte[]> files) throws IOException {
    SimFileSystem fs = new SimFileSystem();
    fs.createDirectories(dir);
    for (Map.Entry<String, byte[]> f : files.entrySet()) {
      try (FileIO.Handle h = fs.open(dir.resolve(f.getKey()), true)) {
        h.write(0, ByteBuffer.wrap(f.getValue()));
        h.force();
      }
    }
    fs.syncDirectory(dir);
    return fs;
  }

  /** Entries {@code from..to} of {@code term}, each with {@code size} bytes of data derived from {@code salt}. */
  static List<Entry> entries(long from, long to, long term, int size, long salt) {
    List<Entry> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(entry(i, term, size, new SplittableRandom(salt * 1_000_003 + i)));
    }
    return out;
  }

  static Entry entry(long index, long term, int size, SplittableRandom rnd) {
    byte[] data = new byte[size];
    rnd.nextBytes(data);
    return Entry.newBuilder().setIndex(index).setTerm(term).setData(ByteString.copyFrom(data)).build();
  }
}
