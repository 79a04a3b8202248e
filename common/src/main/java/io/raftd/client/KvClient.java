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

/**
 * The built-in key-value store's commands and queries over a {@link RaftdClient}: encodes them, decodes the
 * answers. Writes go through a {@link Session} (exactly once, retried through unknown outcomes) or straight
 * through the client (a retry after an unknown outcome is the caller's call).
 */
public final class KvClient {
  /** Where writes go: a session or the bare client. */
  @FunctionalInterface
  public interface Writer {
    WriteResponse write(byte[] command) throws RaftdException, InterruptedException;
  }

  private final RaftdClient client;
  private final Writer writer;

  /** Writes without a session. */
  public KvClient(RaftdClient client) {
    this(client, client::write);
  }

  public KvClient(RaftdClient client, Writer writer) {
    this.client = client;
    this.writer = writer;
  }

  public KvCommandResult put(ByteString key, ByteString value) throws RaftdException, InterruptedException {
    return command(KvCommand.newBuilder().setPut(KvPut.newBuilder().setKey(key).setValue(value)));
  }

  /** {@code succeeded} says whether the key existed. */
  public KvCommandResult delete(ByteString key) throws RaftdException, InterruptedException {
    return command(KvCommand.newBuilder().setDelete(KvDelete.newBuilder().setKey(key)));
  }

  /** {@code succeeded} says whether it set; {@code current} is the key afterwards (if present). */
  public KvCommandResult cas(KvCas cas) throws RaftdException, InterruptedException {
    return command(KvCommand.newBuilder().setCas(cas));
  }

  /** Appends an opaque payload to the replicated log; the result carries its index and term. */
  public KvCommandResult append(ByteString payload) throws RaftdException, InterruptedException {
    return command(KvCommand.newBuilder().setAppend(KvAppend.newBuilder().setPayload(payload)));
  }

  /** The key (none in {@code kvs} if absent), linearizable unless {@code stale}. */
  public KvQueryResult get(ByteString key, boolean stale) throws RaftdException, InterruptedException {
    return query(KvQuery.newBuilder().setGet(KvGet.newBuilder().setKey(key)), stale);
  }

  public KvQueryResult scan(KvScan scan, boolean stale) throws RaftdException, InterruptedException {
    return query(KvQuery.newBuilder().setScan(scan), stale);
  }

  /** Appended payloads from {@code fromIndex} on, oldest first. */
  public KvQueryResult readLog(long fromIndex, int limit, boolean stale) throws RaftdException, InterruptedException {
    return query(KvQuery.newBuilder().setReadLog(KvReadLog.newBuilder().setFromIndex(fromIndex).setLimit(limit)), stale);
  }

  private KvCommandResult command(KvCommand.Builder c) throws RaftdException, InterruptedException {
    ByteString result = writer.write(c.build().toByteArray()).getResult();
    try {
      return KvCommandResult.parseFrom(result);
    } catch (InvalidProtocolBufferException e) {
      throw undecodable(e);
    }
  }

  /** The answer, with the applied index the server read it at. */
  private KvQueryResult query(KvQuery.Builder q, boolean stale) throws RaftdException, InterruptedException {
    ReadResponse r = client.read(q.build().toByteArray(), stale);
    try {
      return KvQueryResult.parseFrom(r.getResult()).toBuilder().setAppliedIndex(r.getAppliedIndex()).build();
    } catch (InvalidProtocolBufferException e) {
      throw undecodable(e);
    }
  }

  private static RaftdException undecodable(InvalidProtocolBufferException e) {
    return new RaftdException(ErrorCode.INTERNAL,
        "the answer is not the key-value store's (is the cluster running another state machine?): " + e.getMessage(), null);
  }
}
