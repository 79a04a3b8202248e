package io.raftd.bench;

import com.google.protobuf.UnsafeByteOperations;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.raftd.bench.etcd.KVGrpc;
import io.raftd.bench.etcd.PutRequest;
import io.raftd.bench.etcd.PutResponse;
import io.raftd.bench.etcd.RangeRequest;
import io.raftd.bench.etcd.RangeResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * etcd through plain gRPC stubs of its KV service, its cheapest client: one channel (one HTTP/2 connection, every
 * call multiplexed on it) to one member, asynchronous stubs, callbacks run on the channel's network thread (the
 * load generator's callbacks only start the next call, they never block).
 */
final class EtcdTarget implements LoadTarget {
  private final ManagedChannel channel;
  private final KVGrpc.KVStub kv;

  /** @param endpoint the member's client address, "127.0.0.1:PORT" */
  EtcdTarget(String endpoint) {
    int colon = endpoint.lastIndexOf(':');
    channel = ManagedChannelBuilder.forAddress(endpoint.substring(0, colon), Integer.parseInt(endpoint.substring(colon + 1)))
        .usePlaintext().directExecutor().build();
    kv = KVGrpc.newStub(channel);
  }

  // The key and value arrays are never written after the call (the load generator's contract), so they are wrapped,
  // not copied.
  @Override
  public CompletableFuture<Void> put(byte[] key, byte[] value) {
    Completion<PutResponse> done = new Completion<>();
    kv.put(PutRequest.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(key))
        .setValue(UnsafeByteOperations.unsafeWrap(value)).build(), done);
    return done.future;
  }

  @Override
  public CompletableFuture<Void> get(byte[] key, boolean linearizable) {
    Completion<RangeResponse> done = new Completion<>();
    kv.range(RangeRequest.newBuilder().setKey(UnsafeByteOperations.unsafeWrap(key)).setSerializable(!linearizable)
        .build(), done);
    return done.future;
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A unary call's observer that completes a future: with nothing when the call ends, exceptionally on an error. */
  private static final class Completion<T> implements StreamObserver<T> {
    final CompletableFuture<Void> future = new CompletableFuture<>();

    @Override
    public void onNext(T response) {}

    @Override
    public void onError(Throwable t) {
      future.completeExceptionally(t);
    }

    @Override
    public void onCompleted() {
      future.complete(null);
    }
  }
}
