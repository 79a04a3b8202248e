package io.raftd.client;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.KvAppend;
import io.raftd.proto.KvCas;
import io.raftd.proto.KvCommand;
import io.raftd.proto.KvCommandResult;
import io.raftd.proto.KvDelete;
import io.raftd.proto.KvGet;
import io.raftd.proto.KvPut;
import io.raftd.proto.KvQuery;
import io.raftd.proto.KvQueryResult;
import io.raftd.proto.KvReadLog;
import io.raftd.proto.KvScan;
import io.raftd.proto.ReadResponse;
import io.raftd.proto.WriteResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The built-in key-value store's commands and queries over a {@link RaftdClient}: encodes them, decodes the
 * answers. Writes go through a {@link Session} (exactly once, retried through unknown outcomes) or straight
 * through the client (a retry after an unknown outcome is the caller's call). Each operation has a blocking form
 * and an asynchronous one ({@code ...Async}), whose future fails with a {@link RaftdException}.
 */
public final class KvClient {
  /** Where writes go: a session ({@code session::writeAsync}) or the bare client ({@code client::writeAsync}). */
  @FunctionalInterface
  public interface Writer {
    CompletableFuture<WriteResponse> write(byte[] command);
  }

  private final RaftdClient client;
  private final Writer writer;

  /** Writes without a session. */
  public KvClient(RaftdClient client) {
    this(client, client::writeAsync);
  }

  public KvClient(RaftdClient client, Writer writer) {
    this.client = client;
    this.writer = writer;
  }

  public KvCommandResult put(ByteString key, ByteString value) throws RaftdException, InterruptedException {
    return RaftdClient.join(putAsync(key, value));
  }

  public CompletableFuture<KvCommandResult> putAsync(ByteString key, ByteString value) {
    return command(KvCommand.newBuilder().setPut(KvPut.newBuilder().setKey(key).setValue(value)));
  }

  /** {@code succeeded} says whether the key existed. */
  public KvCommandResult delete(ByteString key) throws RaftdException, InterruptedException {
    return RaftdClient.join(deleteAsync(key));
  }

  public CompletableFuture<KvCommandResult> deleteAsync(ByteString key) {
    return command(KvCommand.newBuilder().setDelete(KvDelete.newBuilder().setKey(key)));
  }

  /** {@code succeeded} says whether it set; {@code current} is the key afterwards (if present). */
  public KvCommandResult cas(KvCas cas) throws RaftdException, InterruptedException {
    return RaftdClient.join(casAsync(cas));
  }

  public CompletableFuture<KvCommandResult> casAsync(KvCas cas) {
    return command(KvCommand.newBuilder().setCas(cas));
  }

  /** Appends an opaque payload to the replicated log; the result carries its index and term. */
  public KvCommandResult append(ByteString payload) throws RaftdException, InterruptedException {
    return RaftdClient.join(appendAsync(payload));
  }

  public CompletableFuture<KvCommandResult> appendAsync(ByteString payload) {
    return command(KvCommand.newBuilder().setAppend(KvAppend.newBuilder().setPayload(payload)));
  }

  /** The key (none in {@code kvs} if absent), linearizable unless {@code stale}. */
  public KvQueryResult get(ByteString key, boolean stale) throws RaftdException, InterruptedException {
    return RaftdClient.join(getAsync(key, stale));
  }

  public CompletableFuture<KvQueryResult> getAsync(ByteString key, boolean stale) {
    return query(KvQuery.newBuilder().setGet(KvGet.newBuilder().setKey(key)), stale);
  }

  public KvQueryResult scan(KvScan scan, boolean stale) throws RaftdException, InterruptedException {
    return RaftdClient.join(scanAsync(scan, stale));
  }

  public CompletableFuture<KvQueryResult> scanAsync(KvScan scan, boolean stale) {
    return query(KvQuery.newBuilder().setScan(scan), stale);
  }

  /** Appended payloads from {@code fromIndex} on, oldest first. */
  public KvQueryResult readLog(long fromIndex, int limit, boolean stale) throws RaftdException, InterruptedException {
    return RaftdClient.join(readLogAsync(fromIndex, limit, stale));
  }

  public CompletableFuture<KvQueryResult> readLogAsync(long fromIndex, int limit, boolean stale) {
    return query(KvQuery.newBuilder().setReadLog(KvReadLog.newBuilder().setFromIndex(fromIndex).setLimit(limit)), stale);
  }

  private CompletableFuture<KvCommandResult> command(KvCommand.Builder c) {
    return writer.write(c.build().toByteArray()).thenApply(w -> decode(() -> KvCommandResult.parseFrom(w.getResult())));
  }

  /** The answer, with the applied index the server read it at. */
  private CompletableFuture<KvQueryResult> query(KvQuery.Builder q, boolean stale) {
    return client.readAsync(q.build().toByteArray(), stale).thenApply(r -> decode(
        () -> KvQueryResult.parseFrom(r.getResult()).toBuilder().setAppliedIndex(r.getAppliedIndex()).build()));
  }

  private interface Decoding<T> {
    T parse() throws InvalidProtocolBufferException;
  }

  /** The decoded answer; one that is not the store's fails the future with an INTERNAL {@link RaftdException}. */
  private static <T> T decode(Decoding<T> decoding) {
    try {
      return decoding.parse();
    } catch (InvalidProtocolBufferException e) {
      throw new CompletionException(undecodable(e));
    }
  }

  private static RaftdException undecodable(InvalidProtocolBufferException e) {
    return new RaftdException(ErrorCode.INTERNAL,
        "the answer is not the key-value store's (is the cluster running another state machine?): " + e.getMessage(), null);
  }
}
