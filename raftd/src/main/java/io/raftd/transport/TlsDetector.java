package io.raftd.transport;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslHandler;
import java.util.List;

/**
 * First on an admin connection under {@code [admin_tls]}: looks at the first bytes, and a TLS handshake gets
 * the port's TLS handler in its place. A client speaking plaintext (raftctl without {@code --cacert}) is not
 * just cut off: its connection goes on without TLS only so far as to answer its first request with an error
 * that says the port wants TLS, and is then closed (see {@code AdminServer}). Nothing in plaintext is ever
 * acted on.
 */
final class TlsDetector extends ByteToMessageDecoder {
  /** A TLS record header is 5 bytes: enough to tell. */
  private static final int HEADER = 5;

  private final AdminTls tls;
  private final Runnable plaintext;

  /** @param plaintext told when the client turns out to speak plaintext, before its bytes go on */
  TlsDetector(AdminTls tls, Runnable plaintext) {
    this.tls = tls;
    this.plaintext = plaintext;
  }

  @Override
  protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
    if (in.readableBytes() < HEADER) {
      return;
    }
    if (SslHandler.isEncrypted(in, false)) {
      ctx.pipeline().replace(this, "tls", tls.serverHandler(ctx.alloc()));
    } else {
      plaintext.run();
      ctx.pipeline().remove(this);  // the bytes read so far go on to the frame decoder
    }
  }
}
