package io.raftd.daemon;

import io.raftd.client.AdminCredentials;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.config.HostPort;
import io.raftd.proto.JoinReply;
import io.raftd.proto.JoinRequest;
import io.raftd.proto.Member;
import io.raftd.proto.NodeStatus;
import io.raftd.proto.ProbeReply;
import io.raftd.proto.ProbeRequest;
import io.raftd.raft.MemberId;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A new member's first start with {@code cluster.join}: it finds the leader through the admin addresses
 * given (their status names it and its peer address), and asks it, on the peer port whose handshake proves
 * it holds the cluster token, to add it. The leader answers once the change that adds it as a learner has
 * applied, with its member id and the cluster's record. Who cannot answer yet (no leader, a change in
 * progress, a member not up) is asked again until the start's patience runs out; a refusal ends the start.
 * Runs before the member's threads start, on the starting thread, like {@link Bootstrap}.
 */
final class Joiner {
  private static final Logger LOG = LoggerFactory.getLogger(Joiner.class);
  /** How long the leader may take to add us: a change commits in milliseconds on a healthy cluster. */
  private static final Duration ADD_WAIT = Duration.ofSeconds(30);

  /** A member id and the record of the cluster that added it. */
  record Joined(long memberId, io.raftd.proto.ClusterRecord cluster) {}

  private Joiner() {}

  /**
   * @param credentials what to present to the seeds' admin ports: a token ({@code [admin_auth]}: members of a
   *     cluster share the tokens file), TLS ({@code [admin_tls]}: members of a cluster share the CA)
   */
  static Joined join(String name, String peerAddress, String adminAddress, List<HostPort> seeds,
      AdminCredentials credentials,
      Bootstrap.Prober prober, Duration patience) throws Daemon.StartupException, InterruptedException {
    JoinRequest request = JoinRequest.newBuilder().setName(name).setPeerAddress(peerAddress)
        .setAdminAddress(adminAddress).build();
    long deadline = System.nanoTime() + patience.toNanos();
    long lastLog = 0;
    String why = "no member answered";
    LOG.info("joining the cluster of {}: asking its leader to add {} ({} for peers, {} for clients)", seeds, name,
        peerAddress, adminAddress);
    while (true) {
      for (HostPort seed : seeds) {
        String target;
        try {
          target = leaderPeerAddress(seed, credentials);
        } catch (RaftdException e) {
          if (e.refusedAccess()) {
            throw new Daemon.StartupException("cluster.join: " + seed + " refused to say who leads: " + e.getMessage()
                + (credentials.token().isEmpty() ? "; give this member the cluster's [admin_auth] tokens file" : ""));
          }
          why = seed + ": " + e.getMessage();
          continue;
        }
        for (int redirects = 0; redirects < 3 && target != null; redirects++) {
          JoinReply reply;
          try {
            ProbeReply answer = prober.probe(Daemon.address(HostPort.parse(target)),
                ProbeRequest.newBuilder().setJoin(request).build(), ADD_WAIT)
                .get(ADD_WAIT.toMillis() + 1000, TimeUnit.MILLISECONDS);
            reply = answer.getJoin();
          } catch (ExecutionException | TimeoutException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            why = "the leader at " + target + " did not answer: " + cause.getMessage();
            break;
          }
          if (reply.getMemberId() != 0) {
            LOG.info("{} was added to cluster {} as {}: it catches up as a learner, and is promoted to voter once"
                + " caught up", name, MemberId.hex(reply.getCluster().getClusterId()),
                MemberId.label(name, reply.getMemberId()));
            return new Joined(reply.getMemberId(), reply.getCluster());
          }
          if (!reply.getRetry()) {
            throw new Daemon.StartupException("cluster.join: the cluster refused to add " + name + ": "
                + reply.getRefusal());
          }
          why = target + ": " + reply.getRefusal();
          target = reply.hasLeader() ? reply.getLeader().getPeerAddress() : null;
        }
      }
      if (System.nanoTime() - deadline > 0) {
        throw new Daemon.StartupException("cluster.join: could not join within " + patience.toMinutes()
            + " minutes (" + why + "): check that the addresses in cluster.join are members' admin addresses and"
            + " that the cluster has a leader");
      }
      if (System.nanoTime() - lastLog > TimeUnit.SECONDS.toNanos(5)) {
        LOG.info("still joining: {}", why);
        lastLog = System.nanoTime();
      }
      Thread.sleep(500);  // a retry period while the cluster elects or finishes a change, not synchronisation
    }
  }

  /** The peer address of the leader the member at {@code seed} knows (its own, if it knows none). */
  private static String leaderPeerAddress(HostPort seed, AdminCredentials credentials)
      throws RaftdException, InterruptedException {
    try (RaftdClient client = RaftdClient.create(List.of(seed.toString()), Duration.ofSeconds(2), credentials)) {
      NodeStatus status = client.status(seed.toString());
      Member leader = status.hasLeader() ? status.getLeader() : status.getSelf();
      return leader.getPeerAddress();
    }
  }
}
