package io.raftd.transport;

import com.google.protobuf.ByteString;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.raftd.proto.PeerFrame;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.SnapshotChunk;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.proto.SnapshotReply;
import io.raftd.storage.SnapshotStore;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Streams one snapshot file over its own SNAPSHOT connection, after the handshake: the first chunk
 * carries the InstallSnapshot, the last is marked done, and then the receiver's SnapshotReply decides
 * what the listener hears. One chunk is read at a time, on the snapshot I/O executor (never the event
 * loop), and the next only once the connection is writable again, so memory stays bounded whatever the
 * snapshot's size and however slow the receiver. The listener hears onSnapshotSent exactly once.
 */
final class SnapshotSender extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(SnapshotSender.class);

  private final long peer;
  /** How log lines name the peer ({@code name(hex)}). */
  private final String peerLabel;
  private final RaftMessage install;
  private final SnapshotMetadata metadata;
  private final SnapshotStore store;
  private final Executor io;
  private final ByteBuffer buffer;
  private final Counters counters;
  private final PeerTransport.Listener listener;

  // Owned by the event loop, but for the buffer while a read is out on the I/O executor.
  private long offset;
  private boolean announced;
  private boolean reading;
  private boolean lastSent;
  private boolean reported;

  SnapshotSender(long peer, String peerLabel, RaftMessage install, SnapshotStore store, Executor io, int chunkBytes,
      Counters counters, PeerTransport.Listener listener) {
    this.peer = peer;
    this.peerLabel = peerLabel;
    this.install = install;
    this.metadata = install.getInstallSnapshot().getMetadata();
    this.store = store;
    this.io = io;
    this.buffer = ByteBuffer.allocate(chunkBytes);
    this.counters = counters;
    this.listener = listener;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    readNext(ctx);  // added once the handshake was accepted: start streaming
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable() && !reading && !lastSent && !reported) {
      readNext(ctx);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    PeerFrame frame = (PeerFrame) msg;
    if (!frame.hasSnapshotReply()) {
      throw new ProtocolViolation(frame.getBodyCase() + " on a snapshot connection, expected a SnapshotReply");
    }
    SnapshotReply reply = frame.getSnapshotReply();
    report(reply.getOk(), reply.getOk() ? null : "the receiver refused it: " + reply.getReason());
    ctx.close();
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    report(false, "the connection closed before the receiver answered");
    ctx.fireChannelInactive();
  }

  /** The transfer failed before it began (no address, connect or handshake failed). Call on the event loop. */
  void abandon(String why) {
    report(false, why);
  }

  private void readNext(ChannelHandlerContext ctx) {
    reading = true;
    long at = offset;
    try {
      io.execute(() -> {
        ByteString data;
        try {
          buffer.clear();
          int n = store.read(metadata, at, buffer);
          data = n > 0 ? ByteString.copyFrom(buffer.flip()) : ByteString.EMPTY;
        } catch (Exception e) {
          onLoop(ctx, () -> fail(ctx, "reading the snapshot failed: " + e));
          return;
        }
        onLoop(ctx, () -> write(ctx, data));
      });
    } catch (RejectedExecutionException e) {
      fail(ctx, "the snapshot I/O executor refused the read");
    }
  }

  private void write(ChannelHandlerContext ctx, ByteString data) {
    reading = false;
    if (reported) {
      return;
    }
    SnapshotChunk.Builder chunk = SnapshotChunk.newBuilder().setOffset(offset).setData(data);
    if (!announced) {
      chunk.setInstall(install);
      announced = true;
    }
    offset += data.size();
    lastSent = offset >= metadata.getSize();
    if (data.isEmpty() && !lastSent) {
      fail(ctx, "the snapshot file ended at " + offset + " of " + metadata.getSize() + " bytes");
      return;
    }
    ctx.writeAndFlush(PeerFrame.newBuilder().setSnapshotChunk(chunk.setDone(lastSent)).build()).addListener(f -> {
      if (!f.isSuccess()) {
        fail(ctx, "sending a chunk failed: " + f.cause());
      }
    });
    if (!lastSent && ctx.channel().isWritable()) {
      readNext(ctx);
    }
  }

  private void fail(ChannelHandlerContext ctx, String why) {
    report(false, why);
    ctx.close();
  }

  private void report(boolean delivered, String why) {
    if (reported) {
      return;
    }
    reported = true;
    if (delivered) {
      counters.snapshotsSent.incrementAndGet();
      log.info("snapshot {} ({} bytes) delivered to peer {}", metadata.getIndex(), metadata.getSize(),
          peerLabel);
    } else {
      log.warn("snapshot {} not delivered to peer {}: {}", metadata.getIndex(), peerLabel, why);
    }
    listener.onSnapshotSent(peer, delivered);
  }

  private static void onLoop(ChannelHandlerContext ctx, Runnable task) {
    try {
      ctx.executor().execute(task);
    } catch (RejectedExecutionException e) {
      // The transport is shutting down; its channels closing have reported the transfer failed.
    }
  }
}
