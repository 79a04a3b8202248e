package io.raftd.walformat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.datadir.DataDirFile;
import io.raftd.datadir.FileFailure;
import io.raftd.datadir.PrivateFiles;
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
   * @param size the file's size: from {@code end} on it is preallocated or recycled space, which must read as
   *     unwritten (zeros, or in a recycled file an earlier generation's sectors)
   */
  public record SegmentReport(String name, long seq, long frames, long records, long firstEntry, long lastEntry,
      long end, long size, Damage damage, boolean newest) {}

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
    } catch (IOException e) {
      throw FileFailure.explain(e, walDir);
    }
    names.sort(null);
    List<String> problems = new ArrayList<>();
    List<WalFormat.SegmentId> found = WalFormat.segments(names);
    String wrong = WalScan.directoryProblem(found, Files.exists(walDir.resolveSibling(DataDirFile.CLUSTER)));
    if (wrong != null) {
      problems.add(wrong);
    }
    List<SegmentReport> reports = new ArrayList<>();
    long[] counts = new long[3];  // records, first entry, last entry of the segment being read
    FileChannel[] open = new FileChannel[1];
    try {
      WalScan.scan(found, id -> {
        open[0] = PrivateFiles.open(walDir.resolve(id.name()), StandardOpenOption.READ);
        return ReadableFile.of(open[0]);
      }, new WalScan.Listener() {
        private String name;

        @Override
        public void startSegment(WalFormat.SegmentId segment) throws IOException {
          name = segment.name();
          java.util.Arrays.fill(counts, 0);
          listener.startSegment(segment);
        }

        @Override
        public void record(RecordType type, byte[] body, long offset, int length) {
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
        }

        @Override
        public void endSegment(WalFormat.SegmentId segment, SegmentScanner.Result r, Damage verdict, boolean unsealed)
            throws IOException {
          long size = open[0].size();
          open[0].close();
          open[0] = null;
          SegmentReport report = new SegmentReport(name, segment.seq(), r.frames(), counts[0], counts[1], counts[2],
              r.end(), size, verdict, segment.equals(found.get(found.size() - 1)));
          reports.add(report);
          listener.endSegment(report);
        }
      });
    } finally {
      if (open[0] != null) {
        open[0].close();
      }
    }
    return new Report(walDir, reports, problems);
  }
}
