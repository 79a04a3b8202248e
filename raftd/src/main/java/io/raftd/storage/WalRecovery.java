package io.raftd.storage;

import io.raftd.datadir.DataDirFile;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.walformat.Damage;
import io.raftd.walformat.RecordType;
import io.raftd.walformat.SegmentScanner;
import io.raftd.walformat.WalFormat;
import io.raftd.walformat.WalReplay;
import io.raftd.walformat.WalScan;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Rebuilds the log from its segments, oldest first, and decides what damage means. The assumptions and
 * the torn-versus-corrupt rule are stated on {@link WriteAheadLog} and {@link SegmentScanner}: a torn last
 * frame of the newest segment is dropped (its bytes zeroed and synced, so the next frame starts clean) and
 * reported in a WARN naming file, offset and the last good index; a rollover a crash interrupted before
 * the old segment was sealed is finished (sealed); any other damage (a missing or shortened segment
 * included) throws a {@link WalCorruptionException} naming file, offset and what is lost, and nothing is
 * written.
 *
 * <p>The rules across segments are {@link WalScan}'s and the replay {@link WalReplay}'s, both shared with
 * the offline tools, so recovery and {@code raftctl wal verify} judge every WAL alike.
 */
public final class WalRecovery {
  private static final Logger LOG = LoggerFactory.getLogger(WalRecovery.class);

  private WalRecovery() {}

  /** What recovery found, for the start log and for tests. */
  public record Report(Damage torn, long lastGoodIndex, int segments, long entries) {
    public String describe() {
      if (torn == null) {
        return "WAL recovered cleanly: " + segments + (segments == 1 ? " segment, " : " segments, ") + entries
            + (entries == 1 ? " entry" : " entries");
      }
      // True by construction: WalScan calls damage torn only inside the newest segment's preallocated space.
      return "WAL torn tail dropped: " + torn.file() + " at offset " + torn.offset() + " (" + torn.what()
          + "): the last batch was written but its fsync never completed, so it was never acknowledged; the log"
          + " ends at index " + lastGoodIndex;
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

  static Result recover(FileIO io, Path dir, WriteAheadLog.Options options, Configuration bootstrap, BrokenStorage broken)
      throws IOException {
    boolean lostReadAsTorn = broken == BrokenStorage.LOST_SEGMENT_READ_AS_TORN_TAIL;
    io.createDirectories(dir);
    List<String> names = io.list(dir);
    for (String name : names) {
      // A preallocated segment never put in place, or a compacted segment's file left in the pool (the pool
      // is not carried across restarts: a free file's header may be half rewritten; the pool refills).
      if (name.endsWith(WalFormat.TEMP_SUFFIX) || name.endsWith(WalFormat.FREE_SUFFIX)) {
        io.delete(dir.resolve(name));
      }
    }
    List<WalFormat.SegmentId> found = WalFormat.segments(names);
    String wrong = WalScan.directoryProblem(found, io.exists(dir.resolveSibling(DataDirFile.CLUSTER)) && !lostReadAsTorn);
    if (wrong != null) {
      throw new WalCorruptionException(dir + ": " + wrong + VERIFY_HINT);
    }
    // No entry cache while replaying: every replayed entry would otherwise live through a young collection
    // or more before eviction, and copying a whole log's worth of them costs recovery more than the cache
    // saves; it fills again from the next append (entries() reads older ones back from disk).
    IndexLog log = new IndexLog(new LogIndex(0, 0, bootstrap, 0));
    WalReplay replay = new WalReplay(log);
    List<Segment> segments = new ArrayList<>();
    Damage[] torn = new Damage[1];
    long[] lastGood = new long[1];
    Segment[] unsealed = new Segment[1];
    try {
      WalScan.scan(found, id -> {
        Segment s = new Segment(id.seq(), id.firstIndex(), dir.resolve(id.name()), io.open(dir.resolve(id.name()), false), 0, 0);
        segments.add(s);
        log.segment = s;
        replay.segment(s.name());
        return s.handle;
      }, new WalScan.Listener() {
        @Override
        public void record(RecordType type, byte[] body, long offset, int length) {
          replay.record(type, body, offset, length);
        }

        @Override
        public void endSegment(WalFormat.SegmentId id, SegmentScanner.Result r, Damage verdict, boolean rollover)
            throws WalCorruptionException {
          if (replay.error() != null) {
            throw new WalCorruptionException(replay.error());
          }
          Segment s = segments.get(segments.size() - 1);
          s.end = r.end();
          s.frameCount = r.frames();
          boolean newest = segments.size() == found.size();
          Damage d = verdict;
          // Under fsync = never a batch may lose any of its bytes, not only its last frame's; never a truncation
          // or a lost segment, which no crash makes.
          if (d != null && !d.torn() && newest && d == r.damage() && !r.truncated()
              && options.fsync() == WriteAheadLog.FsyncPolicy.NEVER) {
            d = new Damage(Damage.Kind.TORN, d.file(), r.end(), d.what() + " (fsync = never: treated as a torn tail)");
          }
          if (d != null && !d.torn() && newest && lostReadAsTorn && r.end() > 0) {
            // The deliberate bug: a lost successor or a cut segment read as a crash's torn tail. A seal
            // naming a lost successor is dropped like a torn last batch, and the log goes on in this segment.
            long sealBytes = r.seal() == null ? 0 : WalFormat.sealFrame(id.seq(), r.frames(),
                r.seal().getNextSeq(), r.seal().getNextFirstIndex()).remaining();
            s.end = r.end() - sealBytes;
            s.frameCount = r.frames() - (sealBytes > 0 ? 1 : 0);
            d = new Damage(Damage.Kind.TORN, d.file(), s.end, d.what() + " (read as a torn tail)");
          }
          if (d != null && !d.torn()) {
            long next = newest ? 0 : found.get(segments.size()).firstIndex();
            String affected = next > log.last() + 1 ? "entries " + (log.last() + 1) + ".." + (next - 1)
                : next == 0 ? "entries " + (log.last() + 1) + " onwards, and any term and vote recorded with them,"
                : "what it held after its last sound frame";
            throw new WalCorruptionException(d.file() + " at offset " + d.offset() + ": " + d.what() + "; " + affected
                + " are lost (last good index " + log.last() + ")" + VERIFY_HINT);
          }
          if (rollover) {
            unsealed[0] = s;
          } else if (d != null) {
            torn[0] = d;
            lastGood[0] = log.last();
          }
        }
      });
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
      // Only now that everything checks is anything written: the torn tail zeroed, an interrupted rollover sealed.
      if (torn[0] != null) {
        Segment newest = segments.get(segments.size() - 1);
        zero(newest.handle, newest.end);
      }
      if (unsealed[0] != null) {
        Segment newest = segments.get(segments.size() - 1);
        zero(unsealed[0].handle, unsealed[0].end);
        unsealed[0].seal(newest.seq, newest.firstIndex);
        LOG.info("WAL rollover to {} was interrupted by a crash before {} was sealed; sealed it now (nothing was lost)",
            newest.name(), unsealed[0].name());
      }
      long nextSeq = found.isEmpty() ? 1 : found.get(found.size() - 1).seq() + 1;
      Report report = new Report(torn[0], torn[0] == null ? index.last() : lastGood[0], segments.size(), replay.entries());
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
