package io.raftd.transport;

import com.google.protobuf.CodedInputStream;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.util.List;

/**
 * Parses each frame with one copy of its bytes. Netty's ProtobufDecoder copies a frame out of its
 * (direct) buffer into an array, then parsing copies every bytes field (an entry's data, a client's
 * command) out of that array again. Here the frame is copied into an array of its own, which nothing else
 * writes, and the parsed message's bytes fields are views of it (protobuf's aliasing of an immutable
 * input). Never views of the received buffer itself: that goes back to the pool as soon as this returns.
 * The views keep the frame's array alive while any of them is: the entries of one AppendEntries live and
 * go together (the log, then the WAL's cache), so this holds little more than the entries themselves.
 */
@ChannelHandler.Sharable
final class MessageDecoder extends MessageToMessageDecoder<ByteBuf> {
  private final Parser<? extends MessageLite> parser;

  MessageDecoder(MessageLite prototype) {
    super(ByteBuf.class);
    this.parser = prototype.getParserForType();
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out)
      throws InvalidProtocolBufferException {
    byte[] owned = ByteBufUtil.getBytes(frame, frame.readerIndex(), frame.readableBytes(), true);
    CodedInputStream in = UnsafeByteOperations.unsafeWrap(owned).newCodedInput();
    in.enableAliasing(true);
    out.add(parser.parseFrom(in));  // rejects a stray end-group tag, as parsing an array does
  }
}
