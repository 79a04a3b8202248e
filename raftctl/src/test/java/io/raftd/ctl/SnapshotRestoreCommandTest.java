package io.raftd.ctl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import io.raftd.proto.Configuration;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.walformat.SnapshotFile;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code raftctl snapshot restore}'s checks and one-line refusals, and what a restore writes, offline. */
class SnapshotRestoreCommandTest {
  private static final String MEMBERS = "n1=127.0.0.1:7101/127.0.0.1:7201,n2=127.0.0.1:7102/127.0.0.1:7202,"
      + "n3=127.0.0.1:7103/127.0.0.1:7203";
  private static final String TOKEN = "restore-test-token-0123456789";

  @TempDir
  Path dir;

  private final Ctl ctl = new Ctl(List.of());

  /** A snapshot file as raftd writes them: data, metadata, trailer. */
  private Path backup(byte[] data) throws Exception {
    SnapshotMetadata meta = SnapshotMetadata.newBuilder().setIndex(42).setTerm(3).setSize(data.length)
        .setChecksum(SnapshotFile.crc(data)).setId(SnapshotFile.id(3, 42))
        .setConfiguration(Configuration.newBuilder().addVoters(11).addVoters(12).addVoters(13)).build();
    ByteBuffer trailer = SnapshotFile.trailer(meta.toByteArray());
    byte[] file = new byte[data.length + trailer.remaining()];
    System.arraycopy(data, 0, file, 0, data.length);
    trailer.get(file, data.length, trailer.remaining());
    Path p = dir.resolve("backup.snap");
    Files.write(p, file);
    return p;
  }

  private Ctl.Result restore(Path backup, Path dataDir, String name, String members, String token) {
    return ctl.run("-o", "json", "snapshot", "restore", backup.toString(), "--data-dir", dataDir.toString(), "--name",
        name, "--members", members, "--cluster-token", token);
  }

  @Test
  void eachMembersRunDerivesTheSameClusterAndWritesADirectoryTheWalToolsAccept() throws Exception {
    Path backup = backup("some state machine bytes".repeat(100).getBytes(StandardCharsets.UTF_8));
    JsonObject[] runs = new JsonObject[3];
    for (int i = 0; i < 3; i++) {
      Ctl.Result r = restore(backup, dir.resolve("n" + (i + 1)), "n" + (i + 1), MEMBERS, TOKEN);
      assertEquals(0, r.code(), r::toString);
      runs[i] = r.json();
      Ctl.Result verify = ctl.run("wal", "verify", "--data-dir", dir.resolve("n" + (i + 1)).toString());
      assertEquals(0, verify.code(), "the restored directory verifies: " + verify);
    }
    assertEquals(runs[0].get("cluster_id"), runs[1].get("cluster_id"));
    assertEquals(runs[0].get("cluster_id"), runs[2].get("cluster_id"));
    assertEquals(runs[0].get("members"), runs[2].get("members"), "every run lists the same members with the same ids");
    assertNotEquals(runs[0].get("member_id"), runs[1].get("member_id"));
    assertEquals(42, runs[0].get("index").getAsLong());
    assertTrue(Files.exists(dir.resolve("n1/snap/" + SnapshotFile.fileName(3, 42))));
    try (Stream<Path> left = Files.list(dir)) {
      assertFalse(left.anyMatch(p -> p.getFileName().toString().endsWith(".restore.tmp")), "no temporary directory left");
    }

    Ctl.Result otherToken = restore(backup, dir.resolve("other"), "n1", MEMBERS, TOKEN + "-2");
    assertEquals(0, otherToken.code(), otherToken::toString);
    assertNotEquals(runs[0].get("cluster_id"), otherToken.json().get("cluster_id"), "another token, another cluster");
  }

  @Test
  void aDamagedBackupIsRefusedNamingTheFileAndWhatFailsAndNothingIsWritten() throws Exception {
    byte[] data = "state".repeat(200).getBytes(StandardCharsets.UTF_8);
    Path backup = backup(data);
    byte[] bytes = Files.readAllBytes(backup);
    bytes[100] ^= 1;
    Files.write(backup, bytes);
    Path target = dir.resolve("n1");
    Ctl.Result r = restore(backup, target, "n1", MEMBERS, TOKEN);
    assertEquals(ExitCode.FAILURE, r.code(), r::toString);
    assertEquals(1, r.err().lines().count(), "one line: " + r);
    assertTrue(r.err().contains(backup.toString()) && r.err().contains("checksum mismatch"), r::toString);
    assertFalse(Files.exists(target), "nothing written");

    bytes[100] ^= 1;
    bytes[bytes.length - 3] ^= 1;  // the trailer's magic
    Files.write(backup, bytes);
    r = restore(backup, target, "n1", MEMBERS, TOKEN);
    assertEquals(ExitCode.FAILURE, r.code(), r::toString);
    assertTrue(r.err().contains(backup.toString()) && r.err().contains("at offset " + (bytes.length - 16)), r::toString);
    assertFalse(Files.exists(target), "nothing written");
  }

  @Test
  void argumentsAreCheckedBeforeAnythingIsWritten() throws Exception {
    Path backup = backup("x".repeat(64).getBytes(StandardCharsets.UTF_8));
    Path nonEmpty = dir.resolve("busy");
    Files.createDirectories(nonEmpty);
    Files.writeString(nonEmpty.resolve("something"), "mine");
    Ctl.Result r = restore(backup, nonEmpty, "n1", MEMBERS, TOKEN);
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertTrue(r.err().contains("is not empty (it holds something)"), r::toString);
    assertEquals(List.of("something"), Files.list(nonEmpty).map(p -> p.getFileName().toString()).toList());

    Path target = dir.resolve("fresh");
    r = restore(backup, target, "n4", MEMBERS, TOKEN);
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertTrue(r.err().contains("--name n4 is not among --members (n1, n2, n3)"), r::toString);

    r = restore(backup, target, "n1", "n1=127.0.0.1:7101", TOKEN);
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertTrue(r.err().contains("is not NAME=PEER_HOST:PORT/ADMIN_HOST:PORT"), r::toString);

    r = restore(backup, target, "n1", "n1=127.0.0.1:7101/127.0.0.1:7201,n1=127.0.0.1:7102/127.0.0.1:7202", TOKEN);
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertTrue(r.err().contains("names n1 twice"), r::toString);

    r = restore(backup, target, "n1", "n1=127.0.0.1:7101/127.0.0.1:7201,n2=127.0.0.1:7101/127.0.0.1:7202", TOKEN);
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertTrue(r.err().contains("the address 127.0.0.1:7101 twice"), r::toString);

    r = ctl.run("snapshot", "restore", backup.toString(), "--data-dir", target.toString(), "--name", "n1",
        "--members", MEMBERS);
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertTrue(r.err().contains("exactly one of --cluster-token and --cluster-token-file"), r::toString);

    r = restore(dir.resolve("missing.snap"), target, "n1", MEMBERS, TOKEN);
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertTrue(r.err().contains("missing.snap: no such file"), r::toString);
    assertFalse(Files.exists(target), "nothing written");
  }

  @Test
  void saveRefusesAFileInADirectoryThatDoesNotExist() {
    Ctl.Result r = new Ctl(List.of("127.0.0.1:1")).run("snapshot", "save", dir.resolve("no/such/dir/b.snap").toString());
    assertEquals(ExitCode.USAGE, r.code(), r::toString);
    assertTrue(r.err().contains("no such directory"), r::toString);
  }
}
