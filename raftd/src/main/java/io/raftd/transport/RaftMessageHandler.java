package io.raftd.transport;

import io.raftd.raft.MemberId;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.raftd.proto.PeerFrame;
import io.raftd.proto.RaftMessage;
import io.raftd.raft.RawNode;

/**
 * Delivers the Raft messages arriving on a RAFT connection, after the handshake, to the listener; on
 * either end of the connection, since a peer may answer on whichever it likes. Each message must be for
 * our cluster and this member, come from the member that authenticated in the Hello, and carry a term no
 * higher than {@link RawNode#MAX_TERM}: anything else closes the connection. An InstallSnapshot is refused here: it reaches the core only through a snapshot stream,
 * once the file it names is durable.
 */
final class RaftMessageHandler extends ChannelInboundHandlerAdapter {
  private final long peer;
  private final Identity identity;
  private final PeerTransport.Listener listener;

  RaftMessageHandler(long peer, Identity identity, PeerTransport.Listener listener) {
    this.peer = peer;
    this.identity = identity;
    this.listener = listener;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    PeerFrame frame = (PeerFrame) msg;
    if (!frame.hasRaft()) {
      throw new ProtocolViolation(frame.getBodyCase() + " on a Raft connection");
    }
    RaftMessage m = frame.getRaft();
    if (m.getClusterId() != identity.clusterId()) {
      throw new ProtocolViolation("RaftMessage for cluster " + MemberId.hex(m.getClusterId()));
    }
    if (m.getTo() != identity.selfId) {
      throw new ProtocolViolation("RaftMessage addressed to member " + MemberId.hex(m.getTo()));
    }
    if (m.getFrom() != peer) {
      throw new ProtocolViolation("RaftMessage from member " + MemberId.hex(m.getFrom())
          + " on member " + MemberId.hex(peer) + "'s connection");
    }
    if (m.getTerm() > RawNode.MAX_TERM) {
      throw new ProtocolViolation("RaftMessage at term " + Long.toUnsignedString(m.getTerm()) + ", beyond the highest"
          + " term a member may reach (" + RawNode.MAX_TERM + ")");
    }
    if (m.hasInstallSnapshot()) {
      throw new ProtocolViolation("InstallSnapshot outside a snapshot stream");
    }
    listener.onMessage(m);
  }
}
