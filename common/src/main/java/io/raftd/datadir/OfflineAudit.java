package io.raftd.datadir;

import io.raftd.proto.OfflineOperation;
import io.raftd.proto.PendingAudit;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.List;

/**
 * The audit records of raftctl's offline commands ({@code snapshot restore}, {@code recover}): no member is
 * up to record what they did, so they leave it in the data directory ({@link DataDirFile#AUDIT_PENDING}),
 * and the member puts it in its audit stream at its next start and then deletes it. A crash between the
 * two records it twice, never not at all.
 */
public final class OfflineAudit {
  private OfflineAudit() {}

  /** Adds a record of {@code operation}, done now by this process's user on this host. */
  public static void record(Path dataDir, String operation, String detail, long nowMs) throws IOException {
    Path file = dataDir.resolve(DataDirFile.AUDIT_PENDING);
    PendingAudit pending = DataDirFile.read(file, PendingAudit.parser());
    PendingAudit.Builder next = pending == null ? PendingAudit.newBuilder() : pending.toBuilder();
    next.addOperations(OfflineOperation.newBuilder().setTimeMs(nowMs).setOperation(operation)
        .setUser(System.getProperty("user.name", "unknown")).setHost(host()).setDetail(detail));
    DataDirFile.write(file, next.build());
  }

  /** The records waiting in {@code dataDir}, oldest first; empty if none. */
  public static List<OfflineOperation> pending(Path dataDir) throws IOException {
    PendingAudit pending = DataDirFile.read(dataDir.resolve(DataDirFile.AUDIT_PENDING), PendingAudit.parser());
    return pending == null ? List.of() : pending.getOperationsList();
  }

  /** Deletes the records, once they are in the audit stream. */
  public static void clear(Path dataDir) throws IOException {
    DataDirFile.delete(dataDir.resolve(DataDirFile.AUDIT_PENDING));
  }

  private static String host() {
    try {
      return InetAddress.getLocalHost().getHostName();
    } catch (IOException e) {
      return "unknown";
    }
  }
}
