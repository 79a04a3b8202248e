package io.raftd.walformat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.datadir.PrivateFiles;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * A stopped member's WAL as the offline tools see it ({@code raftctl wal verify}, {@code dump},
 * {@code repair}): every segment checked by the rules recovery applies ({@link WalVerifier}), and the log
 * replayed as recovery would ({@link WalReplay}), up to the first damage or missing segment. A snapshot
 * recorded past the damage still counts (its file was durable before its record was written), so the
 * log it lets go of does not have to be readable. Also the highest term and index that any readable
 * record names, even past the damage: what the member may have acknowledged, for a vote barrier.
 */
public final class OfflineWal {
  public final Path dir;
  public final WalVerifier.Report report;
  /** The segment files, oldest first: {@link ReplayedLog#segmentOf} indexes this list. */
  public final List<WalFormat.SegmentId> segments;
  /** The log as recovery would rebuild it from everything before {@link #stoppedAt} (and the newest snapshot). */
  public final ReplayedLog log;
  public final HardState hardState;
  public final SnapshotMetadata snapshot;
  /**
   * The position in {@link #segments} of the segment where the replay stopped: the first one damaged, or
   * the last one before a missing segment; -1 if it read every segment to its end (a rollover left
   * unsealed by a crash does not stop it).
   */
  public final int stoppedAt;
  /** What keeps the replayed log from being used at all (a record that does not decode, an uncovered gap), or null. */
  public final String unusable;
  /** The highest term any readable record names (entries, hard states, snapshots). */
  public final long highestTerm;
  /** The highest index any readable record or segment name shows this member held. */
  public final long highestIndex;

  private OfflineWal(Path dir, WalVerifier.Report report, Replayer r, String unusable) {
    this.dir = dir;
    this.report = report;
    this.segments = r.segments;
    this.log = r.log;
    this.hardState = r.replay.hardState();
    this.snapshot = r.replay.snapshot();
    this.stoppedAt = r.stoppedAt;
    this.unusable = unusable;
    this.highestTerm = r.highestTerm;
    this.highestIndex = Math.max(r.highestIndex, r.log.last());
  }

  /** Reads {@code walDir}, also handing every record of every sound frame to {@code listener} (a dump). */
  public static OfflineWal read(Path walDir, WalVerifier.Listener listener) throws IOException {
    Replayer r = new Replayer(listener);
    WalVerifier.Report report = WalVerifier.verify(walDir, r);
    if (r.newestSnapshot.getIndex() > r.replay.snapshot().getIndex()) {
      r.replay.taken(r.newestSnapshot);
    }
    String unusable = r.replay.error() != null ? r.replay.error() : r.replay.finish();
    return new OfflineWal(walDir, report, r, unusable);
  }

  public static OfflineWal read(Path walDir) throws IOException {
    return read(walDir, (type, body, offset, length) -> {});
  }

  /**
   * Whether a segment's damage lies in space that was never written: no frame begins where its sound
   * frames end, yet some sector after that is not zero (preallocated space must read as zeros).
   */
  public boolean inPreallocatedSpace(WalVerifier.SegmentReport segment) throws IOException {
    Damage d = segment.damage();
    if (d == null || d.offset() <= segment.end()) {
      return false;
    }
    try (FileChannel ch = PrivateFiles.open(dir.resolve(segment.name()), StandardOpenOption.READ)) {
      ByteBuffer sector = ByteBuffer.allocate(WalFormat.SECTOR);
      ReadableFile.of(ch).readFully(segment.end(), sector);
      for (int i = 0; i < sector.limit(); i++) {
        if (sector.get(i) != 0) {
          return false;
        }
      }
      return true;
    }
  }

  /**
   * What raftd's start refuses in this WAL and the snapshots in {@code snapDir}: damage and an unusable log,
   * but not a torn tail (recovery drops it); each with its file and offset. Empty: the data would start.
   */
  public List<String> startProblems(Path snapDir) throws IOException {
    List<String> problems = new ArrayList<>(report.problems());
    for (WalVerifier.SegmentReport s : report.segments()) {
      if (s.damage() != null && !s.damage().torn()) {
        problems.add(s.damage().file() + " at offset " + s.damage().offset() + ": " + s.damage().what());
      }
    }
    if (unusable != null) {
      problems.add(unusable);
    }
    problems.addAll(SnapshotFile.verifyDirectory(snapDir, snapshot));
    return problems;
  }

  /** Whether anything at all is wrong: damage (a torn tail included), a missing segment, an unusable log. */
  public boolean clean() {
    return report.clean() && unusable == null;
  }

  /** Replays segment by segment until the first damage or gap, and notes the highest term and index throughout. */
  private static final class Replayer implements WalVerifier.Listener {
    final WalVerifier.Listener also;
    final ReplayedLog log = new ReplayedLog();
    final WalReplay replay = new WalReplay(log);
    final List<WalFormat.SegmentId> segments = new ArrayList<>();
    int stoppedAt = -1;
    long highestTerm;
    long highestIndex;
    SnapshotMetadata newestSnapshot = SnapshotMetadata.getDefaultInstance();

    Replayer(WalVerifier.Listener also) {
      this.also = also;
    }

    @Override
    public void startSegment(WalFormat.SegmentId segment) {
      if (stoppedAt < 0 && !segments.isEmpty() && segment.seq() != segments.get(segments.size() - 1).seq() + 1) {
        stoppedAt = segments.size() - 1;
      }
      segments.add(segment);
      log.segment(segments.size() - 1);
      replay.segment(segment.name());
      highestIndex = Math.max(highestIndex, segment.firstIndex() - 1);
      also.startSegment(segment);
    }

    @Override
    public void record(RecordType type, byte[] body, long offset, int length) {
      try {
        switch (type) {
          case ENTRY -> {
            Entry e = Entry.parseFrom(body);
            highestTerm = Math.max(highestTerm, e.getTerm());
            highestIndex = Math.max(highestIndex, e.getIndex());
          }
          case HARD_STATE -> highestTerm = Math.max(highestTerm, HardState.parseFrom(body).getTerm());
          case SNAPSHOT_TAKEN, SNAPSHOT_INSTALLED -> {
            SnapshotMetadata s = SnapshotMetadata.parseFrom(body);
            highestTerm = Math.max(highestTerm, s.getTerm());
            highestIndex = Math.max(highestIndex, s.getIndex());
            if (s.getIndex() > newestSnapshot.getIndex()) {
              newestSnapshot = s;
            }
          }
        }
      } catch (InvalidProtocolBufferException e) {
        // The replay reports it if it is before the damage; after it, it only cannot count.
      }
      if (stoppedAt < 0) {
        replay.record(type, body, offset, length);
      }
      also.record(type, body, offset, length);
    }

    @Override
    public void endSegment(WalVerifier.SegmentReport report) {
      // An interrupted rollover's unsealed segment loses nothing: the replay goes on into the newest.
      if (stoppedAt < 0 && report.damage() != null && !(report.damage().torn() && !report.newest())) {
        stoppedAt = segments.size() - 1;
      }
      also.endSegment(report);
    }
  }
}
