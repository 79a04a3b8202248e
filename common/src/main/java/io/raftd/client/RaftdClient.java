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
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
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
 *
 * <p>Every call is asynchronous underneath ({@link #callAsync}); the blocking methods wait for it. Calls share
 * one pipelined connection (to the leader), and no thread waits for any one of them: answers arrive on the
 * connection's reader thread, which also takes the call's next step (a redirect, a retry), and attempt time
 * limits and pauses between retries run on one scheduler thread per client. Only finding the leader (opening
 * connections) runs on threads of its own, once for every call that needs a connection at that time. What
 * callers chain on the returned futures runs on those threads too, so it must not block (or must use the
 * futures' {@code ...Async} methods).
 */
public final class RaftdClient implements AutoCloseable {
  private final List<String> endpoints;
  private final Duration timeout;
  /** The token every request carries, and TLS on every connection. */
  private final AdminCredentials credentials;
  /** Null unless raftctl --debug asked: then, and only then, the lines are built. */
  private volatile Consumer<String> wireLog;
  private static final long MIN_ATTEMPT_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final HungMembers hung = new HungMembers();
  private final ServerLimits limits = new ServerLimits();
  /** Opens discovery's connections, one thread per endpoint at most. */
  private final ExecutorService connector = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "raftd-client-connect");
    t.setDaemon(true);
    return t;
  });
  /** The sweeps of attempt time limits ({@link AttemptDeadlines}) and the pauses between retries of every call. */
  private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1, r -> {
    Thread t = new Thread(r, "raftd-client-timer");
    t.setDaemon(true);
    return t;
  });
  /** The time limits of attempts waiting for an answer, swept on the scheduler. */
  private final AttemptDeadlines deadlines = new AttemptDeadlines(scheduler);
  /** Read without a lock by every call; changed under the client's lock. */
  private volatile AdminConnection current;
  /** The search for a connection under way, which every call that needs one meanwhile waits for; guarded by this. */
  private CompletableFuture<AdminConnection> connecting;
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

  /** Hands every request sent and answer received to {@code log}, one line each (raftctl --debug); null: none. */
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
      AdminResponse r = join(exchange(c, request.setTimeoutMs(timeoutMs()), deadline(), true));
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
        AdminResponse r = join(exchange(c, request, snapshot == null ? firstDeadline : deadline(), true));
        if (r.hasError()) {
          if (snapshot == null && r.getError().getCode() == ErrorCode.BUSY
              && firstDeadline - System.nanoTime() > lastAttemptNanos()) {
            Thread.sleep(pauseMillis(attempt++, firstDeadline));  // backoff between asks, not synchronisation
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
    return join(writeAsync(command));
  }

  /** {@link #write}, answered by the future. */
  public CompletableFuture<WriteResponse> writeAsync(byte[] command) {
    return callAsync(AdminRequest.newBuilder().setWrite(WriteRequest.newBuilder().setCommand(ByteString.copyFrom(command))),
        true, false).thenApply(AdminResponse::getWrite);
  }

  /** A linearizable read (or a stale one, served by whichever member answers). */
  public ReadResponse read(byte[] query, boolean stale) throws RaftdException, InterruptedException {
    return join(readAsync(query, stale));
  }

  /** {@link #read}, answered by the future. */
  public CompletableFuture<ReadResponse> readAsync(byte[] query, boolean stale) {
    return callAsync(AdminRequest.newBuilder().setRead(ReadRequest.newBuilder().setQuery(ByteString.copyFrom(query))
        .setStale(stale)), false, true).thenApply(AdminResponse::getRead);
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
    return join(callAsync(request, leaderOnly, idempotent));
  }

  /** {@link #callAsync(AdminRequest.Builder, boolean, boolean, long)}, waited for. */
  public AdminResponse call(AdminRequest.Builder request, boolean leaderOnly, boolean idempotent, long deadline)
      throws RaftdException, InterruptedException {
    return join(callAsync(request, leaderOnly, idempotent, deadline));
  }

  /** {@link #call(AdminRequest.Builder, boolean, boolean)}, answered by the future; it fails with a {@link RaftdException}. */
  public CompletableFuture<AdminResponse> callAsync(AdminRequest.Builder request, boolean leaderOnly, boolean idempotent) {
    return callAsync(request, leaderOnly, idempotent, deadline());
  }

  /**
   * Sends a request, retrying refusals until {@code deadline} (a {@link System#nanoTime()} value, for callers
   * that make several calls within one timeout); the future fails with a {@link RaftdException}. The caller
   * leaves {@code request} alone until then.
   *
   * <p>Each attempt gets a share of what is left ({@link #attemptNanos}), never all of it: a member that
   * does not answer within its attempt is remembered as hung (tried last, no redirect followed to it),
   * its connection is dropped, and the next attempt goes to another member.
   */
  public CompletableFuture<AdminResponse> callAsync(AdminRequest.Builder request, boolean leaderOnly, boolean idempotent,
      long deadline) {
    Call call = new Call(request, idempotent, deadline);
    call.attempt();
    return call.result;
  }

  /**
   * The blocking face of a call: its answer, or the {@link RaftdException} it failed with. Interrupted, the
   * caller stops waiting and the call stops at its next step (what was sent may still apply).
   */
  static <T> T join(CompletableFuture<T> f) throws RaftdException, InterruptedException {
    try {
      return f.get();
    } catch (InterruptedException e) {
      f.cancel(false);
      throw e;
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RaftdException r) {
        throw r;
      }
      if (cause instanceof RuntimeException r) {
        throw r;
      }
      if (cause instanceof Error r) {
        throw r;
      }
      throw new RaftdException(ErrorCode.INTERNAL, String.valueOf(cause), null, false, cause);
    }
  }

  /**
   * One call's attempts. Each step runs where the previous one ended (the caller's thread, a connection's
   * reader, the scheduler), and none waits: a pause or an attempt's time limit is a task on the scheduler.
   */
  private final class Call {
    final CompletableFuture<AdminResponse> result = new CompletableFuture<>();
    private final AdminRequest.Builder request;
    private final boolean idempotent;
    private final long deadline;
    private RaftdException last;
    /** Member -> what became of the last attempt there; made at the first failure. */
    private Map<String, String> heard;
    private int attempt;

    Call(AdminRequest.Builder request, boolean idempotent, long deadline) {
      this.request = request;
      this.idempotent = idempotent;
      this.deadline = deadline;
    }

    void attempt() {
      if (result.isDone()) {
        return;  // the caller gave up on it
      }
      long now = System.nanoTime();
      long left = deadline - now;
      if (left <= 0 || last != null && left < lastAttemptNanos()) {
        // After a clean refusal with little time left: a write sent now could only time out, and its outcome
        // would then be unknown. Report the refusal instead.
        giveUp();
        return;
      }
      long attemptDeadline = now + attemptNanos(left);
      // The server gets a little less than the attempt, so that its answer (a TIMEOUT, a status with
      // members it could not reach) arrives before this client stops waiting for it.
      long attemptMs = TimeUnit.NANOSECONDS.toMillis(attemptDeadline - now);
      request.setTimeoutMs((int) Math.max(1, attemptMs - Math.min(attemptMs / 5, 1000)));
      AdminConnection c = current;
      if (c != null && !c.isBroken()) {
        send(c, attemptDeadline);
      } else {
        connect(attemptDeadline).whenComplete((found, e) -> {
          if (e != null) {
            noConnection(cause(e));
          } else {
            send(found, attemptDeadline);
          }
        });
      }
    }

    private void send(AdminConnection c, long attemptDeadline) {
      exchange(c, request, attemptDeadline, idempotent).whenComplete((r, e) -> {
        try {
          if (e != null) {
            failed(c, (RaftdException) cause(e));
          } else {
            answered(c, r);
          }
        } catch (RuntimeException bug) {
          result.completeExceptionally(bug);
        }
      });
    }

    private void answered(AdminConnection c, AdminResponse r) {
      hung.answered(c.address);
      if (!r.hasError()) {
        result.complete(r);
        return;
      }
      ErrorCode code = r.getError().getCode();
      Member leader = r.getError().hasLeader() ? r.getError().getLeader() : null;
      last = new RaftdException(code, r.getError().getMessage(), leader);
      heard(c.address, "answered " + code);
      if (code == ErrorCode.NOT_LEADER) {
        redirect(c, leader);
      } else if ((code == ErrorCode.TIMEOUT || code == ErrorCode.DIVERGED) && idempotent) {
        drop(c);  // it could not finish in time (cut off from the leader?), or its state is bad: ask another
      } else if (code != ErrorCode.NO_QUORUM && code != ErrorCode.BUSY) {
        result.completeExceptionally(last);
        return;
      }
      pause();
    }

    private void failed(AdminConnection c, RaftdException e) {
      if (e instanceof AttemptTimedOut t) {
        hung.hung(c.address);
        drop(c);
        heard(c.address, "did not answer within " + t.attemptMs + " ms");
        if (!idempotent) {
          result.completeExceptionally(new RaftdException(ErrorCode.UNKNOWN_OUTCOME,
              e.getMessage() + ": the write may or may not have applied", null));
          return;
        }
        last = new RaftdException(ErrorCode.TIMEOUT, e.getMessage(), null);
        attempt();  // no pause: the next attempt goes to another member
        return;
      }
      if (!e.unreachable()) {
        result.completeExceptionally(e);
        return;
      }
      last = e;
      heard(c.address, "unreachable");
      drop(c);
      pause();
    }

    private void noConnection(Throwable why) {
      RaftdException e = why instanceof RaftdException r ? r
          : RaftdException.unreachable("no connection: " + why.getMessage(), why);
      if (e.refusedAccess()) {
        result.completeExceptionally(e);  // every member answers the same to this credential
        return;
      }
      last = e;
      heard("discovery", e.getMessage());
      pause();
    }

    private void heard(String member, String what) {
      if (heard == null) {
        heard = new LinkedHashMap<>();
      }
      heard.put(member, what);
    }

    private void pause() {
      later(this::attempt, TimeUnit.MILLISECONDS.toNanos(pauseMillis(attempt++, deadline)), result);
    }

    private void giveUp() {
      if (last == null) {
        result.completeExceptionally(new RaftdException(ErrorCode.TIMEOUT, "no answer within " + timeout.toMillis()
            + " ms", null));
        return;
      }
      result.completeExceptionally(last.withContext(heard == null ? "" : "members: " + heard.entrySet().stream()
          .map(h -> h.getKey() + " " + h.getValue()).collect(Collectors.joining(", "))));
    }
  }

  /** What a future failed with, without the wrapper a dependent stage adds. */
  static Throwable cause(Throwable e) {
    return e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
  }

  /** Runs {@code task} on the scheduler after {@code nanos}; once the client is closed, fails {@code onClosed}. */
  private void later(Runnable task, long nanos, CompletableFuture<?> onClosed) {
    try {
      scheduler.schedule(task, nanos, TimeUnit.NANOSECONDS);
    } catch (RejectedExecutionException e) {
      onClosed.completeExceptionally(RaftdException.unreachable("the client is closed", e));
    }
  }

  /**
   * Sends one request on {@code c} and gives it until {@code deadline}: the answer, or a {@link RaftdException}
   * ({@link AttemptTimedOut}; unreachable if it may be sent again; UNKNOWN_OUTCOME if not and it may have
   * applied; INVALID_ARGUMENT over the members' limits, not sent).
   */
  private CompletableFuture<AdminResponse> exchange(AdminConnection c, AdminRequest.Builder request, long deadline,
      boolean idempotent) {
    Consumer<String> log = wireLog;
    if (log != null) {
      log.accept("-> " + c.address + " " + request.getBodyCase() + " (" + request.build().getSerializedSize() + " bytes)");
    }
    CompletableFuture<AdminResponse> answer = new CompletableFuture<>();
    long wait = Math.max(1, deadline - System.nanoTime());
    AttemptDeadlines.Limit limit;
    try {
      limit = deadlines.add(deadline, () -> settle(answer, log, c, null,
          new AttemptTimedOut(c.address, TimeUnit.NANOSECONDS.toMillis(wait))));
    } catch (RejectedExecutionException e) {
      answer.completeExceptionally(RaftdException.unreachable("the client is closed", e));
      return answer;
    }
    c.send(request).whenComplete((r, e) -> {
      deadlines.remove(limit);
      settle(answer, log, c, r, e == null ? null : sendFailure(c, e, idempotent));
    });
    return answer;
  }

  /**
   * Completes an exchange with its answer or failure, unless its time limit (or its answer) came first. The wire
   * log's line comes first, so that it is written before the caller sees the answer.
   */
  private static void settle(CompletableFuture<AdminResponse> answer, Consumer<String> log, AdminConnection c,
      AdminResponse r, RaftdException failure) {
    if (answer.isDone()) {
      return;
    }
    if (log != null) {
      log.accept("<- " + c.address + " " + (failure != null ? "failed: " + failure.getMessage()
          : r.hasError() ? r.getError().getCode() + ": " + r.getError().getMessage()
          : r.getBodyCase() + " (" + r.getSerializedSize() + " bytes)"));
    }
    if (failure == null) {
      answer.complete(r);
    } else {
      answer.completeExceptionally(failure);
    }
  }

  /** What a request the connection failed means to the caller (see {@link #exchange}). */
  private static RaftdException sendFailure(AdminConnection c, Throwable e, boolean idempotent) {
    if (e instanceof RaftdException refused) {
      return refused;
    }
    if (idempotent || e instanceof AdminConnection.NotSent) {
      return RaftdException.unreachable(c.address + ": " + e.getMessage(), e);
    }
    return new RaftdException(ErrorCode.UNKNOWN_OUTCOME, c.address + " went away after the write was sent ("
        + e.getMessage() + "): it may or may not have applied", null);
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
   * The connection to use when there is none: the leader a member named; else the one {@link LeaderDiscovery}
   * finds by asking every endpoint at once. One search at a time, on the connector's threads (it opens
   * connections, which blocks); every call that needs a connection meanwhile waits for it.
   */
  private synchronized CompletableFuture<AdminConnection> connect(long attemptDeadline) {
    AdminConnection c = current;
    if (c != null && !c.isBroken()) {
      return CompletableFuture.completedFuture(c);
    }
    if (connecting != null) {
      return connecting;
    }
    CompletableFuture<AdminConnection> found = new CompletableFuture<>();
    connecting = found;
    String hinted = leaderAddress;
    leaderAddress = null;
    try {
      connector.execute(() -> {
        try {
          AdminConnection chosen = find(hinted, attemptDeadline);
          synchronized (this) {
            current = chosen;
            connecting = null;
          }
          found.complete(chosen);
        } catch (RaftdException | InterruptedException | RuntimeException e) {
          synchronized (this) {
            connecting = null;
          }
          found.completeExceptionally(e);
        }
      });
    } catch (RejectedExecutionException e) {
      connecting = null;
      found.completeExceptionally(RaftdException.unreachable("the client is closed", e));
    }
    return found;
  }

  private AdminConnection find(String hinted, long attemptDeadline) throws RaftdException, InterruptedException {
    if (hinted != null && !hung.isHung(hinted)) {
      try {
        return open(hinted);
      } catch (IOException e) {
        // the hint is stale or the leader is down: ask everyone
      }
    }
    List<String> asked = new ArrayList<>(endpoints);
    if (hinted != null) {
      asked.add(0, hinted);
    }
    return new LeaderDiscovery(asked, hung, limits, connector, this::open).find(attemptDeadline);
  }

  private void redirect(AdminConnection from, Member leader) {
    String to = leader != null ? leader.getAdminAddress() : "";
    synchronized (this) {
      // A member just found hung is not followed: the others may still name it until they elect another.
      leaderAddress = !to.isEmpty() && !to.equals(from.address) && !hung.isHung(to) ? to : null;
      if (current == from) {
        current = null;
      }
    }
    // Other calls may still await answers on it: close it only once they have them. Outside the lock, as in
    // drop: closing fails the calls still waiting on it, whose next steps (and their callers' callbacks) run here.
    from.retire();
  }

  private void drop(AdminConnection c) {
    synchronized (this) {
      if (current == c) {
        current = null;
      }
      if (c.address.equals(leaderAddress)) {
        leaderAddress = null;
      }
    }
    c.close();
  }

  /** How long to wait before retry number {@code attempt}: 20 ms doubling to 500 ms, within the deadline. */
  private static long pauseMillis(int attempt, long deadline) {
    long ms = Math.min(500, 20L << Math.min(attempt, 5));
    return Math.max(0, Math.min(ms, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
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
    return new AdminConnection(address, credentials, connectTimeoutMs(), limits);
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
    scheduler.shutdownNow();
    if (current != null) {
      current.close();
      current = null;
    }
  }
}
