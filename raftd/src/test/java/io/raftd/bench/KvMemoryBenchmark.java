package io.raftd.bench;

import com.google.protobuf.ByteString;
import io.raftd.host.StateQuota;
import io.raftd.kv.KvStore;
import io.raftd.proto.KvCommand;
import io.raftd.proto.KvPut;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * What a key of the built-in store costs in heap, and whether the default state quota fits the heap it is
 * sized from (issue 19). A main class, not a JUnit test (docs/benchmarks.md has the command).
 *
 * <p>First it puts {@code bench.keys} keys of {@code bench.keyBytes} bytes with {@code bench.valueBytes}-byte
 * values into a {@link KvStore} and compares the heap in use after a full GC, before and after, with the
 * bytes of keys and values and with the store's own count. Then, unless {@code bench.fill=false}, it fills a
 * store up to {@link StateQuota#forHeap} of this JVM's maximum heap, writes its snapshot to a file and
 * restores a second store from it while the first is still held: the most the heap must hold (a follower
 * installing the leader's snapshot). It ends with an OutOfMemoryError if the default does not fit.
 */
public final class KvMemoryBenchmark {
  private KvMemoryBenchmark() {}

  public static void main(String[] args) throws IOException {
    int keys = Integer.getInteger("bench.keys", 200_000);
    int keyBytes = Integer.getInteger("bench.keyBytes", 16);
    int valueBytes = Integer.getInteger("bench.valueBytes", 1024);
    long before = usedAfterGc();
    KvStore store = new KvStore();
    SplittableRandom random = new SplittableRandom(19);
    for (int i = 0; i < keys; i++) {
      store.apply(i + 1, 1, put(i, keyBytes, valueBytes, random));
    }
    long perKey = (usedAfterGc() - before) / keys;
    System.out.printf(Locale.ROOT, "keys %d, key %d B, value %d B: heap %d bytes per key, %d over key and value;"
        + " the store counts %d bytes per key%n", keys, keyBytes, valueBytes, perKey, perKey - keyBytes - valueBytes,
        store.bytes() / keys);
    Reference.reachabilityFence(store);
    store = null;
    if (Boolean.parseBoolean(System.getProperty("bench.fill", "true"))) {
      fillAndRestore(keyBytes, valueBytes);
    }
  }

  private static void fillAndRestore(int keyBytes, int valueBytes) throws IOException {
    long maxHeap = Runtime.getRuntime().maxMemory();
    long quota = StateQuota.forHeap(maxHeap);
    KvStore full = new KvStore();
    SplittableRandom random = new SplittableRandom(20);
    int n = 0;
    while (full.bytes() < quota) {
      full.apply(n + 1, 1, put(n, keyBytes, valueBytes, random));
      n++;
    }
    long fullHeap = usedAfterGc();
    Path file = Files.createTempFile("kv-memory-", ".snap");
    try {
      try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 256 << 10)) {
        full.snapshot().writeTo(out);
      }
      KvStore restored = new KvStore();
      try (InputStream in = new BufferedInputStream(Files.newInputStream(file), 256 << 10)) {
        restored.restore(in);
      }
      System.out.printf(Locale.ROOT, "max heap %d MiB, default quota %d MiB: %d keys; heap in use with one state %d"
          + " MiB, with two (a snapshot installed beside it) %d MiB; snapshot file %d MiB%n", maxHeap >> 20, quota >> 20,
          n, fullHeap >> 20, usedAfterGc() >> 20, Files.size(file) >> 20);
      Reference.reachabilityFence(full);
      Reference.reachabilityFence(restored);
    } finally {
      Files.delete(file);
    }
  }

  private static ByteString put(int i, int keyBytes, int valueBytes, SplittableRandom random) {
    byte[] key = String.format(Locale.ROOT, "%0" + keyBytes + "d", i).getBytes(StandardCharsets.US_ASCII);
    byte[] value = new byte[valueBytes];
    random.nextBytes(value);
    return KvCommand.newBuilder()
        .setPut(KvPut.newBuilder().setKey(ByteString.copyFrom(key)).setValue(ByteString.copyFrom(value)))
        .build().toByteString();
  }

  private static long usedAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }
}
