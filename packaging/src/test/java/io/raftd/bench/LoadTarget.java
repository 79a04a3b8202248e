package io.raftd.bench;

import java.util.concurrent.CompletableFuture;

/**
 * One system under load, as the side-by-side harness drives it (issue 19): raftd through its own client library,
 * raftd through a bare client of the admin protocol, or etcd through plain gRPC stubs. Every call returns at once;
 * the future completes when the system answered, exceptionally when it refused or the request failed. The load
 * generator keeps a fixed number of calls outstanding and may call from any thread.
 */
interface LoadTarget extends AutoCloseable {
  /** Writes {@code value} under {@code key}, durably (acknowledged after the system's commit). */
  CompletableFuture<Void> put(byte[] key, byte[] value);

  /** Reads {@code key}: linearizable, or served from the answering member's state ({@code linearizable} false). */
  CompletableFuture<Void> get(byte[] key, boolean linearizable);

  /** Releases the connections; outstanding calls fail. */
  @Override
  void close();
}
