package io.raftd.storage;

import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.walformat.Damage;
import io.raftd.walformat.RecordType;
import io.raftd.walformat.SegmentScanner;
import io.raftd.walformat.WalFormat;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Rebuilds the log from its segments, oldest first, and decides what damage means. The assumptions and
 * the torn-versus-corrupt rule are stated on {@link WriteAheadLog} and {@link SegmentScanner}: a torn last
 * frame of the newest segment is dropped (its bytes zeroed and synced, so the next frame starts clean) and
 * reported in a WARN naming file, offset and the last good index; any other damage throws a
 * {@link WalCorruptionException} naming file, offset and the entries affected, and nothing is written.
 *
 * <p>Replay: an entry at or below the last index replaces the suffix from it; an installed snapshot
 * restarts the log after it; a taken snapshot lets the log be compacted up to it; the newest hard state
 * counts. Entries that begin after a gap (the segments before them were deleted by compaction) restart
 * the log there, and the newest snapshot must then cover the gap. The log finally starts right after the
 * newest snapshot; a tail kept before it in memory is not kept across restarts.
 */
public final class WalRecovery {
  private WalRecovery() {}

  /** What recovery found, for the start log and for tests. */
  public record Report(Damage torn, long lastGoodIndex, int segments, long entries) {
    public String describe() {
      if (torn == null) {
        return "WAL recovered cleanly: " + segments + " segments, " + entries + " entries";
      }
      return "WAL torn tail dropped: " + torn.file() + " at offset " + torn.offset() + " (" + torn.what()
          + "); the last good index is " + lastGoodIndex + "; only the unsynced last batch was lost";
    }
  }

  record Result(List<Segment> segments, LogIndex index, HardState hardState, SnapshotMetadata snapshot, long nextSeq,
      Report report) {}

  /** The replay state while segments are read. */
  private static final class Replay implements SegmentScanner.Visitor {
    LogIndex index;
    /** The log's base is not known: entries began after a gap. */
    boolean baseUnknown;
    HardState hardState = HardState.getDefaultInstance();
    SnapshotMetadata snapshot = SnapshotMetadata.getDefaultInstance();
    Segment segment;
    long entries;
    IOException error;

    @Override
    public void record(RecordType type, byte[] body, long offset, int length) {
      if (error != null) {
        return;
      }
      try {
        switch (type) {
          case ENTRY -> entry(Entry.parseFrom(body), offset, length);
          case HARD_STATE -> hardState = HardState.parseFrom(body);
          case SNAPSHOT_INSTALLED -> {
            SnapshotMetadata s = SnapshotMetadata.parseFrom(body);
            snapshot = s;
            restartAfter(s);
          }
          case SNAPSHOT_TAKEN -> taken(SnapshotMetadata.parseFrom(body));
        }
      } catch (InvalidProtocolBufferException e) {
        error = new WalCorruptionException(segment.name() + " at offset " + offset + ": a " + type
            + " record passes its checksum but does not decode (" + e.getMessage() + ")");
      }
    }

    private void entry(Entry e, long offset, int length) {
      long i = e.getIndex();
      if (i <= index.base() || i > index.last() + 1) {
        index.reset(i - 1, 0, Configuration.getDefaultInstance());
        baseUnknown = true;
      }
      index.append(e, segment, offset, length);
      entries++;
    }

    private void taken(SnapshotMetadata s) {
      if (s.getIndex() > snapshot.getIndex()) {
        snapshot = s;
      }
      if (s.getIndex() >= index.last()) {
        restartAfter(s);
      } else if (s.getIndex() > index.base() || (baseUnknown && s.getIndex() == index.base())) {
        // The snapshot covers the log up to its index: what came before it (even a gap) no longer matters.
        index.compactTo(s.getIndex());
        index.rebase(s.getTerm(), s.getConfiguration());
        baseUnknown = false;
      }
    }

    private void restartAfter(SnapshotMetadata s) {
      index.reset(s.getIndex(), s.getTerm(), s.getConfiguration());
      baseUnknown = false;
    }
  }

  static Result recover(FileIO io, Path dir, WriteAheadLog.Options options, Configuration bootstrap) throws IOException {
    io.createDirectories(dir);
    List<String> names = io.list(dir);
    for (String name : names) {
      if (name.endsWith(WalFormat.TEMP_SUFFIX)) {
        io.delete(dir.resolve(name));  // a preallocated segment never put in place
      }
    }
    List<WalFormat.SegmentId> found = WalFormat.segments(names);
    String missing = WalFormat.missingSegment(found);
    if (missing != null) {
      throw new WalCorruptionException(dir + ": " + missing + VERIFY_HINT);
    }
    Replay replay = new Replay();
    // No entry cache while replaying: every replayed entry would otherwise live through a young collection
    // or more before eviction, and copying a whole log's worth of them costs recovery more than the cache
    // saves; it fills again from the next append (entries() reads older ones back from disk).
    replay.index = new LogIndex(0, 0, bootstrap, 0);
    List<Segment> segments = new ArrayList<>();
    Damage torn = null;
    long lastGood = 0;
    try {
      for (int k = 0; k < found.size(); k++) {
        long seq = found.get(k).seq();
        long first = found.get(k).firstIndex();
        Path path = dir.resolve(found.get(k).name());
        boolean newest = k == found.size() - 1;
        FileIO.Handle h = io.open(path, false);
        Segment s = new Segment(seq, first, path, h, 0, 0);
        segments.add(s);
        replay.segment = s;
        SegmentScanner.Result r = SegmentScanner.scan(h, s.name(), seq, first, newest, replay);
        if (replay.error != null) {
          throw replay.error;
        }
        s.end = r.end();
        s.frameCount = r.frames();
        Damage d = r.damage();
        if (d != null && !d.torn() && newest && options.fsync() == WriteAheadLog.FsyncPolicy.NEVER) {
          d = new Damage(Damage.Kind.TORN, d.file(), r.end(), d.what() + " (fsync = never: treated as a torn tail)");
        }
        if (d != null && !d.torn()) {
          String upTo = newest ? "" : ".." + (found.get(k + 1).firstIndex() - 1);
          throw new WalCorruptionException(d.file() + " at offset " + d.offset() + ": " + d.what() + "; entries "
              + (replay.index.last() + 1) + upTo + (newest ? " onwards" : "") + " are affected (last good index "
              + replay.index.last() + ")" + VERIFY_HINT);
        }
        if (d != null) {
          torn = d;
          lastGood = replay.index.last();
          zero(h, r.end());
        }
      }
      LogIndex index = replay.index;
      index.cacheBudget(options.cacheBytes());
      SnapshotMetadata snapshot = replay.snapshot;
      if (snapshot.getIndex() > index.base()) {
        if (snapshot.getIndex() >= index.last()) {
          index.reset(snapshot.getIndex(), snapshot.getTerm(), snapshot.getConfiguration());
        } else {
          if (!replay.baseUnknown && index.term(snapshot.getIndex()) != snapshot.getTerm()) {
            throw new WalCorruptionException(dir + ": snapshot " + snapshot.getIndex() + " has term " + snapshot.getTerm()
                + " but the log holds term " + index.term(snapshot.getIndex()) + " there" + VERIFY_HINT);
          }
          index.compactTo(snapshot.getIndex());
          index.rebase(snapshot.getTerm(), snapshot.getConfiguration());
        }
        replay.baseUnknown = false;
      }
      if (replay.baseUnknown) {
        throw new WalCorruptionException(dir + ": the WAL's entries start at " + (index.base() + 1)
            + " but no snapshot covers the entries before them (segments deleted by hand?)" + VERIFY_HINT);
      }
      HardState hs = replay.hardState;
      if (hs.getCommit() > index.last()) {
        throw new WalCorruptionException(dir + ": the hard state commits " + hs.getCommit() + " but the log ends at "
            + index.last() + VERIFY_HINT);
      }
      if (hs.getCommit() < index.base()) {
        hs = hs.toBuilder().setCommit(index.base()).build();  // a snapshot holds only committed entries
      }
      long nextSeq = found.isEmpty() ? 1 : found.get(found.size() - 1).seq() + 1;
      Report report = new Report(torn, torn == null ? index.last() : lastGood, segments.size(), replay.entries);
      return new Result(segments, index, hs, snapshot, nextSeq, report);
    } catch (IOException | RuntimeException e) {
      for (Segment s : segments) {
        s.handle.close();
      }
      throw e;
    }
  }

  static final String VERIFY_HINT = "; raftd will not start from a damaged log: run `raftctl wal verify --data-dir <dir>`"
      + " and see the README's runbook";

  /** Zeroes a torn tail from {@code from} to the end of the file and syncs it, so the next frame starts clean. */
  private static void zero(FileIO.Handle h, long from) throws IOException {
    ByteBuffer zeros = ByteBuffer.allocate(1 << 20);
    long size = h.size();
    for (long at = from; at < size; at += zeros.capacity()) {
      zeros.clear().limit((int) Math.min(zeros.capacity(), size - at));
      h.write(at, zeros);
    }
    h.force();
  }
}
