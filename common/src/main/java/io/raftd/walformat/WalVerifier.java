package io.raftd.walformat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.proto.Entry;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Checks a stopped node's WAL directory, read-only, without the daemon: every segment, frame and record,
 * by the same rules recovery applies ({@link SegmentScanner}). Unlike recovery it counts a torn tail as
 * damage too: the operator should know that raftd would drop it.
 */
public final class WalVerifier {
  private WalVerifier() {}

  /**
   * One segment's verdict.
   *
   * @param firstEntry the lowest entry index among its sound records, 0 if none
   * @param lastEntry the highest, 0 if none
   * @param end where its sound frames end (the next frame would go there)
   * @param size the file's size: from {@code end} on it is preallocated space, which must read as zeros
   */
  public record SegmentReport(String name, long seq, long frames, long records, long firstEntry, long lastEntry,
      long end, long size, Damage damage) {}

  /** Follows a verification segment by segment: where each begins, the records of its sound frames, its verdict. */
  public interface Listener extends SegmentScanner.Visitor {
    default void startSegment(WalFormat.SegmentId segment) {}

    default void endSegment(SegmentReport report) {}
  }

  public record Report(Path dir, List<SegmentReport> segments, List<String> problems) {
    /** Whether nothing at all is wrong, a torn tail included. */
    public boolean clean() {
      return problems.isEmpty() && segments.stream().allMatch(s -> s.damage() == null);
    }
  }

  public static Report verify(Path walDir) throws IOException {
    return verify(walDir, (type, body, offset, length) -> {});
  }

  /** Verifies, telling {@code listener} of every segment and every record of every sound frame. */
  public static Report verify(Path walDir, Listener listener) throws IOException {
    List<String> names = new ArrayList<>();
    try (Stream<Path> s = Files.list(walDir)) {
      s.forEach(p -> names.add(p.getFileName().toString()));
    }
    names.sort(null);
    List<String> problems = new ArrayList<>();
    List<WalFormat.SegmentId> found = WalFormat.segments(names);
    String missing = WalFormat.missingSegment(found);
    if (missing != null) {
      problems.add(missing);
    }
    List<SegmentReport> reports = new ArrayList<>();
    for (int k = 0; k < found.size(); k++) {
      long seq = found.get(k).seq();
      String name = found.get(k).name();
      long[] counts = new long[3];  // records, first entry, last entry
      SegmentScanner.Visitor counting = (type, body, offset, length) -> {
        counts[0]++;
        if (type == RecordType.ENTRY) {
          try {
            long index = Entry.parseFrom(body).getIndex();
            counts[1] = counts[1] == 0 ? index : Math.min(counts[1], index);
            counts[2] = Math.max(counts[2], index);
          } catch (InvalidProtocolBufferException e) {
            problems.add(name + " at offset " + offset + ": an entry record does not decode");
          }
        }
        listener.record(type, body, offset, length);
      };
      listener.startSegment(found.get(k));
      try (FileChannel ch = FileChannel.open(walDir.resolve(name), StandardOpenOption.READ)) {
        ReadableFile file = ReadableFile.of(ch);
        SegmentScanner.Result r = SegmentScanner.scan(file, name, seq, found.get(k).firstIndex(), k == found.size() - 1, counting);
        SegmentReport report = new SegmentReport(name, seq, r.frames(), counts[0], counts[1], counts[2], r.end(), ch.size(),
            r.damage());
        reports.add(report);
        listener.endSegment(report);
      }
    }
    return new Report(walDir, reports, problems);
  }
}
