package io.raftd.transport;

import io.raftd.raft.MemberId;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.raftd.proto.PeerFrame;
import io.raftd.proto.RaftMessage;
import io.raftd.raft.RawNode;
import io.raftd.proto.SnapshotChunk;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.proto.SnapshotReply;
import io.raftd.storage.SnapshotStore;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Receives one snapshot stream on a SNAPSHOT connection, after the handshake, into the snapshot store.
 * Every file operation runs on the snapshot I/O executor, in arrival order (each is chained onto the one
 * before), never on the event loop; reading from the socket pauses while a few chunks wait for the disk,
 * so memory stays bounded. The last chunk's {@code finish()} checks size and checksum against what the
 * InstallSnapshot announced, fsyncs and renames; then the sender is answered, and only after a success is
 * the InstallSnapshot handed to the listener. Whatever is left unfinished when the connection closes is
 * abandoned, which deletes the temporary file.
 */
final class SnapshotReceiver extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(SnapshotReceiver.class);
  /** Chunks that may wait for the disk before the socket stops being read. */
  private static final int MAX_PENDING_CHUNKS = 4;

  private final long peer;
  private final Identity identity;
  private final SnapshotStore store;
  private final Executor io;
  private final Counters counters;
  private final PeerTransport.Listener listener;

  // Owned by the event loop.
  private RaftMessage install;
  private long expectedOffset;
  private boolean lastReceived;
  private boolean answered;
  private int pending;
  /** The writer, once the I/O executor has opened it (or failed to). */
  private CompletableFuture<SnapshotStore.Writer> writer;
  /** The last file operation queued: each new one runs after it, and none after a failure. */
  private CompletableFuture<?> tail;

  SnapshotReceiver(long peer, Identity identity, SnapshotStore store, Executor io, Counters counters,
      PeerTransport.Listener listener) {
    this.peer = peer;
    this.identity = identity;
    this.store = store;
    this.io = io;
    this.counters = counters;
    this.listener = listener;
  }

  /** One operation on the snapshot being written. */
  @FunctionalInterface
  private interface FileStep<T> {
    T run(SnapshotStore.Writer w) throws IOException;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    PeerFrame frame = (PeerFrame) msg;
    if (!frame.hasSnapshotChunk()) {
      throw new ProtocolViolation(frame.getBodyCase() + " on a snapshot connection, expected a SnapshotChunk");
    }
    if (lastReceived) {
      throw new ProtocolViolation("a snapshot chunk after the last one");
    }
    SnapshotChunk chunk = frame.getSnapshotChunk();
    if (install == null) {
      begin(chunk);
    } else if (chunk.hasInstall()) {
      throw new ProtocolViolation("an InstallSnapshot on a snapshot chunk other than the first");
    }
    if (chunk.getOffset() != expectedOffset) {
      throw new ProtocolViolation("snapshot chunk at offset " + chunk.getOffset() + ", expected " + expectedOffset);
    }
    expectedOffset += chunk.getData().size();
    ByteBuffer data = chunk.getData().asReadOnlyByteBuffer();
    CompletableFuture<Void> written = then(w -> {
      w.write(data);
      return null;
    });
    if (++pending >= MAX_PENDING_CHUNKS) {
      ctx.channel().config().setAutoRead(false);
    }
    written.whenComplete((v, e) -> onLoop(ctx, () -> written(ctx, e)));
    if (chunk.getDone()) {
      lastReceived = true;
      then(SnapshotStore.Writer::finish).whenComplete((stored, e) -> onLoop(ctx, () -> finished(ctx, stored, e)));
    }
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (tail != null) {
      // After a successful finish() this does nothing; otherwise it deletes the temporary file.
      tail.handleAsync((v, e) -> {
        writer.thenAccept(w -> {
          try {
            w.close();
          } catch (IOException closeFailed) {
            log.warn("could not remove the partial snapshot from peer {}", identity.label(peer), closeFailed);
          }
        });
        return null;
      }, io);
    }
    ctx.fireChannelInactive();
  }

  /** Checks the first chunk's InstallSnapshot and starts the file it announces. */
  private void begin(SnapshotChunk first) {
    if (!first.hasInstall() || !first.getInstall().hasInstallSnapshot()) {
      throw new ProtocolViolation("the first snapshot chunk carries no InstallSnapshot");
    }
    RaftMessage m = first.getInstall();
    if (m.getClusterId() != identity.clusterId() || m.getTo() != identity.selfId || m.getFrom() != peer) {
      throw new ProtocolViolation("InstallSnapshot for cluster " + MemberId.hex(m.getClusterId())
          + " from member " + MemberId.hex(m.getFrom()) + " to member " + MemberId.hex(m.getTo()));
    }
    if (m.getTerm() > RawNode.MAX_TERM) {
      throw new ProtocolViolation("InstallSnapshot at term " + Long.toUnsignedString(m.getTerm())
          + ", beyond the highest term a member may reach");
    }
    SnapshotMetadata announced = m.getInstallSnapshot().getMetadata();
    if (announced.getIndex() == 0) {
      throw new ProtocolViolation("InstallSnapshot without a snapshot index");
    }
    install = m;
    writer = CompletableFuture.supplyAsync(() -> {
      try {
        return store.receive(announced);
      } catch (IOException e) {
        throw new CompletionException(e);
      }
    }, io);
    tail = writer;
  }

  /** Queues a file operation after every one before it. */
  private <T> CompletableFuture<T> then(FileStep<T> step) {
    CompletableFuture<T> next = tail.thenApplyAsync(ignored -> {
      try {
        return step.run(writer.join());
      } catch (IOException e) {
        throw new CompletionException(e);
      }
    }, io);
    tail = next;
    return next;
  }

  private void written(ChannelHandlerContext ctx, Throwable failure) {
    pending--;
    if (failure != null) {
      answer(ctx, false, failure);
    } else if (pending < MAX_PENDING_CHUNKS && !lastReceived && !ctx.channel().config().isAutoRead()) {
      ctx.channel().config().setAutoRead(true);
    }
  }

  private void finished(ChannelHandlerContext ctx, SnapshotMetadata stored, Throwable failure) {
    if (failure != null) {
      answer(ctx, false, failure);
      return;
    }
    answer(ctx, true, null);
    log.info("snapshot {} of term {} ({} bytes) received from peer {}", stored.getIndex(), stored.getTerm(),
        stored.getSize(), identity.label(peer));
    listener.onSnapshotReady(install);
  }

  /** Answers the sender once (the first failure, or the success) and closes once the answer is out. */
  private void answer(ChannelHandlerContext ctx, boolean ok, Throwable failure) {
    if (answered) {
      return;
    }
    answered = true;
    SnapshotReply.Builder reply = SnapshotReply.newBuilder().setOk(ok);
    if (ok) {
      counters.snapshotsReceived.incrementAndGet();
    } else {
      Throwable cause = failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
      counters.snapshotsRejected.incrementAndGet();
      log.warn("snapshot {} from peer {} rejected: {}", install.getInstallSnapshot().getMetadata().getIndex(),
          identity.label(peer), cause.toString());
      reply.setReason(cause.toString());
    }
    ctx.writeAndFlush(PeerFrame.newBuilder().setSnapshotReply(reply).build()).addListener(ChannelFutureListener.CLOSE);
  }

  private static void onLoop(ChannelHandlerContext ctx, Runnable task) {
    try {
      ctx.executor().execute(task);
    } catch (RejectedExecutionException e) {
      // The transport is shutting down: the connection is gone and its file abandoned.
    }
  }
}
