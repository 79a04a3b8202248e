package io.raftd.daemon;

import io.raftd.proto.ClusterStatus;
import io.raftd.proto.Configuration;
import io.raftd.proto.Member;
import io.raftd.proto.MemberStatus;
import io.raftd.proto.NodeStatus;
import io.raftd.proto.PeerProgress;
import io.raftd.proto.ProbeRequest;
import io.raftd.proto.StatusProbe;
import io.raftd.raft.Role;
import io.raftd.raft.Status;
import io.raftd.host.AdminService;
import io.raftd.metrics.HealthChecks;
import io.raftd.metrics.MemberReadings;
import io.raftd.raft.Counters;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Builds this member's status from what its threads publish (no hop to the RaftLoop), and the cluster's
 * by asking every member over the peer port at once: a member that does not answer in time is reported
 * unreachable, never waited for.
 */
final class StatusReporter implements AdminService.StatusSource, MemberReadings, HealthChecks.Readings {
  static final String VERSION = versionOf();

  /** The longest a cluster status waits for one member's probe. */
  static final Duration PROBE_WAIT = Duration.ofSeconds(1);

  private final Daemon daemon;

  StatusReporter(Daemon daemon) {
    this.daemon = daemon;
  }

  private static String versionOf() {
    String v = StatusReporter.class.getPackage().getImplementationVersion();
    return v != null ? v : "dev";
  }

  NodeStatus nodeStatus() {
    Status s = daemon.node().status();
    Members members = daemon.members();
    Configuration conf = daemon.node().configuration();
    NodeStatus.Builder b = NodeStatus.newBuilder()
        .setSelf(members.byId(daemon.memberId()))
        .setVersion(VERSION)
        .setUptimeMs(daemon.uptimeMs())
        .setRole(s.role().name().toLowerCase(Locale.ROOT).replace('_', '-'))
        .setTerm(s.term())
        .setCommit(s.commit())
        .setApplied(daemon.applier().appliedIndex())
        .setFirstIndex(s.firstIndex())
        .setLastIndex(s.lastIndex())
        .setSnapshotIndex(daemon.wal().snapshot().getIndex())
        .setSnapshotBytes(daemon.wal().snapshot().getSize())
        .setJoint(conf.getOutgoingVotersCount() > 0)
        .setWalSegments(daemon.wal().segmentFiles().size())
        .setWalFsyncs(daemon.walWriter().syncs())
        .setWalFsyncedWrites(daemon.walWriter().syncedWrites())
        .setWalFsyncedEntries(daemon.walWriter().syncedEntries())
        .setVoteBarrierIndex(s.voteBarrierIndex())
        .setLeaderCommit(s.leaderCommit())
        .setPersisted(s.persisted())
        .setClusterId(daemon.cluster().getClusterId())
        .setMaxEntryBytes(daemon.config().raft().maxEntryBytes())
        .setMaxFrameBytes(daemon.config().transport().maxFrameBytes())
        .setDiskFull(daemon.walWriter().outOfSpace())
        .setDiskLow(daemon.disk().lowOnSpace())
        .setDiskFreeBytes(daemon.disk().freeBytes())
        .setWalWritingMs(TimeUnit.NANOSECONDS.toMillis(daemon.disk().walWritingNanos()))
        .setWalStalled(daemon.disk().walStalled())
        .setWalSlowFsyncs(daemon.walWriter().slowFsyncs())
        .setWalFsyncMicros(daemon.walWriter().fsyncMicros())
        .setWritesAnswered(daemon.metrics().writesAnswered())
        .setReadsAnswered(daemon.metrics().readsAnswered())
        .setDivergedAt(daemon.divergence().divergence() == null ? 0 : daemon.divergence().divergence().markIndex())
        .setChecksumsCompared(daemon.divergence().compared());
    long stateBytes = daemon.quota().usedBytes();
    if (stateBytes >= 0) {
      b.setStateBytes(stateBytes).setStateQuotaBytes(daemon.quota().quotaBytes());
    }
    if (s.leader() != 0) {
      b.setLeader(members.byId(s.leader()));
    }
    conf.getVotersList().forEach(id -> b.addVoters(members.byId(id)));
    conf.getLearnersList().forEach(id -> b.addLearners(members.byId(id)));
    int voters = conf.getVotersCount();
    b.setFailureTolerance(Math.max(0, (voters - 1) / 2));
    if (s.role() == Role.LEADER) {
      for (Map.Entry<Long, String> p : daemon.node().progress().entrySet()) {
        long id = p.getKey();
        if (id != daemon.memberId()) {  // peers are the others: the leader's own match is last_index already
          b.addPeers(progress(members.byId(id), p.getValue(), s.lastIndex())
              .setLastContactMs(daemon.node().lastContactMs(id)));
        }
      }
    }
    long walBytes = 0;
    for (java.nio.file.Path p : daemon.wal().segmentFiles()) {
      walBytes += p.toFile().length();
    }
    return b.setWalBytes(walBytes).build();
  }

  /** Parses the core's "STATE match=M next=N ..." progress line. */
  private static PeerProgress.Builder progress(Member member, String line, long lastIndex) {
    PeerProgress.Builder p = PeerProgress.newBuilder().setMember(member);
    String[] parts = line.split(" ");
    p.setState(parts[0].toLowerCase(Locale.ROOT));
    for (String part : parts) {
      if (part.startsWith("match=")) {
        long match = Long.parseLong(part.substring(6));
        p.setMatch(match).setLag(Math.max(0, lastIndex - match));
      } else if (part.startsWith("next=")) {
        p.setNext(Long.parseLong(part.substring(5)));
      } else if (part.startsWith("inflight=")) {
        p.setInflight(Integer.parseInt(part.substring(9)));
      }
    }
    return p;
  }

  @Override
  public NodeStatus status() {
    return nodeStatus();
  }

  @Override
  public Counters core() {
    return daemon.node().counters();
  }

  @Override
  public io.raftd.transport.Counters peerPort() {
    return daemon.transport().counters();
  }

  @Override
  public io.raftd.transport.Counters adminPort() {
    return daemon.admin().counters();
  }

  @Override
  public int peerConnections() {
    return daemon.transport().openConnections();
  }

  @Override
  public int adminConnections() {
    return daemon.admin().openConnections();
  }

  @Override
  public int openSessions() {
    return daemon.state().openSessions();
  }

  @Override
  public long expiredSessions() {
    return daemon.state().expiredSessions();
  }

  @Override
  public long leaderChanges() {
    return daemon.node().leaderChanges();
  }

  @Override
  public long snapshotsFailed() {
    return daemon.applier().snapshotsFailed();
  }

  @Override
  public long msSinceContact(long member) {
    return daemon.node().lastContactMs(member);
  }

  @Override
  public long msSinceTick() {
    return daemon.node().msSinceTick();
  }

  @Override
  public CompletableFuture<NodeStatus> node() {
    return CompletableFuture.completedFuture(nodeStatus());
  }

  @Override
  public CompletableFuture<ClusterStatus> cluster(Duration timeout) {
    List<CompletableFuture<MemberStatus>> answers = new ArrayList<>();
    for (Member m : daemon.members().all()) {
      if (m.getId() == daemon.memberId()) {
        answers.add(CompletableFuture.completedFuture(
            MemberStatus.newBuilder().setMember(m).setReachable(true).setStatus(nodeStatus()).build()));
        continue;
      }
      // Half the request's time at most (1 s at most: a member answers a probe in milliseconds, so one that
      // has not in a second hangs), and the backstop a quarter of that later: the answer, with silent members
      // marked unreachable, goes out well before the request itself times out, and a hung member costs the
      // operator a second, not the timeout.
      Duration half = timeout.dividedBy(2);
      Duration wait = half.compareTo(PROBE_WAIT) < 0 ? half : PROBE_WAIT;
      answers.add(daemon.transport()
          .probe(Daemon.address(io.raftd.config.HostPort.parse(m.getPeerAddress())),
              ProbeRequest.newBuilder().setStatus(StatusProbe.getDefaultInstance()).build(), wait)
          .orTimeout(wait.toMillis() + wait.toMillis() / 4, TimeUnit.MILLISECONDS)
          .handle((reply, e) -> {
            MemberStatus.Builder ms = MemberStatus.newBuilder().setMember(m);
            if (e != null || reply.getStatus().isEmpty()) {
              return ms.setReachable(false).setError(e == null ? "no status in its answer"
                  : String.valueOf((e.getCause() != null ? e.getCause() : e).getMessage())).build();
            }
            try {
              return ms.setReachable(true).setStatus(NodeStatus.parseFrom(reply.getStatus())).build();
            } catch (com.google.protobuf.InvalidProtocolBufferException bad) {
              return ms.setReachable(false).setError("its status does not decode").build();
            }
          }));
    }
    return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).thenApply(v -> {
      ClusterStatus.Builder c = ClusterStatus.newBuilder();
      answers.forEach(a -> c.addMembers(a.join()));
      return c.build();
    });
  }

  @Override
  public Member leader() {
    long id = daemon.node().status().leader();
    return id == 0 ? null : daemon.members().byId(id);
  }

  @Override
  public Member byName(String name) {
    return daemon.members().byName(name);
  }
}
