package io.raftd.daemon;

import static io.raftd.daemon.AdminTokensFile.ADMIN_TOKEN;
import static io.raftd.daemon.AdminTokensFile.READ_TOKEN;
import static io.raftd.daemon.AdminTokensFile.WRITE_TOKEN;
import static io.raftd.daemon.AdminTokensFile.WRONG_TOKEN;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.datadir.OfflineAudit;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.CreateSnapshotRequest;
import io.raftd.proto.RemoveMemberRequest;
import io.raftd.proto.TransferLeaderRequest;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit stream ([audit]) in a file of its own: every state-changing request a member answered or
 * refused, with the caller's identity, its address, the operation and the outcome; reads never; writes
 * because audit.writes says so; no token in it, nor in any other log line. And what raftctl's offline
 * commands left in the data directory, recorded at the next start.
 */
class AuditTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  @TempDir Path dir;

  private final CapturedLogs logs = new CapturedLogs();

  @BeforeEach
  void capture() {
    logs.start(Level.DEBUG);
  }

  @AfterEach
  void release() {
    logs.stop();
  }

  @Test
  void anOfflineCommandsRecordGoesIntoTheStreamAtTheNextStart() throws Exception {
    Path auditFile = dir.resolve("audit.log");
    try (LocalCluster c = new LocalCluster(dir.resolve("cluster"), 1, LocalCluster.FAST_WAL
        + "[audit]\nfile = \"" + auditFile + "\"\n")) {
      c.startAll();
      c.awaitLeader();
      c.stop(0);
      // As raftctl recover or snapshot restore leaves it, with no member up to record it.
      OfflineAudit.record(c.dataDirs.get(0), "recover", "force-new-cluster: a test's", 1_700_000_000_000L);
      c.start(0);
      c.awaitLeader();
      List<JsonObject> records = Files.readAllLines(auditFile).stream()
          .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
      assertEquals(1, records.size(), records.toString());
      JsonObject r = records.get(0);
      assertEquals("recover", r.get("operation").getAsString());
      assertEquals(System.getProperty("user.name"), r.get("caller").getAsString());
      assertEquals("2023-11-14T22:13:20Z", r.get("time").getAsString(), "the time it was done, not the start's");
      assertTrue(r.get("remote").getAsString().startsWith("local ("), r.toString());
      assertEquals(List.of(), OfflineAudit.pending(c.dataDirs.get(0)), "recorded once, then deleted");
    }
  }

  @Test
  void everyStateChangingRequestIsRecordedWithItsCallerAndOutcome() throws Exception {
    Path auditFile = dir.resolve("audit.log");
    String toml = LocalCluster.FAST_WAL + AdminTokensFile.adminAuth(dir, 1000)
        + "[audit]\nfile = \"" + auditFile + "\"\nwrites = true\n";
    try (LocalCluster c = new LocalCluster(dir.resolve("cluster"), 1, toml)) {
      c.startAll();
      c.awaitLeader();
      String endpoint = c.adminAddresses.get(0);
      try (RaftdClient writer = RaftdClient.create(c.adminAddresses, TIMEOUT, WRITE_TOKEN);
           RaftdClient reader = RaftdClient.create(c.adminAddresses, TIMEOUT, READ_TOKEN);
           RaftdClient admin = RaftdClient.create(c.adminAddresses, TIMEOUT, ADMIN_TOKEN);
           RaftdClient guesser = RaftdClient.create(c.adminAddresses, TIMEOUT, WRONG_TOKEN)) {
        new KvClient(writer).put(ByteString.copyFromUtf8("k"), ByteString.copyFromUtf8("secret value"));
        new KvClient(reader).get(ByteString.copyFromUtf8("k"), false);
        admin.call(AdminRequest.newBuilder().setCreateSnapshot(CreateSnapshotRequest.getDefaultInstance()), true, false);
        ByteArrayOutputStream backup = new ByteArrayOutputStream();
        admin.saveSnapshot(endpoint, true, 64 * 1024, new RaftdClient.SnapshotSink() {
          @Override
          public void begin(io.raftd.proto.SnapshotMetadata snapshot) {}

          @Override
          public void write(ByteString data) throws java.io.IOException {
            data.writeTo(backup);
          }
        });
        // Straight to the member: a client finding the leader would be refused at its first status request.
        assertThrows(RaftdException.class, () -> reader.callAt(endpoint, AdminRequest.newBuilder()
            .setTransferLeader(TransferLeaderRequest.getDefaultInstance())));
        assertThrows(RaftdException.class, () -> guesser.callAt(endpoint, AdminRequest.newBuilder()
            .setRemoveMember(RemoveMemberRequest.newBuilder().setName("n1"))));
      }

      // Each record is written as its answer goes: poll until the last one is there.
      LocalCluster.await("the audit records", Duration.ofSeconds(20),
          () -> Files.readAllLines(auditFile).stream().anyMatch(l -> l.contains("remove_member")));
      List<JsonObject> records = Files.readAllLines(auditFile).stream()
          .map(l -> JsonParser.parseString(l).getAsJsonObject()).toList();
      assertEquals(List.of("write writer ok", "create_snapshot operator ok", "save_snapshot operator ok",
          "transfer_leader reader PERMISSION_DENIED", "remove_member unknown-token UNAUTHENTICATED"),
          records.stream().map(r -> r.get("operation").getAsString() + " " + r.get("caller").getAsString() + " "
              + r.get("outcome").getAsString()).toList(), "one record each; the get is not one");
      for (JsonObject r : records) {
        assertEquals("n1", r.get("member").getAsString());
        assertTrue(r.get("remote").getAsString().startsWith("127.0.0.1:"), r.toString());
        assertTrue(r.has("time"), r.toString());
      }
      assertTrue(records.get(3).get("error").getAsString().contains("needs the admin role"), records.get(3).toString());

      String everything = Files.readString(auditFile) + String.join("\n", logs.linesWithExceptions());
      for (String token : List.of(ADMIN_TOKEN, WRITE_TOKEN, READ_TOKEN, WRONG_TOKEN)) {
        assertFalse(everything.contains(token), "a token is in the audit file or a log line");
      }
      assertFalse(everything.contains("secret value"), "a written value is in the audit file or a log line");
      assertFalse(logs.lines().stream().anyMatch(l -> l.contains("\"operation\"")),
          "with audit.file the records are in that file alone, not the main log");
    }
  }
}
