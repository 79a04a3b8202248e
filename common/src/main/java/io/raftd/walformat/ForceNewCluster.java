package io.raftd.walformat;

import io.raftd.datadir.DataDirFile;
import io.raftd.datadir.PrivateFiles;
import io.raftd.proto.ClusterRecord;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.EntryType;
import io.raftd.proto.ForcedNewCluster;
import io.raftd.proto.HardState;
import io.raftd.proto.Member;
import io.raftd.proto.MemberIdentity;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * Quorum-loss recovery ({@code raftctl recover --force-new-cluster}): makes a stopped surviving member the
 * only voter of a new cluster, keeping its log (see below for which entries). The caller holds the data
 * directory's lock.
 *
 * <p><b>What it makes.</b> The WAL becomes one new segment (the next seq): the newest snapshot's record, the
 * entries after it up to K (read back and checked again), then a configuration entry at K + 1 whose only
 * voter is this member (every other member of any configuration it holds goes to {@code removed}), and a
 * hard state that commits K + 1. K is the last index of its log, unless {@code dropUncommitted} makes it the
 * commit index its WAL records. The default keeps every entry, because that recorded commit index lags what
 * the member knew: raftd writes the commit index with the next batch, so the last writes a member
 * acknowledged (as a leader alone, or as the follower that made a quorum) may sit above it. Keeping them
 * loses no acknowledged write the survivor holds; the price is that entries never committed in the old
 * cluster (whose clients saw an error or no answer) apply too, which is what an unknown outcome allows.
 * Either way, writes the old cluster committed that never reached this member are gone: recover the
 * survivor with the longest log.
 *
 * <p>The cluster record gets a new random cluster id (the old members' data directories never match it,
 * so they can never talk to this member again), this member alone as its member list, and
 * {@code recovered_from}; any vote barrier goes (there is no other voter left to protect). On its next
 * start raftd applies K + 1 like any committed entry (a configuration takes effect on apply), after which
 * the member elects itself and takes writes.
 *
 * <p><b>Crash safety.</b> (1) The new segment is written in full as {@code <segment>.recover.tmp} and
 * forced: a crash here leaves the old state (raftd deletes {@code .tmp} files in wal/ at start). (2) The
 * {@link DataDirFile#FORCED_NEW_CLUSTER} record is written (durably): from here the recovery is decided,
 * raftd refuses to start, and {@link #finish} (what running {@code raftctl recover} again does) completes
 * it. (3) {@link #finish}: the segment is renamed into place, every other segment deleted, the vote
 * barrier deleted, the new cluster record written, and the record deleted, each step synced; every step
 * may be repeated, so an interrupted finish can be run again.
 */
public final class ForceNewCluster {
  static final String TEMP = ".recover" + WalFormat.TEMP_SUFFIX;

  private ForceNewCluster() {}

  /** The recovery cannot be done; nothing was written. */
  public static final class Refused extends Exception {
    Refused(String message) {
      super(message);
    }
  }

  /**
   * What the recovery does.
   *
   * @param commit the commit index its WAL records
   * @param keep the log is kept up to here (its last index, or {@code commit} with dropUncommitted)
   * @param leftOut the other members of the configuration (and of configurations above the commit index)
   * @param configuration the configuration entry's: this member the only voter
   */
  public record Plan(Path dataDir, OfflineWal wal, MemberIdentity self, ClusterRecord oldCluster, long commit,
      long keep, long lastIndex, List<Member> leftOut, Configuration configuration, ForcedNewCluster record, HardState hardState,
      boolean selfWasVoter) {
    /** Entries dropped: {@code keep + 1 .. lastIndex}. */
    public long dropped() {
      return lastIndex - keep;
    }

    /** Entries kept above the recorded commit index: {@code commit + 1 .. keep}. */
    public long keptAboveCommit() {
      return keep - commit;
    }

    public long newClusterId() {
      return record.getCluster().getClusterId();
    }
  }

  /**
   * Plans the recovery; reads only.
   *
   * @param dropUncommitted keep the log only up to the commit index the WAL records
   */
  public static Plan plan(Path dataDir, boolean dropUncommitted) throws IOException, Refused {
    MemberIdentity self = DataDirFile.read(dataDir.resolve(DataDirFile.IDENTITY), MemberIdentity.parser());
    ClusterRecord old = DataDirFile.read(dataDir.resolve(DataDirFile.CLUSTER), ClusterRecord.parser());
    if (self == null || old == null) {
      throw new Refused(dataDir + " holds no member (no " + (self == null ? DataDirFile.IDENTITY : DataDirFile.CLUSTER)
          + " file): recover runs on a data directory raftd has started on");
    }
    OfflineWal wal = OfflineWal.read(dataDir.resolve("wal"));
    // What raftd's start would refuse: a torn tail is not damage, recovery drops it.
    List<String> problems = wal.startProblems(dataDir.resolve("snap"));
    if (!problems.isEmpty()) {
      throw new Refused("this member's data is damaged (" + problems.get(0) + "): raftctl wal verify --data-dir "
          + dataDir + " lists it all; recover another survivor instead");
    }
    long base = wal.log.base();
    long last = wal.log.last();
    long commit = Math.max(base, Math.min(wal.hardState.getCommit(), last));
    long keep = dropUncommitted ? commit : last;
    Configuration atBase = wal.snapshot.getIndex() == base && base > 0 ? wal.snapshot.getConfiguration()
        : old.getBootstrap();
    Configuration atCommit = atBase;
    TreeSet<Long> others = new TreeSet<>(ids(atBase));
    try (OfflineSegmentWriter.Entries entries = new OfflineSegmentWriter.Entries(wal)) {
      for (long i = base + 1; i <= last; i++) {
        Entry e = entries.read(i);
        if (e.getType() == EntryType.CONFIG) {
          Configuration c = Configuration.parseFrom(e.getData());
          others.addAll(ids(c));
          if (i <= keep) {
            atCommit = c;
          }
        }
      }
    }
    long me = self.getMemberId();
    others.remove(me);
    List<Member> leftOut = new ArrayList<>();
    for (long id : others) {
      leftOut.add(describe(id, old, atCommit));
    }
    TreeSet<Long> removed = new TreeSet<>(atCommit.getRemovedList());
    removed.addAll(others);
    Configuration.Builder conf = Configuration.newBuilder().addVoters(me).addAllRemoved(removed);
    for (Member m : atCommit.getMembersList()) {
      if (m.getId() == me) {
        conf.addMembers(m);
      }
    }
    long newId = 0;
    SecureRandom random = new SecureRandom();
    while (newId == 0 || newId == old.getClusterId()) {
      newId = random.nextLong();
    }
    ClusterRecord cluster = old.toBuilder().setClusterId(newId).clearMembers().addMembers(describe(me, old, atCommit))
        .setRecoveredFrom(old.getClusterId()).build();
    WalFormat.SegmentId newest = wal.segments.get(wal.segments.size() - 1);
    String segment = WalFormat.segmentName(newest.seq() + 1, base + 1);
    ForcedNewCluster record = ForcedNewCluster.newBuilder().setCluster(cluster).setSegment(segment).setCommit(keep)
        .setConfigIndex(keep + 1).setOldClusterId(old.getClusterId()).setCreatedMs(System.currentTimeMillis()).build();
    HardState hs = wal.hardState.toBuilder().setTerm(Math.max(wal.hardState.getTerm(), wal.log.term(keep)))
        .setCommit(keep + 1).build();
    return new Plan(dataDir, wal, self, old, commit, keep, last, leftOut, conf.build(), record, hs,
        atCommit.getVotersList().contains(me) || atCommit.getOutgoingVotersList().contains(me));
  }

  /** Carries the plan out: {@link #decide}, then {@link #finish}. */
  public static void apply(Plan plan) throws IOException {
    decide(plan);
    finish(plan.dataDir());
  }

  /**
   * Steps (1) and (2): the new segment under its temporary name, then the record that decides the recovery.
   * Alone (a crash before {@link #finish}), it leaves a data directory raftd refuses until finished.
   */
  public static void decide(Plan plan) throws IOException {
    Path walDir = plan.wal().dir;
    Path temp = walDir.resolve(plan.record().getSegment() + TEMP);
    try (FileChannel out = PrivateFiles.open(temp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.TRUNCATE_EXISTING)) {
      writeSegment(out, plan);
      out.force(true);
    } catch (IOException | RuntimeException e) {
      Files.deleteIfExists(temp);
      throw e;
    }
    DataDirFile.syncDirectory(walDir);
    DataDirFile.write(plan.dataDir().resolve(DataDirFile.FORCED_NEW_CLUSTER), plan.record());
  }

  /** The decided but unfinished recovery in {@code dataDir}, or null if there is none. */
  public static ForcedNewCluster unfinished(Path dataDir) throws IOException {
    return DataDirFile.read(dataDir.resolve(DataDirFile.FORCED_NEW_CLUSTER), ForcedNewCluster.parser());
  }

  /**
   * Finishes a decided recovery (its record is in {@code dataDir}); does nothing if there is none. Every
   * step may be repeated.
   *
   * @return the record it finished, or null
   */
  public static ForcedNewCluster finish(Path dataDir) throws IOException {
    ForcedNewCluster r = unfinished(dataDir);
    if (r == null) {
      return null;
    }
    Path walDir = dataDir.resolve("wal");
    Path segment = walDir.resolve(r.getSegment());
    Path temp = walDir.resolve(r.getSegment() + TEMP);
    if (Files.exists(temp)) {
      Files.move(temp, segment, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      DataDirFile.syncDirectory(walDir);
    }
    if (!Files.exists(segment)) {
      throw new IOException(segment + " is missing, but " + dataDir.resolve(DataDirFile.FORCED_NEW_CLUSTER)
          + " says the recovery wrote it: this data directory cannot be recovered; recover another survivor");
    }
    List<String> names;
    try (var s = Files.list(walDir)) {
      names = s.map(p -> p.getFileName().toString()).toList();
    }
    for (WalFormat.SegmentId id : WalFormat.segments(names)) {
      if (!id.name().equals(r.getSegment())) {
        Files.delete(walDir.resolve(id.name()));
      }
    }
    DataDirFile.syncDirectory(walDir);
    DataDirFile.delete(dataDir.resolve(DataDirFile.VOTE_BARRIER));
    DataDirFile.write(dataDir.resolve(DataDirFile.CLUSTER), r.getCluster());
    DataDirFile.delete(dataDir.resolve(DataDirFile.FORCED_NEW_CLUSTER));
    return r;
  }

  /** Writes the new segment's header and frames, sized to fit them exactly. */
  private static void writeSegment(FileChannel out, Plan plan) throws IOException {
    OfflineSegmentWriter segment = new OfflineSegmentWriter(out, WalFormat.parseSegmentName(plan.record().getSegment()));
    segment.copyLog(plan.wal(), plan.keep());
    segment.add(RecordType.ENTRY, Entry.newBuilder().setIndex(plan.keep() + 1).setTerm(plan.hardState().getTerm())
        .setType(EntryType.CONFIG).setData(plan.configuration().toByteString()).build());
    segment.add(RecordType.HARD_STATE, plan.hardState());
    segment.writeHeader(segment.finish());
  }

  private static List<Long> ids(Configuration c) {
    List<Long> all = new ArrayList<>(c.getVotersList());
    all.addAll(c.getOutgoingVotersList());
    all.addAll(c.getLearnersList());
    return all;
  }

  /** A member by id, with its name and addresses if the cluster record or the configuration has them. */
  private static Member describe(long id, ClusterRecord record, Configuration c) {
    for (Member m : record.getMembersList()) {
      if (m.getId() == id) {
        return m;
      }
    }
    for (Member m : c.getMembersList()) {
      if (m.getId() == id) {
        return m;
      }
    }
    return Member.newBuilder().setId(id).setName(String.format("%016x", id)).build();
  }
}
