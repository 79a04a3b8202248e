package io.raftd.client;

import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.Member;
import io.raftd.proto.NodeStatus;
import io.raftd.proto.OpenSessionRequest;
import io.raftd.proto.ReadRequest;
import io.raftd.proto.ReadResponse;
import io.raftd.proto.SaveSnapshotRequest;
import io.raftd.proto.SaveSnapshotResponse;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.proto.StatusRequest;
import io.raftd.proto.WatchEventsRequest;
import io.raftd.proto.WriteRequest;
import io.raftd.proto.WriteResponse;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;
import java.util.stream.Collectors;

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
  /** The token every request carries, and TLS on every connection. */
  private final AdminCredentials credentials;
  private volatile Consumer<String> wireLog = line -> {};
  private static final long MIN_ATTEMPT_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final HungMembers hung = new HungMembers();
  private final ServerLimits limits = new ServerLimits();
  /** Opens discovery's connections, one thread per endpoint at most. */
  private final ExecutorService connector = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "raftd-client-connect");
    t.setDaemon(true);
    return t;
  });
  private AdminConnection current;
  private String leaderAddress;

  private RaftdClient(List<String> endpoints, Duration timeout, AdminCredentials credentials) {
    if (endpoints.isEmpty()) {
      throw new IllegalArgumentException("no endpoints given");
    }
    endpoints.forEach(AdminConnection::parse);  // fail early on a malformed endpoint
    this.endpoints = List.copyOf(endpoints);
    this.timeout = timeout;
    this.credentials = credentials;
  }

  /** A client over these admin addresses (host:port), without a token; connections are made on first use. */
  public static RaftdClient create(List<String> endpoints, Duration timeout) {
    return create(endpoints, timeout, AdminCredentials.NONE);
  }

  /**
   * A client whose every request carries {@code token}, for members with authentication ({@code [admin_auth]}):
   * one from their tokens file, whose role allows what the client asks; empty for none.
   */
  public static RaftdClient create(List<String> endpoints, Duration timeout, String token) {
    return create(endpoints, timeout, new AdminCredentials(token, null));
  }

  /** A client presenting {@code credentials}: a token, and TLS for members with {@code [admin_tls]}. */
  public static RaftdClient create(List<String> endpoints, Duration timeout, AdminCredentials credentials) {
    return new RaftdClient(endpoints, timeout, credentials);
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
    try (AdminConnection c = open(endpoint)) {
      AdminResponse r = exchange(c, request.setTimeoutMs(timeoutMs()), deadline(), true);
      if (r.hasStatus()) {
        limits.learn(r.getStatus());
      }
      if (r.hasError()) {
        throw new RaftdException(r.getError().getCode(), r.getError().getMessage(),
            r.getError().hasLeader() ? r.getError().getLeader() : null);
      }
      return r;
    } catch (IOException e) {
      throw RaftdException.unreachable(endpoint + " is unreachable: " + e.getMessage(), e);
    }
  }

  /**
   * Watches the events of the member at {@code endpoint} (whoever leads) on a connection of its own, until the
   * watch is closed, the member cuts it off or the connection breaks (see {@link EventWatch#ended}).
   *
   * @throws RaftdException unreachable if no connection could be made
   */
  public EventWatch watchEvents(String endpoint, EventWatch.Sink sink) throws RaftdException {
    AdminConnection c;
    try {
      c = open(endpoint);
    } catch (IOException e) {
      throw RaftdException.unreachable(endpoint + " is unreachable: " + e.getMessage(), e);
    }
    EventWatch watch = new EventWatch(endpoint, c, sink);
    c.stream(AdminRequest.newBuilder().setWatchEvents(WatchEventsRequest.getDefaultInstance()), watch::frame)
        .whenComplete((ok, why) -> watch.connectionEnded(why));
    return watch;
  }

  /** Where a snapshot download's data goes, in order (see {@link #saveSnapshot}). */
  public interface SnapshotSink {
    /** The snapshot being downloaded, before its first bytes. */
    void begin(SnapshotMetadata snapshot) throws IOException;

    void write(ByteString data) throws IOException;
  }

  /**
   * Downloads a snapshot from the member at {@code endpoint} (a backup) over one connection: a fresh one,
   * or with {@code latest} the newest it keeps, chunk by chunk, each request given the client's timeout.
   * A member busy taking another snapshot is asked again within the timeout. The caller checks the bytes
   * against the metadata (size and CRC32C).
   *
   * @param chunkBytes the chunk size to ask for (0: the member's default; it caps it to fit its frames)
   * @return the snapshot's metadata
   * @throws RaftdException as the member answered (NOT_FOUND: pruned meanwhile, start again)
   */
  public SnapshotMetadata saveSnapshot(String endpoint, boolean latest, int chunkBytes, SnapshotSink sink)
      throws RaftdException, InterruptedException, IOException {
    AdminConnection c;
    try {
      c = open(endpoint);
    } catch (IOException e) {
      throw RaftdException.unreachable(endpoint + " is unreachable: " + e.getMessage(), e);
    }
    try (c) {
      SaveSnapshotRequest.Builder ask = SaveSnapshotRequest.newBuilder().setLatest(latest).setMaxBytes(chunkBytes);
      long firstDeadline = deadline();
      SnapshotMetadata snapshot = null;
      long offset = 0;
      for (int attempt = 0; ; ) {
        AdminRequest.Builder request = AdminRequest.newBuilder().setSaveSnapshot(ask).setTimeoutMs(timeoutMs());
        AdminResponse r = exchange(c, request, snapshot == null ? firstDeadline : deadline(), true);
        if (r.hasError()) {
          if (snapshot == null && r.getError().getCode() == ErrorCode.BUSY
              && firstDeadline - System.nanoTime() > lastAttemptNanos()) {
            pause(attempt++, firstDeadline);
            continue;
          }
          throw new RaftdException(r.getError().getCode(), r.getError().getMessage(), null);
        }
        SaveSnapshotResponse chunk = r.getSaveSnapshot();
        if (snapshot == null) {
          snapshot = chunk.getSnapshot();
          sink.begin(snapshot);
          ask.setId(snapshot.getId());
        } else if (!chunk.getSnapshot().getId().equals(snapshot.getId()) || chunk.getOffset() != offset) {
          throw new RaftdException(ErrorCode.INTERNAL, endpoint + " answered with snapshot " + chunk.getSnapshot().getId()
              + " at offset " + chunk.getOffset() + ", not " + snapshot.getId() + " at " + offset, null);
        }
        sink.write(chunk.getData());
        offset += chunk.getData().size();
        if (chunk.getDone()) {
          return snapshot;
        }
        if (chunk.getData().isEmpty()) {
          throw new RaftdException(ErrorCode.INTERNAL, endpoint + " sent an empty chunk of snapshot " + snapshot.getId()
              + " at offset " + offset + " before its end", null);
        }
        ask.setOffset(offset);
      }
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
   *
   * <p>Each attempt gets a share of what is left ({@link #attemptNanos}), never all of it: a member that
   * does not answer within its attempt is remembered as hung (tried last, no redirect followed to it),
   * its connection is dropped, and the next attempt goes to another member.
   */
  public AdminResponse call(AdminRequest.Builder request, boolean leaderOnly, boolean idempotent, long deadline)
      throws RaftdException, InterruptedException {
    RaftdException last = null;
    Map<String, String> heard = new LinkedHashMap<>();  // member -> what became of the last attempt there
    int attempt = 0;
    while (System.nanoTime() - deadline < 0) {
      long left = deadline - System.nanoTime();
      if (last != null && left < lastAttemptNanos()) {
        // Every answer so far was a clean refusal: a write sent now could only time out, and its outcome
        // would then be unknown. Report the refusal instead.
        break;
      }
      long attemptDeadline = System.nanoTime() + attemptNanos(left);
      // The server gets a little less than the attempt, so that its answer (a TIMEOUT, a status with
      // members it could not reach) arrives before this client stops waiting for it.
      long attemptMs = TimeUnit.NANOSECONDS.toMillis(attemptDeadline - System.nanoTime());
      request.setTimeoutMs((int) Math.max(1, attemptMs - Math.min(attemptMs / 5, 1000)));
      limits.check(request, request.build().getSerializedSize());
      AdminConnection c;
      try {
        c = connection(attemptDeadline);
      } catch (RaftdException e) {
        if (e.refusedAccess()) {
          throw e;  // every member answers the same to this credential
        }
        last = e;
        heard.put("discovery", e.getMessage());
        pause(attempt++, deadline);
        continue;
      }
      try {
        AdminResponse r = exchange(c, request, attemptDeadline, idempotent);
        hung.answered(c.address);
        if (!r.hasError()) {
          return r;
        }
        ErrorCode code = r.getError().getCode();
        Member leader = r.getError().hasLeader() ? r.getError().getLeader() : null;
        last = new RaftdException(code, r.getError().getMessage(), leader);
        heard.put(c.address, "answered " + code);
        if (code == ErrorCode.NOT_LEADER) {
          redirect(c, leader);
        } else if ((code == ErrorCode.TIMEOUT || code == ErrorCode.DIVERGED) && idempotent) {
          drop(c);  // it could not finish in time (cut off from the leader?), or its state is bad: ask another
        } else if (code != ErrorCode.NO_QUORUM && code != ErrorCode.BUSY) {
          throw last;
        }
      } catch (AttemptTimedOut e) {
        hung.hung(c.address);
        drop(c);
        heard.put(c.address, "did not answer within " + e.attemptMs + " ms");
        if (!idempotent) {
          throw new RaftdException(ErrorCode.UNKNOWN_OUTCOME, e.getMessage() + ": the write may or may not have applied",
              null);
        }
        last = new RaftdException(ErrorCode.TIMEOUT, e.getMessage(), null);
        continue;  // no pause: the next attempt goes to another member
      } catch (RaftdException e) {
        if (!e.unreachable()) {
          throw e;
        }
        last = e;
        heard.put(c.address, "unreachable");
        drop(c);
      }
      pause(attempt++, deadline);
    }
    if (last == null) {
      throw new RaftdException(ErrorCode.TIMEOUT, "no answer within " + timeout.toMillis() + " ms", null);
    }
    throw last.withContext(heard.isEmpty() ? "" : "members: " + heard.entrySet().stream()
        .map(h -> h.getKey() + " " + h.getValue()).collect(Collectors.joining(", ")));
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
    long wait = Math.max(1, deadline - System.nanoTime());
    try {
      return f.get(wait, TimeUnit.NANOSECONDS);
    } catch (ExecutionException e) {
      if (idempotent || e.getCause() instanceof AdminConnection.NotSent) {
        throw RaftdException.unreachable(c.address + ": " + e.getCause().getMessage(), e.getCause());
      }
      throw new RaftdException(ErrorCode.UNKNOWN_OUTCOME, c.address + " went away after the write was sent ("
          + e.getCause().getMessage() + "): it may or may not have applied", null);
    } catch (TimeoutException e) {
      throw new AttemptTimedOut(c.address, TimeUnit.NANOSECONDS.toMillis(wait));
    }
  }

  /** One attempt had no answer in its share of the time: the member may hang; the caller moves on. */
  private static final class AttemptTimedOut extends RaftdException {
    final long attemptMs;

    AttemptTimedOut(String address, long attemptMs) {
      super(ErrorCode.TIMEOUT, address + " did not answer within " + attemptMs + " ms", null);
      this.attemptMs = attemptMs;
    }
  }

  /**
   * The connection requests go to: the current one; else the leader a member named; else the one
   * {@link LeaderDiscovery} finds by asking every endpoint at once.
   */
  private AdminConnection connection(long attemptDeadline) throws RaftdException, InterruptedException {
    String hinted;
    synchronized (this) {
      if (current != null && !current.isBroken()) {
        return current;
      }
      hinted = leaderAddress;
      leaderAddress = null;
    }
    AdminConnection c = null;
    if (hinted != null && !hung.isHung(hinted)) {
      try {
        c = open(hinted);
      } catch (IOException e) {
        // the hint is stale or the leader is down: ask everyone
      }
    }
    if (c == null) {
      List<String> asked = new ArrayList<>(endpoints);
      if (hinted != null) {
        asked.add(0, hinted);
      }
      c = new LeaderDiscovery(asked, hung, limits, connector, this::open).find(attemptDeadline);
    }
    synchronized (this) {
      if (current != null && !current.isBroken()) {
        c.close();  // another thread found one meanwhile: use one connection
        return current;
      }
      current = c;
      return c;
    }
  }

  private synchronized void redirect(AdminConnection from, Member leader) {
    String to = leader != null ? leader.getAdminAddress() : "";
    // A member just found hung is not followed: the others may still name it until they elect another.
    leaderAddress = !to.isEmpty() && !to.equals(from.address) && !hung.isHung(to) ? to : null;
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
    if (c.address.equals(leaderAddress)) {
      leaderAddress = null;
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

  /**
   * One attempt's share of {@code left}: a third of it, but at least a second (or all of it, if less is
   * left), so that with the default 10 s a hung member costs 3.3 s once and a new leader still has time.
   */
  static long attemptNanos(long left) {
    return Math.max(left / 3, Math.min(left, MIN_ATTEMPT_NANOS));
  }

  /** The client's timeout from now, as a {@link System#nanoTime()} deadline. */
  public long deadline() {
    return System.nanoTime() + timeout.toNanos();
  }

  private int timeoutMs() {
    return (int) Math.min(Integer.MAX_VALUE, timeout.toMillis());
  }

  private AdminConnection open(String address) throws IOException {
    return new AdminConnection(address, credentials, connectTimeoutMs());
  }

  private int connectTimeoutMs() {
    return (int) Math.min(2000, Math.max(100, timeout.toMillis() / 2));
  }

  /** raft.max_entry_bytes as the members reported it, or 0 before any has. */
  public long maxEntryBytes() {
    return limits.maxEntryBytes();
  }

  @Override
  public synchronized void close() {
    connector.shutdownNow();
    if (current != null) {
      current.close();
      current = null;
    }
  }
}
