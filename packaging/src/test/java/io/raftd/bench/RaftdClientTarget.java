package io.raftd.bench;

import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/** raftd through its own client library's asynchronous API: {@link KvClient#putAsync} and {@link KvClient#getAsync}. */
final class RaftdClientTarget implements LoadTarget {
  private final RaftdClient client;
  private final KvClient kv;

  RaftdClientTarget(List<String> endpoints, Duration timeout) {
    client = RaftdClient.create(endpoints, timeout);
    kv = new KvClient(client);
  }

  @Override
  public CompletableFuture<Void> put(byte[] key, byte[] value) {
    return kv.putAsync(ByteString.copyFrom(key), ByteString.copyFrom(value)).thenAccept(r -> {});
  }

  @Override
  public CompletableFuture<Void> get(byte[] key, boolean linearizable) {
    return kv.getAsync(ByteString.copyFrom(key), !linearizable).thenAccept(r -> {});
  }

  @Override
  public void close() {
    client.close();
  }
}
