package io.raftd.walformat;

import io.raftd.datadir.DataDirFile;
import io.raftd.datadir.PrivateFiles;
import io.raftd.proto.HardState;
import io.raftd.proto.MemberIdentity;
import io.raftd.proto.VoteBarrier;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Truncates a stopped member's WAL after an index ({@code raftctl wal repair}), leaving a log that
 * recovery accepts, and records a vote barrier first. The caller holds the data directory's lock.
 *
 * <p><b>What is written.</b> One segment is rewritten: the first damaged one, the last one before a
 * missing segment, or else the newest. It keeps its name and header; its first frame starts with an
 * installed-snapshot record of the newest snapshot (if there is one), which makes recovery restart the
 * log after it whatever older segments say; then the entries after the snapshot up to the index, read
 * back from where they are and checked again, in fresh frames; the last frame ends with the newest hard
 * state, its commit capped at the index; zeros fill the rest of the file, as preallocated space must be.
 * So a segment rewritten this way may hold entries above the first index its name gives. If a readable
 * record names a term above the hard state's (its hard state was lost in the damage), the hard state
 * takes that term with a vote for this member itself: it may have voted in that term, and must not vote
 * for anyone else in it.
 *
 * <p><b>In what order.</b> (1) The rewritten segment is written in full under a temporary name and
 * forced (a crash leaves a {@code .tmp} file, which raftd deletes at start; reading an entry back that
 * no longer checks stops the repair here, with nothing changed). (2) The vote barrier: the highest term
 * and index the WAL shows this member held, so whatever it acknowledged is covered before anything is
 * lost. (3) The segments after the rewritten one are deleted, newest first: what remains is a contiguous
 * WAL, at worst as damaged as before. (4) The temporary file is renamed over the old segment: from here
 * recovery finds the truncated log. (5) The segments before it are deleted, oldest first (the snapshot
 * record made them irrelevant). Each step that changes the directory ends with a directory sync. An
 * interrupted repair can be run again.
 */
public final class WalRepair {
  /** Payload per rewritten frame: recovery reads a frame in one buffer. */

  private WalRepair() {}

  /** The repair cannot be done as asked; nothing was written. */
  public static final class Refused extends Exception {
    /** The index asked for is outside what this WAL allows (rather than the WAL being beyond repair). */
    public final boolean badIndex;

    Refused(String message, boolean badIndex) {
      super(message);
      this.badIndex = badIndex;
    }
  }

  /**
   * What truncating after {@code index} does.
   *
   * @param rewrite the segment rewritten (position in {@code wal.segments})
   * @param hardState the hard state the repaired WAL ends with
   * @param barrier the vote barrier written first (merged with one already there)
   */
  public record Plan(Path dataDir, OfflineWal wal, long index, int rewrite, HardState hardState, VoteBarrier barrier) {
    /** The last index recovery would reach now (before the first damage). */
    public long lastIndex() {
      return wal.log.last();
    }

    /** Entries dropped: {@code index + 1 .. lastIndex()} (none if {@code index == lastIndex()}). */
    public long dropped() {
      return lastIndex() - index;
    }

    /** The commit index the WAL records now. */
    public long commit() {
      return wal.hardState.getCommit();
    }

    /** The commit index after the repair. */
    public long newCommit() {
      return hardState.getCommit();
    }

    public String rewritten() {
      return wal.segments.get(rewrite).name();
    }

    /** The segment files deleted, oldest first. */
    public List<String> deleted() {
      List<String> names = new ArrayList<>();
      for (int k = 0; k < wal.segments.size(); k++) {
        if (k != rewrite) {
          names.add(wal.segments.get(k).name());
        }
      }
      return names;
    }

    /** Damage in the WAL that the repair leaves behind it (the segments holding it are rewritten or deleted). */
    public List<Damage> damageDropped() {
      return wal.report.segments().stream().map(WalVerifier.SegmentReport::damage).filter(d -> d != null).toList();
    }
  }

  /**
   * Plans a truncation after {@code index}; reads only.
   *
   * @throws Refused if {@code index} is beyond the last index recovery could reach, below the snapshot
   *     (whose state already holds the entries up to it), or would leave no log at all; or if the WAL
   *     cannot be replayed up to the damage
   */
  public static Plan plan(Path dataDir, long index) throws IOException, Refused {
    OfflineWal wal = OfflineWal.read(dataDir.resolve("wal"));
    if (wal.unusable != null) {
      throw new Refused("the WAL cannot be replayed as far as it is readable (" + wal.unusable + "): truncating it"
          + " cannot give a log raftd accepts; remove the member and add a new one instead", false);
    }
    long base = wal.log.base();
    long last = wal.log.last();
    if (index > last) {
      throw new Refused("--truncate-after " + index + " is beyond the last index " + last
          + (wal.stoppedAt >= 0 ? " recovery can reach (the WAL is damaged after it)" : " of the log"), true);
    }
    if (index < base) {
      throw new Refused("--truncate-after " + index + " is below the snapshot at index " + base
          + ", whose state already holds the entries up to it: the lowest it can be is " + base, true);
    }
    if (index == 0) {
      throw new Refused("--truncate-after 0 leaves this member nothing, not even a snapshot: remove the member,"
          + " wipe its data directory and add it again instead", true);
    }
    VoteBarrier old = DataDirFile.read(dataDir.resolve(DataDirFile.VOTE_BARRIER), VoteBarrier.parser());
    VoteBarrier.Builder barrier = VoteBarrier.newBuilder()
        .setTerm(Math.max(wal.highestTerm, old == null ? 0 : old.getTerm()))
        .setIndex(Math.max(wal.highestIndex, old == null ? 0 : old.getIndex()))
        .setTruncatedAfter(old == null ? index : Math.min(index, old.getTruncatedAfter()))
        .setCreatedMs(System.currentTimeMillis());
    int rewrite = wal.stoppedAt >= 0 ? wal.stoppedAt : wal.segments.size() - 1;
    HardState.Builder hs = wal.hardState.toBuilder().setCommit(Math.min(wal.hardState.getCommit(), index));
    MemberIdentity self = DataDirFile.read(dataDir.resolve(DataDirFile.IDENTITY), MemberIdentity.parser());
    if (wal.highestTerm > hs.getTerm() && self != null) {
      hs.setTerm(wal.highestTerm).setVotedFor(self.getMemberId());
    }
    return new Plan(dataDir, wal, index, rewrite, hs.build(), barrier.build());
  }

  /** Carries the plan out, in the order the class comment gives. */
  public static void apply(Plan plan) throws IOException {
    Path walDir = plan.wal().dir;
    List<WalFormat.SegmentId> segments = plan.wal().segments;
    WalFormat.SegmentId target = segments.get(plan.rewrite());
    Path path = walDir.resolve(target.name());
    Path temp = walDir.resolve(target.name() + ".repair" + WalFormat.TEMP_SUFFIX);
    // Built before anything changes, since building it reads back every entry it keeps.
    long size = Files.size(path);
    try (FileChannel out = PrivateFiles.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      long end = writeSegment(out, plan, target, size);
      OfflineSegmentWriter.write(out, end, ByteBuffer.allocate((int) Math.min(Math.max(0, size - end), 1 << 20)), Math.max(size, end));
      out.force(true);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }

    DataDirFile.write(plan.dataDir().resolve(DataDirFile.VOTE_BARRIER), plan.barrier());
    for (int k = segments.size() - 1; k > plan.rewrite(); k--) {
      Files.delete(walDir.resolve(segments.get(k).name()));
    }
    DataDirFile.syncDirectory(walDir);
    Files.move(temp, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    DataDirFile.syncDirectory(walDir);
    for (int k = 0; k < plan.rewrite(); k++) {
      Files.delete(walDir.resolve(segments.get(k).name()));
    }
    DataDirFile.syncDirectory(walDir);
  }

  /** Writes the rewritten segment's header and frames; returns where they end. */
  private static long writeSegment(FileChannel out, Plan plan, WalFormat.SegmentId target, long size) throws IOException {
    OfflineSegmentWriter segment = new OfflineSegmentWriter(out, target);
    segment.writeHeader(size);
    segment.copyLog(plan.wal(), plan.index());
    segment.add(RecordType.HARD_STATE, plan.hardState());
    long end = segment.finish();
    if (end > size) {
      // The file ends where the frames do: that is its size now, and a segment must never be shorter than its header says.
      segment.writeHeader(end);
    }
    return end;
  }

}
