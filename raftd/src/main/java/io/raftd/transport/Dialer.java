package io.raftd.transport;

import com.google.protobuf.ByteString;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.group.ChannelGroup;
import io.netty.util.concurrent.Promise;
import io.raftd.proto.Hello;
import java.net.InetSocketAddress;
import java.time.Duration;

/** Opens outgoing peer connections: connect, say Hello for a purpose, and once accepted hand over. */
final class Dialer {
  private final Bootstrap template;
  private final Identity identity;
  private final Options options;
  private final ConnectionGuard guard;
  /** Where every dialed channel is recorded, for the transport to close them all. */
  private final ChannelGroup channels;

  Dialer(Bootstrap template, Identity identity, Options options, ConnectionGuard guard, ChannelGroup channels) {
    this.template = template;
    this.identity = identity;
    this.options = options;
    this.guard = guard;
    this.channels = channels;
  }

  /**
   * Connects to {@code address} on {@code loop} for {@code purpose}, addressed to member {@code to} (0 for a
   * probe by address). Once the handshake is accepted, {@code then} handles the connection and
   * {@code handshaken} succeeds; it fails if the connect, or the handshake, does.
   *
   * @return the connect's future, whose channel may be closed to abandon the attempt; null if this member
   *     has no token to connect with ({@code handshaken} has then failed)
   */
  ChannelFuture dial(EventLoop loop, InetSocketAddress address, Hello.Purpose purpose, long to, ChannelHandler then,
      Promise<Channel> handshaken, Duration connectTimeout) {
    if (!identity.keys.usable()) {
      handshaken.tryFailure(new HandshakeRefused("this member has no cluster.token, so it cannot connect to peers"));
      return null;
    }
    Hello hello = Hello.newBuilder().setProtocolVersion(Identity.PROTOCOL_VERSION).setClusterId(identity.clusterId())
        .setFrom(identity.selfId).setTo(to).setPurpose(purpose)
        .setNonce(ByteString.copyFrom(ClusterKeys.nonce())).setKeyId(identity.keys.currentKeyId()).build();
    ChannelFuture connect = template.clone(loop)
        .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()))
        .handler(new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            if (identity.tls != null) {
              ch.pipeline().addLast("tls", identity.tls.clientHandler(ch.alloc()));
            }
            FrameCodec.install(ch.pipeline(), options);
            ch.pipeline().addLast("handshake", new OutboundHandshakeHandler(hello, identity, then, handshaken, options));
            ch.pipeline().addLast("guard", guard);
          }
        })
        .connect(address);
    channels.add(connect.channel());
    connect.addListener(f -> {
      if (!f.isSuccess()) {
        handshaken.tryFailure(f.cause());
      }
    });
    return connect;
  }
}
