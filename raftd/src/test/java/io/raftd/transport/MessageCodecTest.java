package io.raftd.transport;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.google.protobuf.ByteString;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.DecoderException;
import io.raftd.proto.AppendEntries;
import io.raftd.proto.Entry;
import io.raftd.proto.PeerFrame;
import io.raftd.proto.RaftMessage;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The message codec puts on the wire exactly what protobuf and a 4-byte length prefix would, in one
 * buffer per frame, and what it decodes owns its bytes: the received buffer may be reused at once.
 */
class MessageCodecTest {
  private static final PeerFrame FRAME = PeerFrame.newBuilder().setRaft(RaftMessage.newBuilder().setClusterId(7)
      .setFrom(1).setTo(2).setTerm(3).setAppendEntries(AppendEntries.newBuilder().setPrevLogIndex(10)
          .setPrevLogTerm(3).setLeaderCommit(9)
          .addEntries(entry(11, 100))
          .addEntries(entry(12, 70_000))))  // longer than a length varint's two bytes
      .build();

  private static Entry entry(long index, int bytes) {
    byte[] data = new byte[bytes];
    new Random(index).nextBytes(data);
    return Entry.newBuilder().setIndex(index).setTerm(3).setData(ByteString.copyFrom(data)).build();
  }

  @Test
  void aFrameIsItsLengthThenItsProtobufBytesInOneBuffer() {
    EmbeddedChannel ch = new EmbeddedChannel(MessageEncoder.INSTANCE);
    ch.writeOutbound(FRAME, PeerFrame.getDefaultInstance());

    byte[] body = FRAME.toByteArray();
    ByteBuf first = ch.readOutbound();
    assertArrayEquals(ByteBuffer.allocate(4 + body.length).putInt(body.length).put(body).array(),
        ByteBufUtil.getBytes(first));
    first.release();
    ByteBuf empty = ch.readOutbound();
    assertArrayEquals(new byte[4], ByteBufUtil.getBytes(empty), "an empty message is a zero length and nothing else");
    empty.release();
    assertNull(ch.readOutbound());
  }

  @ParameterizedTest(name = "from a {0} buffer")
  @ValueSource(strings = {"heap", "direct"})
  void aDecodedMessageOwnsItsBytes(String kind) {
    EmbeddedChannel ch = new EmbeddedChannel(new MessageDecoder(PeerFrame.getDefaultInstance()));
    byte[] body = FRAME.toByteArray();
    ByteBuf received = (kind.equals("heap") ? Unpooled.buffer(body.length) : Unpooled.directBuffer(body.length))
        .writeBytes(body);
    received.retain();  // kept past the decoder's release, to be overwritten as a pooled buffer would be

    ch.writeInbound(received);
    received.setZero(0, body.length);
    received.release();

    PeerFrame decoded = ch.readInbound();
    assertEquals(FRAME, decoded);
    assertEquals(0, received.refCnt(), "the decoder did not release the frame's buffer");
  }

  @Test
  void aStrayEndGroupTagIsRejectedNotAnEarlyEnd() {
    EmbeddedChannel ch = new EmbeddedChannel(new MessageDecoder(PeerFrame.getDefaultInstance()));
    byte[] body = FRAME.toByteArray();
    byte[] withStop = Arrays.copyOf(body, body.length + 1);
    withStop[body.length] = 0x0C;  // field 1, wire type 4: END_GROUP

    assertThrows(DecoderException.class, () -> ch.writeInbound(Unpooled.wrappedBuffer(withStop)));
    assertNull(ch.readInbound());
  }
}
