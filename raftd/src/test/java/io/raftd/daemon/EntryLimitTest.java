package io.raftd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.client.Session;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.KvAppend;
import io.raftd.proto.KvCas;
import io.raftd.proto.KvCommand;
import io.raftd.proto.KvPut;
import io.raftd.proto.WriteRequest;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.Socket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * raft.max_entry_bytes bounds every write's command, at limit - 1, limit and limit + 1, for each kind of
 * write (put, cas, append; with and without a session): refused by the client before sending when it knows
 * the limit, by the member's admin port when it does not; transport.max_frame_bytes is checked by the
 * client before sending, since the admin port only closes a connection whose frame is over it.
 */
class EntryLimitTest {
  private static final int LIMIT = 4096;
  private static final int MAX_FRAME = 2 << 20;

  @TempDir Path root;

  /** Each kind of write, as a command whose padding is n bytes. */
  private static final Map<String, IntFunction<KvCommand>> KINDS = Map.of(
      "put", n -> KvCommand.newBuilder().setPut(KvPut.newBuilder().setKey(ByteString.copyFromUtf8("k"))
          .setValue(ByteString.copyFrom(new byte[n]))).build(),
      "cas", n -> KvCommand.newBuilder().setCas(KvCas.newBuilder().setKey(ByteString.copyFromUtf8("k")).setAbsent(true)
          .setNewValue(ByteString.copyFrom(new byte[n]))).build(),
      "append", n -> KvCommand.newBuilder().setAppend(KvAppend.newBuilder().setPayload(ByteString.copyFrom(new byte[n])))
          .build());

  /** The command of this kind whose encoding is exactly {@code bytes} long. */
  private static byte[] sized(IntFunction<KvCommand> kind, int bytes) {
    for (int n = bytes; n >= 0; n--) {
      byte[] b = kind.apply(n).toByteArray();
      if (b.length == bytes) {
        return b;
      }
    }
    throw new AssertionError("no padding gives " + bytes + " bytes");
  }

  @Test
  void everyWriteIsRefusedOverTheLimitAndTakenAtItByTheClientAndByTheMember() throws Exception {
    try (LocalCluster c = new LocalCluster(root, 1, "[raft]\nmax_entry_bytes = " + LIMIT + "\n[transport]\nmax_frame_bytes = "
        + MAX_FRAME + "\n" + LocalCluster.FAST_WAL)) {
      c.startAll();
      c.awaitLeader();
      try (RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(10));
          Session session = client.openSession(Duration.ofSeconds(30))) {
        for (Map.Entry<String, IntFunction<KvCommand>> kind : KINDS.entrySet()) {
          for (String how : new String[] {"plain", "session"}) {
            String what = kind.getKey() + " (" + how + ")";
            for (int size : new int[] {LIMIT - 1, LIMIT}) {
              byte[] command = sized(kind.getValue(), size);
              assertTrue((how.equals("plain") ? client.write(command) : session.write(command)).getIndex() > 0, what);
            }
            byte[] over = sized(kind.getValue(), LIMIT + 1);
            RaftdException e = assertThrows(RaftdException.class, () -> {
              if (how.equals("plain")) {
                client.write(over);
              } else {
                session.write(over);
              }
            }, what);
            assertEquals(ErrorCode.INVALID_ARGUMENT, e.code(), what + ": " + e.getMessage());
            assertEquals("a command of " + (LIMIT + 1) + " bytes is over raft.max_entry_bytes = " + LIMIT
                + " (refused before sending: nothing was applied)", e.getMessage(), what);
          }
        }
        assertEquals(LIMIT, client.maxEntryBytes(), "learned from the member's status");

        // A read is not bounded by max_entry_bytes, only by the frame: refused before sending too.
        RaftdException frame = assertThrows(RaftdException.class, () -> client.read(new byte[MAX_FRAME + 1], true));
        assertEquals(ErrorCode.INVALID_ARGUMENT, frame.code(), frame.getMessage());
        assertTrue(frame.getMessage().contains("over transport.max_frame_bytes = " + MAX_FRAME), frame.getMessage());
      }

      // The member's own check, for clients that do not know the limit (older ones, other languages).
      String[] hostPort = c.adminAddresses.get(0).split(":");
      try (Socket s = new Socket(hostPort[0], Integer.parseInt(hostPort[1]))) {
        for (Map.Entry<String, IntFunction<KvCommand>> kind : KINDS.entrySet()) {
          assertFalse(exchange(s, sized(kind.getValue(), LIMIT)).hasError(), kind.getKey() + " at the limit");
          AdminResponse over = exchange(s, sized(kind.getValue(), LIMIT + 1));
          assertEquals(ErrorCode.INVALID_ARGUMENT, over.getError().getCode(), kind.getKey() + ": " + over);
          assertEquals("a command of " + (LIMIT + 1) + " bytes is over raft.max_entry_bytes = " + LIMIT,
              over.getError().getMessage());
        }
      }
    }
  }

  /** One write on a raw admin connection, as a client that checks nothing would send it. */
  private static AdminResponse exchange(Socket s, byte[] command) throws Exception {
    byte[] frame = AdminRequest.newBuilder().setId(1).setTimeoutMs(5000)
        .setWrite(WriteRequest.newBuilder().setCommand(ByteString.copyFrom(command))).build().toByteArray();
    DataOutputStream out = new DataOutputStream(s.getOutputStream());
    out.writeInt(frame.length);
    out.write(frame);
    out.flush();
    DataInputStream in = new DataInputStream(s.getInputStream());
    byte[] answer = new byte[in.readInt()];
    in.readFully(answer);
    return AdminResponse.parseFrom(answer);
  }
}
