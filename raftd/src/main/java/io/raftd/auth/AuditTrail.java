package io.raftd.auth;

import com.google.gson.JsonObject;
import com.google.protobuf.Message;
import com.google.protobuf.TextFormat;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.OfflineOperation;
import io.raftd.transport.AdminAudit;
import io.raftd.transport.AdminGate;
import java.time.Instant;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit stream ({@code [audit]}): one JSON object per state-changing admin request this member answered
 * or refused: membership changes, leadership transfers, snapshots, backups (when one starts and when its
 * last chunk goes), and with {@code audit.writes} the writes and sessions. Each names the time, this member,
 * the caller's identity and remote address, the operation with its arguments, and the outcome ({@code ok}
 * or the error code, with its message). Reads are not recorded, and neither is what a write writes: the
 * stream says who changed what kind of thing, never a value or a token.
 *
 * <p>It goes to the logger {@code raftd.audit.MEMBER}, which logs to the main log unless {@code audit.file}
 * gives it a file of its own ({@code AuditLog}).
 */
public final class AuditTrail implements AdminAudit {
  /** The prefix of every member's audit logger: what operators filter or route on. */
  public static final String LOGGER = "raftd.audit";

  private final String member;
  private final boolean writes;
  private final LongSupplier clockMillis;
  private final Logger log;

  /**
   * @param writes whether writes and sessions are recorded too
   * @param clockMillis the wall clock, for each record's time
   */
  public AuditTrail(String member, boolean writes, LongSupplier clockMillis) {
    this.member = member;
    this.writes = writes;
    this.clockMillis = clockMillis;
    this.log = LoggerFactory.getLogger(loggerName(member));
  }

  public static String loggerName(String member) {
    return LOGGER + "." + member;
  }

  @Override
  public void answered(AdminRequest request, AdminResponse response, AdminGate.Caller caller, String identity) {
    if (!recorded(request, response)) {
      return;
    }
    JsonObject line = new JsonObject();
    line.addProperty("time", Instant.ofEpochMilli(clockMillis.getAsLong()).toString());
    line.addProperty("member", member);
    line.addProperty("caller", identity);
    line.addProperty("remote", caller.remote().getAddress().getHostAddress() + ":" + caller.remote().getPort());
    line.addProperty("operation", RequiredRoles.operation(request.getBodyCase()));
    String detail = detail(request);
    if (!detail.isEmpty()) {
      line.addProperty("detail", detail);
    }
    if (response.hasError()) {
      line.addProperty("outcome", response.getError().getCode().name());
      line.addProperty("error", response.getError().getMessage());
    } else {
      line.addProperty("outcome", "ok");
    }
    log.info("{}", line);
  }

  /**
   * What one of raftctl's offline commands did to this member's data directory while no member ran
   * ({@code OfflineAudit}): recorded at the start after it, with the time it was done, the operating-system
   * user as the caller and {@code local} as the address.
   */
  public void offline(OfflineOperation op) {
    JsonObject line = new JsonObject();
    line.addProperty("time", Instant.ofEpochMilli(op.getTimeMs()).toString());
    line.addProperty("member", member);
    line.addProperty("caller", op.getUser());
    line.addProperty("remote", "local (" + op.getHost() + ")");
    line.addProperty("operation", op.getOperation());
    line.addProperty("detail", op.getDetail());
    line.addProperty("outcome", "ok");
    line.addProperty("offline", true);
    log.info("{}", line);
  }

  /** State-changing requests; of a backup's many chunk requests, the first and the last. */
  private boolean recorded(AdminRequest request, AdminResponse response) {
    return switch (request.getBodyCase()) {
      case CREATE_SNAPSHOT, TRANSFER_LEADER, ADD_MEMBER, PROMOTE_MEMBER, REMOVE_MEMBER, CHANGE_MEMBERSHIP -> true;
      case SAVE_SNAPSHOT -> request.getSaveSnapshot().getId().isEmpty() || response.getSaveSnapshot().getDone()
          || response.hasError();
      case WRITE, OPEN_SESSION, CLOSE_SESSION -> writes;
      case STATUS, CLUSTER_STATUS, READ, LIST_SNAPSHOTS, LIST_MEMBERS, READ_LOG, WATCH_EVENTS, KEEP_ALIVE,
          BODY_NOT_SET -> false;
    };
  }

  /** The request's arguments, except a write's command (its key and value are the caller's data). */
  private static String detail(AdminRequest request) {
    return switch (request.getBodyCase()) {
      case WRITE -> "session: " + request.getWrite().getSession() + " seq: " + request.getWrite().getSeq()
          + " bytes: " + request.getWrite().getCommand().size();
      case ADD_MEMBER, PROMOTE_MEMBER, REMOVE_MEMBER, CHANGE_MEMBERSHIP, TRANSFER_LEADER, SAVE_SNAPSHOT,
          OPEN_SESSION, CLOSE_SESSION, CREATE_SNAPSHOT -> TextFormat.shortDebugString(
              (Message) request.getField(request.getDescriptorForType().findFieldByNumber(
                  request.getBodyCase().getNumber())));
      default -> "";
    };
  }
}
