package io.raftd.transport;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.MessageLite;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToByteEncoder;
import java.io.IOException;

/**
 * Writes each outgoing message as one frame, its 4-byte length then its bytes, serialized straight into
 * one buffer from the channel's allocator (direct, for the socket). Netty's ProtobufEncoder and
 * LengthFieldPrepender would serialize into a heap array, which the socket write then copies into direct
 * memory, and send the length in a buffer of its own: for an AppendEntries, one more copy of every
 * entry per follower. The bytes on the wire are the same.
 */
@ChannelHandler.Sharable
final class MessageEncoder extends MessageToByteEncoder<MessageLite> {
  static final MessageEncoder INSTANCE = new MessageEncoder();
  private static final int LENGTH_BYTES = 4;

  private MessageEncoder() {
    super(MessageLite.class);
  }

  @Override
  protected ByteBuf allocateBuffer(ChannelHandlerContext ctx, MessageLite msg, boolean preferDirect) {
    return ctx.alloc().ioBuffer(LENGTH_BYTES + msg.getSerializedSize());
  }

  @Override
  protected void encode(ChannelHandlerContext ctx, MessageLite msg, ByteBuf out) throws IOException {
    int size = msg.getSerializedSize();
    out.writeInt(size);
    // An allocator's buffer is one contiguous region, so its NIO view is the buffer itself, not a copy.
    CodedOutputStream body = CodedOutputStream.newInstance(out.internalNioBuffer(out.writerIndex(), size));
    msg.writeTo(body);
    body.checkNoSpaceLeft();
    out.writerIndex(out.writerIndex() + size);
  }
}
