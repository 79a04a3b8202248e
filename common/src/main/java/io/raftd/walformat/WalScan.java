package io.raftd.walformat;

import io.raftd.datadir.FileFailure;
import io.raftd.proto.SegmentSeal;
import java.io.IOException;
import java.util.List;

/**
 * The rules over a whole WAL directory, which raftd's recovery and the offline tools both apply through
 * this one class: each segment scanned by {@link SegmentScanner}, oldest first, then judged with its
 * neighbours. What a crash can leave and what it cannot is stated on {@link WalFormat}; here it becomes:
 *
 * <ul>
 *   <li>The newest segment may end in a torn tail. If it is sealed, its successor is missing: damage.
 *   <li>The one before it may be unsealed, or end in a torn seal frame, only if the newest holds nothing
 *       but the first frame every segment starts with (a rollover interrupted between its two steps;
 *       recovery finishes it by sealing). Otherwise the newest is damaged: data followed a seal that is gone.
 *   <li>Every older segment must be sealed.
 *   <li>An empty WAL is damage if the data directory holds a cluster record (the WAL's first segment is
 *       durable before that record is written).
 * </ul>
 */
public final class WalScan {
  private WalScan() {}

  /** Opens a segment for reading; who opens it closes it. */
  public interface Opener {
    ReadableFile open(WalFormat.SegmentId segment) throws IOException;
  }

  /** Follows the scan: where each segment begins, the records of its sound frames, its verdict. */
  public interface Listener extends SegmentScanner.Visitor {
    default void startSegment(WalFormat.SegmentId segment) throws IOException {}

    /**
     * @param verdict the segment's damage by the rules above, or null if it is sound
     * @param unsealed this is the newest segment's predecessor, left unsealed by an interrupted rollover
     *     (torn or not): recovery seals it
     */
    void endSegment(WalFormat.SegmentId segment, SegmentScanner.Result result, Damage verdict, boolean unsealed)
        throws IOException;
  }

  /**
   * What is wrong with the directory as a whole, or null: a gap in the segments' sequence, or no segment
   * at all where the member recorded its cluster.
   */
  public static String directoryProblem(List<WalFormat.SegmentId> segments, boolean clusterRecorded) {
    if (segments.isEmpty() && clusterRecorded) {
      return "the WAL is missing: the wal directory holds no segment, but this member has a cluster record, so it"
          + " had a log; its entries, term and vote are lost (restore the directory, or replace the member)";
    }
    return WalFormat.missingSegment(segments);
  }

  /** Scans {@code segments} (as {@link WalFormat#segments} orders them) and judges each. */
  public static void scan(List<WalFormat.SegmentId> segments, Opener opener, Listener listener) throws IOException {
    boolean rolloverInterrupted = false;
    String predecessor = null;
    for (int k = 0; k < segments.size(); k++) {
      WalFormat.SegmentId id = segments.get(k);
      boolean newest = k == segments.size() - 1;
      boolean rolling = k == segments.size() - 2;
      listener.startSegment(id);
      SegmentScanner.Result r;
      try {
        r = SegmentScanner.scan(opener.open(id), id.name(), id.seq(), id.firstIndex(), newest || rolling, listener);
      } catch (IOException e) {
        // Said with the file: a read error's own message ("Is a directory", "Input/output error") names none.
        IOException explained = FileFailure.explain(e, java.nio.file.Path.of(id.name()));
        throw explained.getMessage() != null && explained.getMessage().contains(id.name()) ? explained
            : new IOException(id.name() + ": cannot be read: " + e.getMessage(), e);
      }
      Damage verdict = r.damage();
      boolean unsealed = false;
      if (rolling && r.seal() == null && (verdict == null || verdict.torn())) {
        unsealed = true;
        rolloverInterrupted = true;
        if (verdict == null) {
          verdict = new Damage(Damage.Kind.TORN, id.name(), r.end(), "not sealed: the rollover to the next segment was"
              + " interrupted before the seal was written");
        }
      } else if (verdict == null && !newest && r.seal() == null) {
        verdict = new Damage(Damage.Kind.CORRUPT, id.name(), r.end(), "not sealed, though later segments follow: its"
            + " last frames (the seal at least) were lost after they were synced");
      } else if (verdict == null && newest && r.seal() != null) {
        verdict = missingSuccessor(id, r);
      } else if (newest && rolloverInterrupted && (verdict == null ? r.frames() > 1 : verdict.torn())) {
        verdict = new Damage(Damage.Kind.CORRUPT, id.name(), r.end(), "holds batches after its first frame, but "
            + predecessor + " before it is not sealed, which it was before anything went past this segment's first"
            + " frame: frames at the end of " + predecessor + " were lost after they were synced");
      }
      listener.endSegment(id, r, verdict, unsealed);
      predecessor = id.name();
    }
  }

  private static Damage missingSuccessor(WalFormat.SegmentId id, SegmentScanner.Result r) {
    SegmentSeal seal = r.seal();
    return new Damage(Damage.Kind.CORRUPT, id.name(), r.end(), "sealed as continued in segment " + seal.getNextSeq() + " ("
        + WalFormat.segmentName(seal.getNextSeq(), seal.getNextFirstIndex()) + "), which is missing: the entries from "
        + seal.getNextFirstIndex() + " on and every term and vote it recorded are lost");
  }
}
