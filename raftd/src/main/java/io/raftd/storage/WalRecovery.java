package io.raftd.storage;

import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.walformat.Damage;
import io.raftd.walformat.SegmentScanner;
import io.raftd.walformat.WalFormat;
import io.raftd.walformat.WalReplay;
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
 * <p>Replay follows {@link WalReplay}'s rules, which the offline tools share.
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

  /** The log index as the replay's log: entries go to the segment being read. */
  private static final class IndexLog implements WalReplay.Log {
    final LogIndex index;
    Segment segment;

    IndexLog(LogIndex index) {
      this.index = index;
    }

    @Override
    public long base() {
      return index.base();
    }

    @Override
    public long last() {
      return index.last();
    }

    @Override
    public long term(long i) {
      return index.term(i);
    }

    @Override
    public void append(Entry e, long offset, int length) {
      index.append(e, segment, offset, length);
    }

    @Override
    public void reset(long i, long term, Configuration configuration) {
      index.reset(i, term, configuration);
    }

    @Override
    public void compactTo(long i) {
      index.compactTo(i);
    }

    @Override
    public void rebase(long term, Configuration configuration) {
      index.rebase(term, configuration);
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
    // No entry cache while replaying: every replayed entry would otherwise live through a young collection
    // or more before eviction, and copying a whole log's worth of them costs recovery more than the cache
    // saves; it fills again from the next append (entries() reads older ones back from disk).
    IndexLog log = new IndexLog(new LogIndex(0, 0, bootstrap, 0));
    WalReplay replay = new WalReplay(log);
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
        log.segment = s;
        replay.segment(s.name());
        SegmentScanner.Result r = SegmentScanner.scan(h, s.name(), seq, first, newest, replay);
        if (replay.error() != null) {
          throw new WalCorruptionException(replay.error());
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
              + (log.last() + 1) + upTo + (newest ? " onwards" : "") + " are affected (last good index "
              + log.last() + ")" + VERIFY_HINT);
        }
        if (d != null) {
          torn = d;
          lastGood = log.last();
          zero(h, r.end());
        }
      }
      String unusable = replay.finish();
      if (unusable != null) {
        throw new WalCorruptionException(dir + ": " + unusable + VERIFY_HINT);
      }
      LogIndex index = log.index;
      index.cacheBudget(options.cacheBytes());
      HardState hs = replay.hardState();
      if (hs.getCommit() > index.last()) {
        throw new WalCorruptionException(dir + ": the hard state commits " + hs.getCommit() + " but the log ends at "
            + index.last() + VERIFY_HINT);
      }
      if (hs.getCommit() < index.base()) {
        hs = hs.toBuilder().setCommit(index.base()).build();  // a snapshot holds only committed entries
      }
      long nextSeq = found.isEmpty() ? 1 : found.get(found.size() - 1).seq() + 1;
      Report report = new Report(torn, torn == null ? index.last() : lastGood, segments.size(), replay.entries());
      return new Result(segments, index, hs, replay.snapshot(), nextSeq, report);
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
