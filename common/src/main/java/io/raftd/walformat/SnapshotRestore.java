package io.raftd.walformat;

import io.raftd.datadir.DataDirFile;
import io.raftd.datadir.PrivateFiles;
import io.raftd.proto.ClusterRecord;
import io.raftd.proto.Configuration;
import io.raftd.proto.HardState;
import io.raftd.proto.Member;
import io.raftd.proto.MemberIdentity;
import io.raftd.proto.SnapshotMetadata;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Offline restore of a backup ({@code raftctl snapshot restore}): writes ONE new member's data directory
 * from a snapshot file, so that raftd started on each restored directory forms a new cluster holding the
 * snapshot's state. Each member's directory is written by its own run; the runs agree without talking
 * because everything they must share is derived from what they are all given:
 *
 * <ul>
 *   <li><b>the cluster id</b>: the first 8 bytes of SHA-256 over the snapshot (index, term, size, CRC32C),
 *       the members (name, peer and admin address, sorted by name) and the new cluster token. The same
 *       backup restored with the same command line gives the same id; a different member list or token
 *       gives another. The old cluster's id is not in it, and a collision is a 2^-64 chance.
 *   <li><b>each member's id</b>: the first 8 bytes of SHA-256 over the cluster id and the member's name.
 * </ul>
 *
 * <p>What a restored directory holds: {@code identity} (the derived id and the name), {@code cluster} (the
 * cluster id, every listed member, and a bootstrap configuration with every one of them a voter),
 * {@code snap/<term>-<index>.snap} (the backup's data, its metadata's configuration replaced by the new
 * one), and {@code wal/} with one segment whose only records say the log starts after that snapshot and
 * the hard state (the snapshot's term, no vote, committed up to its index). raftd's normal start restores
 * the state machine from the snapshot and goes on from there.
 *
 * <p><b>Crash safety.</b> Everything is written into a temporary directory beside the target, each file
 * forced, and the directory renamed into place at the end (over an empty target directory): a crash
 * leaves no data directory, or a complete one. Where the rename is impossible (the target is a mount
 * point) the files are written in place, the identity last, as raftd's own first start does.
 */
public final class SnapshotRestore {
  private SnapshotRestore() {}

  /** The restore cannot be done as asked; nothing was written. */
  public static final class Refused extends Exception {
    /** The arguments are wrong (as opposed to the backup file or the file system). */
    public final boolean usage;

    Refused(String message, boolean usage) {
      super(message);
      this.usage = usage;
    }
  }

  /** A member of the new cluster as the command line gives it. */
  public record NewMember(String name, String peerAddress, String adminAddress) {}

  /**
   * Parses {@code name=peer_host:port/admin_host:port,...}.
   *
   * @throws Refused naming the item that does not parse
   */
  public static List<NewMember> parseMembers(String spec) throws Refused {
    List<NewMember> out = new ArrayList<>();
    for (String item : spec.split(",", -1)) {
      String s = item.strip();
      int eq = s.indexOf('=');
      int slash = s.indexOf('/', Math.max(eq, 0));
      if (eq <= 0 || slash < 0 || slash == eq + 1 || slash == s.length() - 1) {
        throw new Refused("--members: \"" + s + "\" is not NAME=PEER_HOST:PORT/ADMIN_HOST:PORT", true);
      }
      NewMember m = new NewMember(s.substring(0, eq), s.substring(eq + 1, slash), s.substring(slash + 1));
      for (String address : List.of(m.peerAddress(), m.adminAddress())) {
        int colon = address.lastIndexOf(':');
        if (colon <= 0 || !address.substring(colon + 1).matches("[0-9]{1,5}")
            || Integer.parseInt(address.substring(colon + 1)) > 65535) {
          throw new Refused("--members: " + m.name() + ": \"" + address + "\" is not HOST:PORT", true);
        }
      }
      out.add(m);
    }
    return out;
  }

  /**
   * What restoring {@code backup} into {@code dataDir} as member {@code name} writes.
   *
   * @param snapshot the backup's metadata as stored (verified)
   * @param metadata the metadata the restored snapshot file carries: the new configuration
   */
  public record Plan(Path backup, Path dataDir, SnapshotMetadata snapshot, SnapshotMetadata metadata, ClusterRecord cluster,
      MemberIdentity identity) {}

  /** Checks the arguments and the backup (every byte of it); reads only. */
  public static Plan plan(Path backup, Path dataDir, String name, List<NewMember> members, String token)
      throws IOException, Refused {
    if (token.isEmpty()) {
      throw new Refused("--cluster-token must not be empty: the restored cluster needs a token of its own", true);
    }
    Set<String> names = new HashSet<>();
    Set<String> addresses = new HashSet<>();
    for (NewMember m : members) {
      if (!names.add(m.name())) {
        throw new Refused("--members names " + m.name() + " twice", true);
      }
      for (String a : List.of(m.peerAddress(), m.adminAddress())) {
        if (!addresses.add(a)) {
          throw new Refused("--members gives the address " + a + " twice", true);
        }
      }
    }
    if (!names.contains(name)) {
      throw new Refused("--name " + name + " is not among --members (" + String.join(", ",
          members.stream().map(NewMember::name).sorted().toList()) + ")", true);
    }
    refuseNonEmpty(dataDir);
    if (!Files.isRegularFile(backup)) {
      throw new Refused(backup + ": no such file", true);
    }
    SnapshotMetadata stored;
    try (FileChannel ch = PrivateFiles.open(backup, StandardOpenOption.READ)) {
      stored = SnapshotFile.verify(ReadableFile.of(ch), backup.toString());
    } catch (SnapshotFile.DamagedException e) {
      throw new Refused(e.getMessage() + ": not restored; save a new backup (raftctl snapshot save)", false);
    }
    if (stored.getIndex() == 0) {
      throw new Refused(backup + ": the snapshot is at index 0: there is nothing to restore", false);
    }
    List<NewMember> sorted = members.stream().sorted(Comparator.comparing(NewMember::name)).toList();
    long clusterId = clusterId(stored, sorted, token);
    List<Member> all = new ArrayList<>();
    Configuration.Builder conf = Configuration.newBuilder();
    for (NewMember m : sorted) {
      long id = memberId(clusterId, m.name());
      all.add(Member.newBuilder().setName(m.name()).setId(id).setPeerAddress(m.peerAddress())
          .setAdminAddress(m.adminAddress()).build());
      conf.addVoters(id);
    }
    Configuration configuration = conf.build();
    ClusterRecord cluster = ClusterRecord.newBuilder().setClusterId(clusterId).setBootstrap(configuration)
        .addAllMembers(all).build();
    long self = all.stream().filter(m -> m.getName().equals(name)).findFirst().orElseThrow().getId();
    MemberIdentity identity = MemberIdentity.newBuilder().setMemberId(self).setName(name)
        .setCreatedMs(System.currentTimeMillis()).build();
    SnapshotMetadata metadata = stored.toBuilder().setConfiguration(configuration)
        .setId(SnapshotFile.id(stored.getTerm(), stored.getIndex())).build();
    return new Plan(backup, dataDir, stored, metadata, cluster, identity);
  }

  /** Writes the data directory (see the class comment for the order). */
  public static void apply(Plan plan) throws IOException, Refused {
    Path target = plan.dataDir().toAbsolutePath();
    refuseNonEmpty(target);
    Path parent = target.getParent();
    PrivateFiles.createDirectories(parent);
    Path temp = parent.resolve("." + target.getFileName() + ".restore.tmp");
    deleteTree(temp);  // an earlier restore's, interrupted
    PrivateFiles.createDirectories(temp);
    boolean moved = false;
    try {
      writeInto(temp, plan);
      DataDirFile.syncDirectory(temp);
      try {
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        moved = true;
      } catch (AtomicMoveNotSupportedException | DirectoryNotEmptyException e) {
        moved = false;
      } catch (FileSystemException e) {
        moved = false;  // the target is busy (a mount point): written in place below
      }
      if (moved) {
        DataDirFile.syncDirectory(parent);
        return;
      }
    } finally {
      if (!moved) {
        deleteTree(temp);
      }
    }
    refuseNonEmpty(target);
    PrivateFiles.createDirectories(target);
    writeInto(target, plan);
  }

  /** The files of the data directory, into {@code dir}; the identity last. */
  private static void writeInto(Path dir, Plan plan) throws IOException {
    Path snap = dir.resolve("snap");
    PrivateFiles.createDirectories(snap);
    SnapshotMetadata meta = plan.metadata();
    Path snapFile = snap.resolve(SnapshotFile.fileName(meta.getTerm(), meta.getIndex()));
    try (FileChannel in = PrivateFiles.open(plan.backup(), StandardOpenOption.READ);
         FileChannel out = PrivateFiles.open(snapFile, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      long size = plan.snapshot().getSize();
      for (long at = 0; at < size; ) {
        at += in.transferTo(at, size - at, out);
      }
      ByteBuffer trailer = SnapshotFile.trailer(meta.toByteArray());
      while (trailer.hasRemaining()) {
        out.write(trailer);
      }
      out.force(true);
    }
    DataDirFile.syncDirectory(snap);
    // Checked again as raftd will load it: the bytes copied are the bytes verified.
    try (FileChannel ch = PrivateFiles.open(snapFile, StandardOpenOption.READ)) {
      SnapshotFile.verify(ReadableFile.of(ch), snapFile.toString());
    }
    Path wal = dir.resolve("wal");
    PrivateFiles.createDirectories(wal);
    WalFormat.SegmentId first = new WalFormat.SegmentId(1, meta.getIndex() + 1);
    try (FileChannel out = PrivateFiles.open(wal.resolve(first.name()), StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      OfflineSegmentWriter segment = new OfflineSegmentWriter(out, first);
      segment.add(RecordType.SNAPSHOT_INSTALLED, meta);
      segment.add(RecordType.HARD_STATE, HardState.newBuilder().setTerm(meta.getTerm()).setCommit(meta.getIndex()).build());
      segment.writeHeader(segment.finish());
      out.force(true);
    }
    DataDirFile.syncDirectory(wal);
    DataDirFile.write(dir.resolve(DataDirFile.CLUSTER), plan.cluster());
    DataDirFile.write(dir.resolve(DataDirFile.IDENTITY), plan.identity());
  }

  /** The cluster id every run with the same backup, members and token derives (see the class comment). */
  static long clusterId(SnapshotMetadata s, List<NewMember> sortedMembers, String token) {
    StringBuilder b = new StringBuilder("raftd snapshot restore v1\n");
    b.append(s.getIndex()).append('\n').append(s.getTerm()).append('\n').append(s.getSize()).append('\n')
        .append(Integer.toUnsignedString(s.getChecksum())).append('\n');
    for (NewMember m : sortedMembers) {
      b.append(m.name()).append('\n').append(m.peerAddress()).append('\n').append(m.adminAddress()).append('\n');
    }
    b.append(token);
    return nonZero(sha256(b.toString()));
  }

  static long memberId(long clusterId, String name) {
    return nonZero(sha256("raftd restored member v1\n" + Long.toUnsignedString(clusterId) + "\n" + name));
  }

  private static long nonZero(long v) {
    return v == 0 ? 1 : v;
  }

  private static long sha256(String s) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
      return ByteBuffer.wrap(d).getLong();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is missing from this JVM", e);
    }
  }

  private static void refuseNonEmpty(Path dataDir) throws IOException, Refused {
    if (!Files.exists(dataDir)) {
      return;
    }
    if (!Files.isDirectory(dataDir)) {
      throw new Refused("--data-dir " + dataDir + " is not a directory", true);
    }
    try (Stream<Path> s = Files.list(dataDir)) {
      List<String> names = s.map(p -> p.getFileName().toString()).filter(n -> !n.equals("lost+found")).sorted().toList();
      if (!names.isEmpty()) {
        throw new Refused("--data-dir " + dataDir + " is not empty (it holds " + names.get(0)
            + (names.size() > 1 ? " and " + (names.size() - 1) + " more" : "") + "): restore writes a new member's"
            + " data directory; give an absent or empty one", true);
      }
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (Stream<Path> all = Files.walk(p)) {
      for (Path q : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
