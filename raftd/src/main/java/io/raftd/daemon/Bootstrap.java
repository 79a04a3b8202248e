package io.raftd.daemon;

import io.raftd.proto.BootstrapCheck;
import io.raftd.proto.ClusterRecord;
import io.raftd.proto.Configuration;
import io.raftd.proto.Member;
import io.raftd.proto.ProbeReply;
import io.raftd.proto.ProbeRequest;
import io.raftd.raft.MemberId;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forms the initial cluster on a member's very first start. With no members listed, the member forms a
 * one-node cluster. With members listed, it asks every other listed member, over the peer port, for its
 * member id and whether it already belongs to a cluster, until all have answered: the seeds start
 * together and each learns the others' ids this way, so all of them compute the same configuration and
 * write identical bytes. It refuses if a listed member belongs to another cluster, or to this one
 * without knowing this member's id (its data directory was wiped: a new member must be added instead).
 */
public final class Bootstrap {
  private static final Logger LOG = LoggerFactory.getLogger(Bootstrap.class);

  /** Asks a peer address a question (the peer transport's probe). */
  public interface Prober {
    CompletableFuture<ProbeReply> probe(InetSocketAddress address, ProbeRequest request, Duration timeout);
  }

  /** A member of the bootstrap list, as the config file names it. */
  public record Seed(String name, String peer, String admin) {}

  /** The bootstrap was refused: the message says why and what to do. */
  public static final class RefusedException extends Exception {
    public RefusedException(String message) {
      super(message);
    }
  }

  private Bootstrap() {}

  /**
   * The cluster id: a hash of the members list (sorted by name: each name, peer and admin address) and
   * the token, so every seed derives the same id and two clusters built from the same list with
   * different tokens never talk to each other. Never 0.
   */
  public static long clusterId(List<Seed> seeds, String token) {
    try {
      ByteArrayOutputStream bytes = new ByteArrayOutputStream();
      DataOutputStream out = new DataOutputStream(bytes);
      out.writeUTF("raftd-cluster-v1");
      out.writeUTF(token);
      for (Seed s : sorted(seeds)) {
        out.writeUTF(s.name());
        out.writeUTF(s.peer());
        out.writeUTF(s.admin());
      }
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(bytes.toByteArray());
      long id = 0;
      for (int i = 0; i < 8; i++) {
        id = id << 8 | (digest[i] & 0xFF);
      }
      return id == 0 ? 1 : id;
    } catch (IOException | NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);  // in-memory streams and SHA-256 cannot fail
    }
  }

  /** A one-node cluster of just this member. */
  public static ClusterRecord alone(long selfId, Seed self, String token) {
    return record(clusterId(List.of(self), token), List.of(self), Map.of(self.name(), selfId));
  }

  /**
   * Learns every seed's id and forms the cluster, waiting (up to {@code patience}) for the others to
   * start.
   */
  public static ClusterRecord withSeeds(long selfId, String selfName, List<Seed> seeds, String token, Prober prober,
      Map<String, InetSocketAddress> peerAddresses, Duration patience) throws RefusedException, InterruptedException {
    long clusterId = clusterId(seeds, token);
    Map<String, Long> ids = new HashMap<>();
    ids.put(selfName, selfId);
    long deadline = System.nanoTime() + patience.toNanos();
    long lastLog = 0;
    while (ids.size() < seeds.size()) {
      for (Seed s : seeds) {
        if (ids.containsKey(s.name())) {
          continue;
        }
        ProbeReply reply = ask(prober, peerAddresses.get(s.name()), selfName);
        if (reply == null) {
          continue;
        }
        if (reply.getClusterId() != 0 && reply.getClusterId() != clusterId) {
          throw new RefusedException(s.name() + " already belongs to cluster " + MemberId.hex(reply.getClusterId())
              + ": to replace a member, remove it and add a new one; to form a new cluster, use another cluster.token");
        }
        if (reply.getClusterId() == clusterId && reply.getAskerId() != selfId) {
          throw new RefusedException(s.name() + " already belongs to cluster " + MemberId.hex(clusterId)
              + " and knows " + selfName + " by another member id: this member's data directory was wiped."
              + " To replace a member, remove it and add a new one");
        }
        ids.put(s.name(), reply.getMemberId());
      }
      if (ids.size() < seeds.size()) {
        if (System.nanoTime() - deadline > 0) {
          throw new RefusedException("gave up waiting for the other seeds to start: " + missing(seeds, ids)
              + " did not answer on their peer addresses");
        }
        if (System.nanoTime() - lastLog > TimeUnit.SECONDS.toNanos(5)) {
          LOG.info("forming cluster {}: waiting for {} to start", MemberId.hex(clusterId), missing(seeds, ids));
          lastLog = System.nanoTime();
        }
        Thread.sleep(200);  // a retry period while the other seeds start, not synchronisation
      }
    }
    return record(clusterId, seeds, ids);
  }

  private static ProbeReply ask(Prober prober, InetSocketAddress address, String selfName) throws InterruptedException {
    ProbeRequest request = ProbeRequest.newBuilder()
        .setBootstrapCheck(BootstrapCheck.newBuilder().setFromName(selfName)).build();
    try {
      return prober.probe(address, request, Duration.ofSeconds(2)).get(3, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      return null;  // not up yet
    }
  }

  private static List<String> missing(List<Seed> seeds, Map<String, Long> ids) {
    return seeds.stream().map(Seed::name).filter(n -> !ids.containsKey(n)).toList();
  }

  /** The canonical record: members sorted by name, so every seed writes identical bytes. */
  private static ClusterRecord record(long clusterId, List<Seed> seeds, Map<String, Long> ids) {
    Configuration.Builder conf = Configuration.newBuilder();
    List<Member> members = new ArrayList<>();
    for (Seed s : sorted(seeds)) {
      long id = ids.get(s.name());
      conf.addVoters(id);
      members.add(Member.newBuilder().setName(s.name()).setId(id).setPeerAddress(s.peer()).setAdminAddress(s.admin()).build());
    }
    return ClusterRecord.newBuilder().setClusterId(clusterId).setBootstrap(conf).addAllMembers(members).build();
  }

  private static List<Seed> sorted(List<Seed> seeds) {
    List<Seed> out = new ArrayList<>(seeds);
    out.sort(Comparator.comparing(Seed::name));
    return out;
  }
}
