package io.raftd.ctl;

import io.raftd.datadir.OfflineAudit;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.raftd.client.RaftdClient;
import io.raftd.datadir.DataDirLock;
import io.raftd.proto.Member;
import io.raftd.proto.MemberStatus;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.walformat.SnapshotFile;
import io.raftd.walformat.SnapshotRestore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.zip.CRC32C;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code raftctl snapshot save} and {@code raftctl snapshot restore}: backups, and clusters made from them. */
final class SnapshotBackupCommands {
  private SnapshotBackupCommands() {}

  @Command(name = "save", description = {"Backs the cluster up into FILE: has --node NAME (default: the leader) take"
      + " a fresh snapshot (or, with --latest, use its newest), downloads it chunk by chunk, checks its size and"
      + " CRC32C against the snapshot's metadata and only then puts FILE in place (written beside it, forced,"
      + " renamed), so FILE is the old file or a whole, verified backup, never part of one.",
      "FILE is a snapshot file as raftd keeps them (raftctl snapshot restore reads it). A snapshot pruned by the"
      + " member during the download fails with exit 3: save again."})
  static final class Save extends CtlCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "where the backup goes")
    Path file;

    @Option(names = "--node", paramLabel = "NAME", completionCandidates = CompletionScript.MemberNames.class,
        description = "the member to back up (default: the leader)")
    String node;

    @Option(names = "--latest", description = "the newest snapshot the member keeps, rather than a fresh one")
    boolean latest;

    @Option(names = "--chunk-bytes", paramLabel = "N", description = "bytes per request (default: the member's, 1 MiB)")
    int chunkBytes;

    @Override
    int run(Raftctl ctl) throws Exception {
      if (chunkBytes < 0) {
        throw new CtlException(ExitCode.USAGE, "--chunk-bytes must not be negative: " + chunkBytes);
      }
      Path dir = file.toAbsolutePath().getParent();
      if (Files.isDirectory(file)) {
        throw new CtlException(ExitCode.USAGE, file + " is a directory: give the backup's file name");
      }
      if (dir == null || !Files.isDirectory(dir)) {
        throw new CtlException(ExitCode.USAGE, file + ": no such directory " + dir);
      }
      Cluster cluster = Cluster.ask(ctl.connection());
      MemberStatus m = node != null ? cluster.member(node) : cluster.member(cluster.leader().orElseThrow(
          () -> new CtlException(ExitCode.UNAVAILABLE, "no leader to back up: name a member with --node"))
          .getSelf().getName());
      Download d = new Download();
      SnapshotMetadata s;
      try (AtomicFile.Streamed out = new AtomicFile.Streamed(file)) {
        d.out = out;
        s = ctl.connection().client().saveSnapshot(m.getMember().getAdminAddress(), latest, chunkBytes, d);
        if (d.size != s.getSize() || (int) d.crc.getValue() != s.getChecksum()) {
          throw new CtlException(ExitCode.FAILURE, "the snapshot downloaded from " + m.getMember().getName() + " does"
              + " not match its metadata (" + d.size + " bytes, CRC32C " + String.format("%08x", (int) d.crc.getValue())
              + ", against " + s.getSize() + " bytes, CRC32C " + String.format("%08x", s.getChecksum()) + "): " + file
              + " was not written; save again");
        }
        out.write(SnapshotFile.trailer(s.toByteArray()));
        out.commit();
      }
      Output o = ctl.output();
      if (o.json) {
        JsonObject j = Json.snapshot(s);
        j.addProperty("node", m.getMember().getName());
        j.addProperty("file", file.toString());
        o.json(j);
      } else {
        o.line("saved snapshot " + Json.snapshotId(s) + " of " + m.getMember().getName() + " (index " + s.getIndex()
            + ", term " + s.getTerm() + ", " + Plural.of(s.getSize(), "byte") + ", CRC32C "
            + String.format("%08x", s.getChecksum()) + ") to " + file);
      }
      return ExitCode.OK;
    }

    /** Writes the chunks into the temporary file, counting and checksumming them as they come. */
    private static final class Download implements RaftdClient.SnapshotSink {
      AtomicFile.Streamed out;
      final CRC32C crc = new CRC32C();
      long size;

      @Override
      public void begin(SnapshotMetadata snapshot) {}

      @Override
      public void write(com.google.protobuf.ByteString data) throws IOException {
        ByteBuffer b = data.asReadOnlyByteBuffer();
        crc.update(b.duplicate());
        size += data.size();
        out.write(b);
      }
    }
  }

  @Command(name = "restore", description = {"Writes ONE new member's data directory from a backup (offline; raftd"
      + " need not run): run it once per member of the new cluster, each with its own --name and --data-dir and the"
      + " same FILE, --members and token. Starting raftd on every restored directory (its config giving the same"
      + " name, addresses, data_dir and the new cluster.token) forms the new cluster, holding the backup's state.",
      "The runs agree without talking: the new cluster id is derived from the backup's checksum, the member list and"
      + " the token, and each member's id from the cluster id and its name. The new cluster cannot talk to the old"
      + " one: another cluster id and another token.",
      "--members lists every member as NAME=PEER_HOST:PORT/ADMIN_HOST:PORT, comma-separated, e.g."
      + " n1=h1:7001/h1:8001,n2=h2:7001/h2:8001,n3=h3:7001/h3:8001;"
      + " all are voters.",
      "Refused (exit 2, nothing written): a --data-dir that is not empty, a --name not among --members, a name or"
      + " address given twice. A damaged FILE is refused (exit 1) naming the offset or checksum that fails."})
  static final class Restore extends CtlCommand {
    @Parameters(index = "0", paramLabel = "FILE", description = "the backup (raftctl snapshot save)")
    Path file;

    @Option(names = "--data-dir", required = true, paramLabel = "DIR", description = "the new member's data_dir:"
        + " absent or empty")
    Path dataDir;

    @Option(names = "--name", required = true, paramLabel = "NAME", description = "the member this directory is for")
    String name;

    @Option(names = "--members", required = true, paramLabel = "NAME=PEER/ADMIN,...",
        description = "every member of the new cluster (see above)")
    String members;

    // Not --token: that is every command's admin port credential (Raftctl), a different secret.
    @Option(names = "--cluster-token", paramLabel = "TOKEN",
        description = "the new cluster's cluster.token (or --cluster-token-file)")
    String token;

    @Option(names = "--cluster-token-file", paramLabel = "FILE", description = "a file holding the new cluster.token"
        + " (kept out of the process list)")
    Path tokenFile;

    @Override
    int run(Raftctl ctl) throws Exception {
      String t = token();
      SnapshotRestore.Plan plan;
      try {
        plan = SnapshotRestore.plan(file, dataDir, name, SnapshotRestore.parseMembers(members), t);
      } catch (SnapshotRestore.Refused e) {
        throw new CtlException(e.usage ? ExitCode.USAGE : ExitCode.FAILURE, e.getMessage());
      }
      try {
        SnapshotRestore.apply(plan);
      } catch (SnapshotRestore.Refused e) {
        throw new CtlException(ExitCode.USAGE, e.getMessage());
      } catch (DataDirLock.DataDirLockedException e) {
        throw new CtlException(ExitCode.FAILURE, e.getMessage());
      }
      SnapshotMetadata s = plan.snapshot();
      String cluster = hex(plan.cluster().getClusterId());
      OfflineAudit.record(dataDir, "snapshot_restore", "the snapshot at index " + s.getIndex() + " of " + file
          + " restored as member " + name + " of the new cluster " + cluster, System.currentTimeMillis());
      Output o = ctl.output();
      if (o.json) {
        JsonObject j = Json.snapshot(s);
        j.addProperty("data_dir", dataDir.toString());
        j.addProperty("name", name);
        j.addProperty("member_id", hex(plan.identity().getMemberId()));
        j.addProperty("cluster_id", cluster);
        JsonArray all = new JsonArray();
        for (Member m : plan.cluster().getMembersList()) {
          JsonObject jm = new JsonObject();
          jm.addProperty("name", m.getName());
          jm.addProperty("id", hex(m.getId()));
          jm.addProperty("peer_address", m.getPeerAddress());
          jm.addProperty("admin_address", m.getAdminAddress());
          all.add(jm);
        }
        j.add("members", all);
        o.json(j);
      } else {
        o.line("restored snapshot " + Json.snapshotId(s) + " (index " + s.getIndex() + ", term " + s.getTerm() + ") into "
            + dataDir + " as " + name + " (id " + hex(plan.identity().getMemberId()) + ") of the new cluster "
            + cluster + " with voters " + String.join(", ", plan.cluster().getMembersList().stream().map(Member::getName)
            .toList()));
        o.line("start raftd on it with name = \"" + name + "\", data_dir = \"" + dataDir + "\" and the new"
            + " cluster.token, once every member's directory is restored");
      }
      return ExitCode.OK;
    }

    private String token() throws CtlException {
      if ((token == null) == (tokenFile == null)) {
        throw new CtlException(ExitCode.USAGE,
            "give the new cluster's token with exactly one of --cluster-token and --cluster-token-file");
      }
      if (token != null) {
        return token;
      }
      try {
        return Files.readString(tokenFile, StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new CtlException(ExitCode.USAGE, "--cluster-token-file " + tokenFile + ": cannot be read ("
            + e.getMessage() + ")");
      }
    }
  }

  /** A cluster or member id as raftd prints them. */
  static String hex(long id) {
    return String.format("%016x", id);
  }
}
