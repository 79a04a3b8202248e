package io.raftd.client;

import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.Member;
import io.raftd.proto.NodeStatus;
import io.raftd.proto.OpenSessionRequest;
import io.raftd.proto.ReadRequest;
import io.raftd.proto.ReadResponse;
import io.raftd.proto.StatusRequest;
import io.raftd.proto.WriteRequest;
import io.raftd.proto.WriteResponse;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * The client library: raftctl and the tests reach a cluster through it. Give it some members' admin
 * addresses; it finds the leader (following NOT_LEADER hints), retries what is safe to retry within the
 * deadline, and reports everything else as a {@link RaftdException} whose code is the admin API's.
 *
 * <p>Retried: requests refused before they took effect (NOT_LEADER, a member unreachable before the
 * request was sent, reads and status). Not retried outside a session: a write whose outcome is unknown
 * (the connection broke after it was sent, UNKNOWN_OUTCOME, TIMEOUT); {@link Session} retries those safely.
 * Thread-safe.
 */
public final class RaftdClient implements AutoCloseable {
  private final List<String> endpoints;
  private final Duration timeout;
  private volatile Consumer<String> wireLog = line -> {};
  private AdminConnection current;
  private String leaderAddress;

  private RaftdClient(List<String> endpoints, Duration timeout) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no endpoints given");
    }
    endpoints.forEach(AdminConnection::parse);  // fail early on a malformed endpoint
    this.endpoints = List.copyOf(endpoints);
    this.timeout = timeout;
  }

  /** A client over these admin addresses (host:port); connections are made on first use. */
  public static RaftdClient create(List<String> endpoints, Duration timeout) {
    return new RaftdClient(endpoints, timeout);
  }

  /** Hands every request sent and answer received to {@code log}, one line each (raftctl --debug). */
  public void wireLog(Consumer<String> log) {
    this.wireLog = log;
  }

  public Duration timeout() {
    return timeout;
  }

  /** The status of the member this client is connected to (or of {@code endpoint}, if not null). */
  public NodeStatus status(String endpoint) throws RaftdException, InterruptedException {
    AdminRequest.Builder r = AdminRequest.newBuilder().setStatus(StatusRequest.getDefaultInstance());
    return (endpoint != null ? callAt(endpoint, r) : call(r, false, true)).getStatus();
  }

  /**
   * Sends a request to one member, whoever leads, on a connection of its own; nothing is retried. For what
   * is about that member: its status, its snapshots.
   */
  public AdminResponse callAt(String endpoint, AdminRequest.Builder request) throws RaftdException, InterruptedException {
    try (AdminConnection c = new AdminConnection(endpoint, connectTimeoutMs())) {
      AdminResponse r = exchange(c, request.setTimeoutMs(timeoutMs()), deadline(), true);
      if (r.hasError()) {
        throw new RaftdException(r.getError().getCode(), r.getError().getMessage(),
            r.getError().hasLeader() ? r.getError().getLeader() : null);
      }
      return r;
    } catch (IOException e) {
      throw RaftdException.unreachable(endpoint + " is unreachable: " + e.getMessage(), e);
    }
  }

  /** Proposes a state machine command outside any session: a retry after an unknown outcome may apply it twice. */
  public WriteResponse write(byte[] command) throws RaftdException, InterruptedException {
    return call(AdminRequest.newBuilder().setWrite(WriteRequest.newBuilder().setCommand(ByteString.copyFrom(command))),
        true, false).getWrite();
  }

  /** A linearizable read (or a stale one, served by whichever member answers). */
  public ReadResponse read(byte[] query, boolean stale) throws RaftdException, InterruptedException {
    return call(AdminRequest.newBuilder().setRead(ReadRequest.newBuilder().setQuery(ByteString.copyFrom(query)).setStale(stale)),
        false, true).getRead();
  }

  /** Opens a session: writes through it apply exactly once however often they are retried. */
  public Session openSession(Duration sessionTimeout) throws RaftdException, InterruptedException {
    AdminResponse r = call(AdminRequest.newBuilder().setOpenSession(
        OpenSessionRequest.newBuilder().setTimeoutMs((int) sessionTimeout.toMillis())), true, false);
    return new Session(this, r.getOpenSession().getSession(), Duration.ofMillis(r.getOpenSession().getTimeoutMs()));
  }

  /**
   * Sends a request, to the leader if {@code leaderOnly}, retrying refusals within the deadline.
   *
   * @param idempotent whether a request whose outcome is unknown may be sent again
   */
  public AdminResponse call(AdminRequest.Builder request, boolean leaderOnly, boolean idempotent)
      throws RaftdException, InterruptedException {
    return call(request, leaderOnly, idempotent, deadline());
  }

  /**
   * {@link #call(AdminRequest.Builder, boolean, boolean)} giving up at {@code deadline} (a
   * {@link System#nanoTime()} value) rather than the client's timeout from now: for callers that make
   * several calls within one timeout.
   */
  public AdminResponse call(AdminRequest.Builder request, boolean leaderOnly, boolean idempotent, long deadline)
      throws RaftdException, InterruptedException {
    RaftdException last = null;
    int attempt = 0;
    while (System.nanoTime() - deadline < 0) {
      long left = deadline - System.nanoTime();
      if (last != null && left < lastAttemptNanos()) {
        // Every answer so far was a clean refusal: a write sent now could only time out, and its outcome
        // would then be unknown. Report the refusal instead.
        break;
      }
      // The server gets a little less than what is left, so that its answer (a TIMEOUT, a status with
      // members it could not reach) arrives before this client stops waiting for it.
      long leftMs = TimeUnit.NANOSECONDS.toMillis(left);
      request.setTimeoutMs((int) Math.max(1, leftMs - Math.min(leftMs / 5, 1000)));
      AdminConnection c;
      try {
        c = connection(leaderOnly, attempt);
      } catch (RaftdException e) {
        last = e;
        pause(attempt++, deadline);
        continue;
      }
      try {
        AdminResponse r = exchange(c, request, deadline, idempotent);
        if (!r.hasError()) {
          return r;
        }
        ErrorCode code = r.getError().getCode();
        Member leader = r.getError().hasLeader() ? r.getError().getLeader() : null;
        last = new RaftdException(code, r.getError().getMessage(), leader);
        if (code == ErrorCode.NOT_LEADER) {
          redirect(c, leader);
        } else if (code != ErrorCode.NO_QUORUM && code != ErrorCode.BUSY) {
          throw last;
        }
      } catch (RaftdException e) {
        if (!e.unreachable()) {
          throw e;
        }
        last = e;
        drop(c);
      }
      pause(attempt++, deadline);
    }
    throw last != null ? last : new RaftdException(ErrorCode.TIMEOUT, "no answer within " + timeout.toMillis() + " ms", null);
  }

  private AdminResponse exchange(AdminConnection c, AdminRequest.Builder request, long deadline, boolean idempotent)
      throws RaftdException, InterruptedException {
    Consumer<String> log = wireLog;
    log.accept("-> " + c.address + " " + request.getBodyCase() + " (" + request.build().getSerializedSize() + " bytes)");
    try {
      AdminResponse r = await(c, c.send(request), deadline, idempotent);
      log.accept("<- " + c.address + " " + (r.hasError() ? r.getError().getCode() + ": " + r.getError().getMessage()
          : r.getBodyCase() + " (" + r.getSerializedSize() + " bytes)"));
      return r;
    } catch (RaftdException e) {
      log.accept("<- " + c.address + " failed: " + e.getMessage());
      throw e;
    }
  }

  private AdminResponse await(AdminConnection c, CompletableFuture<AdminResponse> f, long deadline, boolean idempotent)
      throws RaftdException, InterruptedException {
    try {
      return f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (idempotent || e.getCause() instanceof AdminConnection.NotSent) {
        throw RaftdException.unreachable(c.address + ": " + e.getCause().getMessage(), e.getCause());
      }
      throw new RaftdException(ErrorCode.UNKNOWN_OUTCOME, c.address + " went away after the write was sent ("
          + e.getCause().getMessage() + "): it may or may not have applied", null);
    } catch (TimeoutException e) {
      throw new RaftdException(idempotent ? ErrorCode.TIMEOUT : ErrorCode.UNKNOWN_OUTCOME,
          c.address + " did not answer within " + timeout.toMillis() + " ms", null);
    }
  }

  private synchronized AdminConnection connection(boolean leaderOnly, int attempt) throws RaftdException {
    if (current != null && !current.isBroken()) {
      return current;
    }
    List<String> order = new ArrayList<>();
    if (leaderAddress != null) {
      order.add(leaderAddress);
    }
    for (int i = 0; i < endpoints.size(); i++) {
      order.add(endpoints.get((i + attempt) % endpoints.size()));
    }
    List<String> failures = new ArrayList<>();
    for (String address : order) {
      try {
        current = new AdminConnection(address, connectTimeoutMs());
        return current;
      } catch (IOException e) {
        failures.add(address + " (" + e.getMessage() + ")");
      }
    }
    throw RaftdException.unreachable("no member reachable: " + String.join(", ", failures), null);
  }

  private synchronized void redirect(AdminConnection from, Member leader) {
    if (leader != null && !leader.getAdminAddress().isEmpty() && !leader.getAdminAddress().equals(from.address)) {
      leaderAddress = leader.getAdminAddress();
    } else {
      leaderAddress = null;  // no leader known here: try the next member
    }
    // Other threads may still await answers on it: close it only once they have them.
    if (current == from) {
      current = null;
    }
    from.retire();
  }

  private synchronized void drop(AdminConnection c) {
    c.close();
    if (current == c) {
      current = null;
    }
  }

  private static void pause(int attempt, long deadline) throws InterruptedException {
    long ms = Math.min(500, 20L << Math.min(attempt, 5));
    long left = TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime());
    if (left > 0) {
      Thread.sleep(Math.min(ms, left));  // backoff between retries, not synchronisation
    }
  }

  /** The least time left worth another attempt after a refusal: a tenth of the timeout, 50 ms to 1 s. */
  private long lastAttemptNanos() {
    return TimeUnit.MILLISECONDS.toNanos(Math.max(50, Math.min(1000, timeout.toMillis() / 10)));
  }

  /** The client's timeout from now, as a {@link System#nanoTime()} deadline. */
  public long deadline() {
    return System.nanoTime() + timeout.toNanos();
  }

  private int timeoutMs() {
    return (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
  }

  private int connectTimeoutMs() {
    return (int) Math.min(2000, Math.max(100, timeout.toMillis() / 2));
  }

  @Override
  public synchronized void close() {
    if (current != null) {
      current.close();
      current = null;
    }
  }
}
