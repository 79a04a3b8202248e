package io.raftd.daemon;

import io.raftd.config.HostPort;
import io.raftd.proto.ProbeRequest;
import io.raftd.proto.StatusProbe;
import io.raftd.transport.RejectReason;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** One member's peer port dialling another's, as the members of two clusters would: for raftctl's tests. */
public final class PeerProbes {
  private PeerProbes() {}

  /**
   * Has {@code from} probe the peer port at {@code peerAddress} (host:port) with its own token and cluster id.
   *
   * @return null if the probe was answered, else why it failed
   */
  public static String probe(Daemon from, String peerAddress) throws InterruptedException {
    try {
      from.transport().probe(Daemon.address(HostPort.parse(peerAddress)),
          ProbeRequest.newBuilder().setStatus(StatusProbe.getDefaultInstance()).build(), Duration.ofSeconds(5))
          .get(10, TimeUnit.SECONDS);
      return null;
    } catch (ExecutionException e) {
      return String.valueOf(e.getCause());
    } catch (java.util.concurrent.TimeoutException e) {
      return "no answer within 10 s";
    }
  }

  /** Handshakes {@code d}'s peer port refused (a wrong token, cluster or member). */
  public static long handshakesRefused(Daemon d) {
    return d.transport().counters().rejected(RejectReason.HANDSHAKE_REFUSED);
  }
}
