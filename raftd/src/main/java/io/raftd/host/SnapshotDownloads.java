package io.raftd.host;

import com.google.protobuf.ByteString;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.SaveSnapshotRequest;
import io.raftd.proto.SaveSnapshotResponse;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.storage.SnapshotStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;

/**
 * Serves {@code SaveSnapshot} (admin.proto), the backup download: the first request takes a fresh snapshot
 * (or names the newest kept one) and answers with its metadata and first chunk; every later request names
 * the snapshot by id and an offset. Nothing is kept per download: each chunk is read from the snapshot's
 * file in the store, so a snapshot pruned meanwhile answers NOT_FOUND and the client starts again. Chunks
 * are read on {@code io} (the read pool), never on the admin port's event loop. Thread-safe.
 */
public final class SnapshotDownloads {
  /** The chunk a request gets when it asks for none in particular. */
  static final int DEFAULT_CHUNK = 1 << 20;
  /** Room in a response frame for everything but the data: the metadata (configuration included), fields, framing. */
  static final int RESPONSE_HEADROOM = 4096;

  private final SnapshotStore store;
  private final ApplyWorker applier;
  private final Executor io;
  private final int maxChunk;

  /**
   * @param maxFrameBytes the admin port's transport.max_frame_bytes: no response may be larger
   */
  public SnapshotDownloads(SnapshotStore store, ApplyWorker applier, Executor io, long maxFrameBytes) {
    this.store = store;
    this.applier = applier;
    this.io = io;
    this.maxChunk = (int) Math.max(1, Math.min(Integer.MAX_VALUE, maxFrameBytes) - RESPONSE_HEADROOM);
  }

  public CompletableFuture<AdminResponse.Builder> serve(SaveSnapshotRequest r) {
    CompletableFuture<SnapshotMetadata> which;
    if (!r.getId().isEmpty()) {
      which = CompletableFuture.supplyAsync(() -> kept(r.getId()), io);
    } else if (r.getLatest()) {
      which = CompletableFuture.supplyAsync(this::newest, io);
    } else {
      CompletableFuture<SnapshotMetadata> taken = new CompletableFuture<>();
      applier.snapshotNow(taken);
      which = taken.exceptionallyCompose(e -> CompletableFuture.failedFuture(whyNoSnapshot(e)));
    }
    long offset = r.getId().isEmpty() ? 0 : r.getOffset();
    int chunk = chunkSize(r.getMaxBytes());
    return which.thenApplyAsync(s -> AdminResponse.newBuilder().setSaveSnapshot(read(s, offset, chunk)), io);
  }

  int chunkSize(int asked) {
    return Math.min(asked > 0 ? asked : DEFAULT_CHUNK, maxChunk);
  }

  private SaveSnapshotResponse read(SnapshotMetadata s, long offset, int chunk) {
    if (offset > s.getSize()) {
      throw new Proposals.Failure(ErrorCode.INVALID_ARGUMENT, "offset " + offset + " is beyond snapshot " + s.getId()
          + " (" + s.getSize() + " bytes)");
    }
    ByteBuffer buf = ByteBuffer.allocate((int) Math.min(chunk, s.getSize() - offset));
    try {
      while (buf.hasRemaining()) {
        if (store.read(s, offset + buf.position(), buf) < 0) {
          break;
        }
      }
    } catch (NoSuchFileException e) {
      throw pruned(s.getId());
    } catch (IOException e) {
      throw new Proposals.Failure(ErrorCode.INTERNAL, "reading snapshot " + s.getId() + ": " + e.getMessage());
    }
    buf.flip();
    return SaveSnapshotResponse.newBuilder().setSnapshot(s).setOffset(offset).setData(ByteString.copyFrom(buf))
        .setDone(offset + buf.limit() >= s.getSize()).build();
  }

  /** The kept snapshot with this id, or NOT_FOUND. */
  private SnapshotMetadata kept(String id) {
    for (SnapshotMetadata s : list()) {
      if (s.getId().equals(id)) {
        return s;
      }
    }
    throw pruned(id);
  }

  private SnapshotMetadata newest() {
    List<SnapshotMetadata> all = list();
    if (all.isEmpty()) {
      throw new Proposals.Failure(ErrorCode.NOT_FOUND, "this member has taken no snapshot yet: save without --latest"
          + " to take a fresh one");
    }
    return all.get(all.size() - 1);
  }

  private List<SnapshotMetadata> list() {
    try {
      return store.list();
    } catch (IOException e) {
      throw new Proposals.Failure(ErrorCode.INTERNAL, "listing snapshots: " + e.getMessage());
    }
  }

  private static Proposals.Failure pruned(String id) {
    return new Proposals.Failure(ErrorCode.NOT_FOUND, "snapshot " + id + " is no longer kept on this member (a newer"
        + " one replaced it, see snapshot.retain): run raftctl snapshot save again");
  }

  /** Why a fresh snapshot could not be taken, as the admin API says it. */
  private static Throwable whyNoSnapshot(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof IllegalStateException && "a snapshot is being taken".equals(cause.getMessage())) {
      return new Proposals.Failure(ErrorCode.BUSY, "a snapshot is being taken on this member: retry shortly");
    }
    if (cause instanceof IllegalStateException) {
      return new Proposals.Failure(ErrorCode.INVALID_ARGUMENT, "no snapshot can be taken: " + cause.getMessage());
    }
    return new Proposals.Failure(ErrorCode.INTERNAL, "taking a snapshot failed: " + cause.getMessage());
  }
}
