package io.raftd.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.Error;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.KvCommandResult;
import io.raftd.proto.KvQueryResult;
import io.raftd.proto.Member;
import io.raftd.proto.NodeStatus;
import io.raftd.proto.ReadResponse;
import io.raftd.proto.WriteResponse;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The asynchronous client: futures that complete with the answer or fail with the {@link RaftdException} the
 * blocking call throws; redirects and time limits followed without a caller's thread, and without a thread per
 * request; many requests outstanding on one connection.
 */
class AsyncClientTest {
  private static final long PATIENCE_MS = 20_000;
  private static final int MANY = 1_000;
  private static final int CALLERS = 4;
  private static final byte[] COMMAND = "put k v".getBytes(StandardCharsets.UTF_8);

  @Test
  void aWriteCompletesWithTheLeadersAnswer() throws Exception {
    try (FakeMember leader = new FakeMember(leader(r -> write(r.getWrite().getCommand().size())));
         RaftdClient client = RaftdClient.create(List.of(leader.address()), Duration.ofSeconds(10))) {
      WriteResponse w = client.writeAsync(COMMAND).get(PATIENCE_MS, TimeUnit.MILLISECONDS);
      assertEquals(COMMAND.length, w.getIndex());
      assertEquals(COMMAND.length, client.write(COMMAND).getIndex(), "the blocking call gets the same answer");
    }
  }

  @Test
  void aRefusalFailsTheFutureWithTheExceptionTheBlockingCallThrows() throws Exception {
    try (FakeMember leader = new FakeMember(leader(r -> refusal(ErrorCode.INVALID_ARGUMENT, "no such command")));
         RaftdClient client = RaftdClient.create(List.of(leader.address()), Duration.ofSeconds(10))) {
      ExecutionException async = assertThrows(ExecutionException.class,
          () -> client.writeAsync(COMMAND).get(PATIENCE_MS, TimeUnit.MILLISECONDS));
      RaftdException cause = assertInstanceOf(RaftdException.class, async.getCause());
      assertEquals(ErrorCode.INVALID_ARGUMENT, cause.code());
      assertEquals("no such command", cause.getMessage());

      RaftdException blocking = assertThrows(RaftdException.class, () -> client.write(COMMAND));
      assertEquals(ErrorCode.INVALID_ARGUMENT, blocking.code());
      assertEquals("no such command", blocking.getMessage());
    }
  }

  @Test
  void aFollowerRedirectsTheCallToTheLeader() throws Exception {
    try (FakeMember leader = new FakeMember(leader(r -> write(42)))) {
      Member leaderMember = Member.newBuilder().setName("n1").setAdminAddress(leader.address()).build();
      try (FakeMember follower = new FakeMember(r -> r.hasStatus()
              ? AdminResponse.newBuilder().setStatus(NodeStatus.newBuilder().setRole("follower").setTerm(3)
                  .setLeader(leaderMember))
              : AdminResponse.newBuilder().setError(Error.newBuilder().setCode(ErrorCode.NOT_LEADER)
                  .setMessage("not the leader").setLeader(leaderMember)));
           RaftdClient client = RaftdClient.create(List.of(follower.address()), Duration.ofSeconds(10))) {
        assertEquals(42, client.writeAsync(COMMAND).get(PATIENCE_MS, TimeUnit.MILLISECONDS).getIndex());
        assertEquals(1, leader.connections.get(), "the client did not follow the redirect to the leader");
      }
    }
  }

  @Test
  void manyRequestsOutstandingShareOneConnectionAndNoThreadEach() throws Exception {
    try (FakeMember leader = new FakeMember(leader(r -> null));  // every write held until answerHeld
         RaftdClient client = RaftdClient.create(List.of(leader.address()), Duration.ofSeconds(30))) {
      client.status(null);  // connected: the reader and the connector's thread exist from here on
      // Several callers at once, so that their frames interleave on the one connection.
      List<CompletableFuture<WriteResponse>> writes = new CopyOnWriteArrayList<>();
      CountDownLatch go = new CountDownLatch(1);
      List<Thread> callers = new ArrayList<>();
      for (int t = 0; t < CALLERS; t++) {
        Thread caller = new Thread(() -> {
          try {
            go.await();
          } catch (InterruptedException e) {
            return;
          }
          for (int i = 0; i < MANY / CALLERS; i++) {
            writes.add(client.writeAsync(COMMAND));
          }
        });
        caller.start();
        callers.add(caller);
      }
      int threadsBefore = liveThreads();
      int requestsBefore = leader.requests.get();
      go.countDown();
      for (Thread caller : callers) {
        caller.join();
      }
      awaitTrue(() -> leader.requests.get() == requestsBefore + MANY, "the member never had all the requests at once");
      assertTrue(liveThreads() <= threadsBefore, liveThreads() + " threads with " + MANY
          + " requests outstanding, " + threadsBefore + " before");
      assertTrue(writes.stream().noneMatch(CompletableFuture::isDone), "a write completed before its answer");

      assertEquals(MANY, leader.answerHeld(r -> write(r.getId())));
      for (CompletableFuture<WriteResponse> w : writes) {
        assertTrue(w.get(PATIENCE_MS, TimeUnit.MILLISECONDS).getIndex() > 0);
      }
      assertEquals(1, leader.connections.get(), "pipelined on one connection");
    }
  }

  @Test
  void unansweredRequestsTimeOutWithoutAThreadEach() throws Exception {
    try (FakeMember leader = new FakeMember(leader(r -> null));  // no write ever answered
         RaftdClient client = RaftdClient.create(List.of(leader.address()), Duration.ofMillis(1_500))) {
      client.status(null);
      client.writeAsync(COMMAND);  // starts the client's timer thread before counting
      int threadsBefore = liveThreads();
      List<CompletableFuture<WriteResponse>> writes = new ArrayList<>();
      for (int i = 0; i < MANY; i++) {
        writes.add(client.writeAsync(COMMAND));
      }
      int most = threadsBefore;
      long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PATIENCE_MS);
      while (!writes.stream().allMatch(CompletableFuture::isDone) && System.nanoTime() < deadline) {
        most = Math.max(most, liveThreads());
        Thread.onSpinWait();  // polling the futures with a deadline, sampling the threads meanwhile
      }
      assertTrue(most <= threadsBefore, most + " threads while " + MANY + " requests waited, " + threadsBefore
          + " before");
      for (CompletableFuture<WriteResponse> w : writes) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> w.get(0, TimeUnit.MILLISECONDS));
        RaftdException cause = assertInstanceOf(RaftdException.class, e.getCause());
        assertEquals(ErrorCode.UNKNOWN_OUTCOME, cause.code(), "a write sent and never answered: " + cause.getMessage());
      }
      RaftdException blocking = assertThrows(RaftdException.class, () -> client.write(COMMAND));
      assertEquals(ErrorCode.UNKNOWN_OUTCOME, blocking.code(), blocking.getMessage());
    }
  }

  @Test
  void theKeyValueClientDecodesAsynchronously() throws Exception {
    KvCommandResult put = KvCommandResult.newBuilder().setSucceeded(true).build();
    KvQueryResult got = KvQueryResult.newBuilder().build();
    try (FakeMember leader = new FakeMember(leader(r -> r.hasWrite()
            ? AdminResponse.newBuilder().setWrite(WriteResponse.newBuilder().setIndex(5).setResult(put.toByteString()))
            : AdminResponse.newBuilder().setRead(ReadResponse.newBuilder().setAppliedIndex(5)
                .setResult(got.toByteString()))));
         RaftdClient client = RaftdClient.create(List.of(leader.address()), Duration.ofSeconds(10))) {
      KvClient kv = new KvClient(client);
      ByteString k = ByteString.copyFromUtf8("k");
      assertTrue(kv.putAsync(k, ByteString.copyFromUtf8("v")).get(PATIENCE_MS, TimeUnit.MILLISECONDS).getSucceeded());
      assertEquals(5, kv.getAsync(k, false).get(PATIENCE_MS, TimeUnit.MILLISECONDS).getAppliedIndex());
    }
  }

  /** A leader: status as such, everything else as {@code others} says. */
  private static Function<AdminRequest, AdminResponse.Builder> leader(Function<AdminRequest, AdminResponse.Builder> others) {
    return r -> r.hasStatus() ? AdminResponse.newBuilder().setStatus(NodeStatus.newBuilder().setRole("leader").setTerm(1))
        : others.apply(r);
  }

  private static AdminResponse.Builder write(long index) {
    return AdminResponse.newBuilder().setWrite(WriteResponse.newBuilder().setIndex(index));
  }

  private static AdminResponse.Builder refusal(ErrorCode code, String message) {
    return AdminResponse.newBuilder().setError(Error.newBuilder().setCode(code).setMessage(message));
  }

  private static int liveThreads() {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    return threads.getThreadCount();
  }

  private static void awaitTrue(BooleanSupplier condition, String failure) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(PATIENCE_MS);
    while (!condition.getAsBoolean()) {
      assertTrue(System.nanoTime() < deadline, failure);
      Thread.onSpinWait();  // polling with a deadline
    }
  }
}
