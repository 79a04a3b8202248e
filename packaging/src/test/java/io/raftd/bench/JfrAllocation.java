package io.raftd.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordingFile;

/**
 * Bytes allocated per operation in a measured window (issue 19, item 3), from the members' JFR recordings:
 * the weights of their {@code jdk.ObjectAllocationSample} events (each an estimate of the bytes allocated
 * since the thread's previous sample) inside the window a {@link ClusterBenchmark} cell printed, over the
 * cell's operations. Run the benchmark with {@code -Dbench.jvm="... -XX:StartFlightRecording=settings=profile,
 * filename=DIR/,dumponexit=true"}, then {@code java -cp packaging/target/test-classes io.raftd.bench.JfrAllocation
 * FROM_MS TO_MS OPS FILE.jfr...}. Prints the total per operation, and the top allocating threads and
 * methods (the sample's innermost frame outside java.*), summed over the files.
 */
public final class JfrAllocation {
  private JfrAllocation() {}

  public static void main(String[] args) throws IOException {
    if (args.length < 4) {
      System.err.println("usage: JfrAllocation FROM_MS TO_MS OPS FILE.jfr...");
      System.exit(2);
    }
    Instant from = Instant.ofEpochMilli(Long.parseLong(args[0]));
    Instant to = Instant.ofEpochMilli(Long.parseLong(args[1]));
    long ops = Long.parseLong(args[2]);
    Map<String, Long> byThread = new HashMap<>();
    Map<String, Long> byMethod = new HashMap<>();
    long total = 0;
    for (int i = 3; i < args.length; i++) {
      long fileTotal = 0;
      for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[i]))) {
        if (!e.getEventType().getName().equals("jdk.ObjectAllocationSample")
            || e.getStartTime().isBefore(from) || e.getStartTime().isAfter(to)) {
          continue;
        }
        long weight = e.getLong("weight");
        fileTotal += weight;
        String thread = e.getThread("eventThread") == null ? "?" : e.getThread("eventThread").getJavaName();
        byThread.merge(thread == null ? "?" : thread.replaceAll("[0-9]+", "#"), weight, Long::sum);
        byMethod.merge(allocatingMethod(e), weight, Long::sum);
      }
      System.out.printf(Locale.ROOT, "%s: %,.0f B/op%n", args[i], fileTotal / (double) ops);
      total += fileTotal;
    }
    System.out.printf(Locale.ROOT, "all files: %,.0f B/op over %,d ops%n", total / (double) ops, ops);
    print("threads", byThread, total, 8);
    print("allocating methods", byMethod, total, 20);
  }

  private static String allocatingMethod(RecordedEvent e) {
    if (e.getStackTrace() == null) {
      return "?";
    }
    List<RecordedFrame> frames = e.getStackTrace().getFrames();
    for (RecordedFrame f : frames) {
      String type = f.getMethod().getType().getName();
      if (!type.startsWith("java.") && !type.startsWith("jdk.") && !type.startsWith("sun.")) {
        return type + "." + f.getMethod().getName();
      }
    }
    return frames.isEmpty() ? "?" : frames.get(0).getMethod().getType().getName() + "." + frames.get(0).getMethod().getName();
  }

  private static void print(String what, Map<String, Long> weights, long total, int top) {
    System.out.println(what + ":");
    weights.entrySet().stream().sorted(Map.Entry.<String, Long>comparingByValue().reversed()).limit(top)
        .forEach(en -> System.out.printf(Locale.ROOT, "  %5.1f%% %s%n", 100.0 * en.getValue() / Math.max(1, total),
            en.getKey()));
  }
}
