package io.raftd.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmBufferPoolMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmClassLoadingMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmCompilationMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmGarbageCollectorMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmNativeMemoryMetrics;
import io.prometheus.metrics.instrumentation.jvm.JvmRuntimeInfoMetric;
import io.prometheus.metrics.instrumentation.jvm.JvmThreadsMetrics;
import io.prometheus.metrics.instrumentation.jvm.ProcessMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import io.raftd.host.HostMetrics;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.NodeStatus;
import io.raftd.proto.PeerProgress;
import io.raftd.raft.Counters;
import io.raftd.raft.Role;
import io.raftd.transport.RejectReason;
import java.util.Arrays;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.DoubleSupplier;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * A member's metrics, in the Prometheus client's registry: what the hot paths report as it happens (the
 * {@link HostMetrics} histograms and request outcomes), and everything else read from the member when
 * scraped ({@link #watch}), so that it costs the write path nothing. Names start with {@code raftd_}, in base
 * units; the README's operations section lists them.
 */
public final class RaftdMetrics implements HostMetrics {
  /** As status shows them: the core's roles in lower case, '-' for '_'. */
  private static final String[] ROLES = Arrays.stream(Role.values())
      .map(r -> r.name().toLowerCase(Locale.ROOT).replace('_', '-')).toArray(String[]::new);

  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final Histogram fsyncSeconds;
  private final Histogram fsyncEntries;
  private final Histogram fsyncBytes;
  private final Histogram commitSeconds;
  private final Histogram readIndexSeconds;
  private final Histogram snapshotSeconds;
  private final Histogram snapshotBytes;
  private final Counter requests;
  /** Writes and reads answered successfully, for status (rates in raftctl top) without reading the registry. */
  private final LongAdder writesAnswered = new LongAdder();
  private final LongAdder readsAnswered = new LongAdder();
  /** The requests counter's data point for each (operation, outcome), resolved once: no label lookup per request. */
  private final AtomicReferenceArray<CounterDataPoint> requestPoints;
  private final int outcomes = ErrorCode.values().length + 1;

  public RaftdMetrics() {
    // The JVM's and the process's own (CPU, memory, files, threads, GC, classes, JIT), all read when scraped:
    // every group of JvmMetrics but JvmMemoryPoolAllocationMetrics, whose listener for every garbage
    // collection's notification cost linearizable gets 5 to 15% of their throughput (docs/benchmarks.md).
    JvmThreadsMetrics.builder().register(registry);
    JvmBufferPoolMetrics.builder().register(registry);
    JvmClassLoadingMetrics.builder().register(registry);
    JvmCompilationMetrics.builder().register(registry);
    JvmGarbageCollectorMetrics.builder().register(registry);
    JvmMemoryMetrics.builder().register(registry);
    JvmNativeMemoryMetrics.builder().register(registry);
    JvmRuntimeInfoMetric.builder().register(registry);
    ProcessMetrics.builder().register(registry);
    fsyncSeconds = histogram("raftd_wal_fsync_duration_seconds", "How long each WAL fsync took", Unit.SECONDS,
        0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10);
    fsyncEntries = histogram("raftd_wal_fsync_entries", "Log entries made durable by each WAL fsync", null,
        1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096);
    fsyncBytes = histogram("raftd_wal_fsync_bytes", "Bytes made durable by each WAL fsync", Unit.BYTES,
        512, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864);
    commitSeconds = histogram("raftd_proposal_commit_seconds",
        "From a proposal on this leader to its entry applied here: replication, fsyncs and apply",
        Unit.SECONDS, 0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10);
    readIndexSeconds = histogram("raftd_read_index_seconds",
        "From a linearizable read to its read index confirmed (and applied here)", Unit.SECONDS,
        0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1, 2, 5, 10);
    snapshotSeconds = histogram("raftd_snapshot_write_seconds", "How long writing each snapshot this member took lasted",
        Unit.SECONDS, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300);
    snapshotBytes = histogram("raftd_snapshot_write_bytes", "The size of each snapshot this member took", Unit.BYTES,
        65536, 1048576, 16777216, 67108864, 268435456, 1073741824, 4294967296.0, 17179869184.0);
    requests = Counter.builder().name("raftd_requests_total")
        .help("Admin requests answered, by operation and outcome (ok, or the error code)")
        .labelNames("operation", "outcome").withoutExemplars().register(registry);
    requestPoints = new AtomicReferenceArray<>(AdminRequest.BodyCase.values().length * outcomes);
  }

  private Histogram histogram(String name, String help, Unit unit, double... bounds) {
    Histogram.Builder b = Histogram.builder().name(name).help(help).classicOnly().classicUpperBounds(bounds);
    if (unit != null) {
      b.unit(unit);
    }
    return b.withoutExemplars().register(registry);
  }

  public long writesAnswered() {
    return writesAnswered.sum();
  }

  public long readsAnswered() {
    return readsAnswered.sum();
  }

  public PrometheusRegistry registry() {
    return registry;
  }

  @Override
  public void fsynced(long nanos, int entries, long bytes) {
    fsyncSeconds.observe(Unit.nanosToSeconds(nanos));
    fsyncEntries.observe(entries);
    fsyncBytes.observe(bytes);
  }

  @Override
  public void proposalApplied(long nanos) {
    commitSeconds.observe(Unit.nanosToSeconds(nanos));
  }

  @Override
  public void readIndexConfirmed(long nanos) {
    readIndexSeconds.observe(Unit.nanosToSeconds(nanos));
  }

  @Override
  public void snapshotWritten(long nanos, long bytes) {
    snapshotSeconds.observe(Unit.nanosToSeconds(nanos));
    snapshotBytes.observe(bytes);
  }

  @Override
  public void answered(AdminRequest.BodyCase operation, ErrorCode error) {
    if (error == null && operation == AdminRequest.BodyCase.WRITE) {
      writesAnswered.increment();
    } else if (error == null && operation == AdminRequest.BodyCase.READ) {
      readsAnswered.increment();
    }
    int outcome = error == null ? 0 : error.ordinal() + 1;
    int slot = operation.ordinal() * outcomes + outcome;
    CounterDataPoint point = requestPoints.get(slot);
    if (point == null) {
      point = requests.labelValues(label(operation.name()), error == null ? "ok" : label(error.name()));
      requestPoints.set(slot, point);
    }
    point.inc();
  }

  private static String label(String enumName) {
    return enumName.toLowerCase(Locale.ROOT);
  }

  /** Registers what is read from the member when scraped. Once, as the daemon starts. */
  public void watch(MemberReadings member) {
    gauge("raftd_term", "The current term", () -> member.status().getTerm());
    GaugeWithCallback.builder().name("raftd_role").help("1 for the role this member has now, 0 for the others")
        .labelNames("role").callback(cb -> {
          String role = member.status().getRole();
          for (String r : ROLES) {
            cb.call(r.equals(role) ? 1 : 0, r);
          }
        }).register(registry);
    gauge("raftd_has_leader", "1 if this member knows a leader (itself too), else 0",
        () -> member.status().hasLeader() ? 1 : 0);
    gauge("raftd_commit_index", "The highest log index this member knows committed", () -> member.status().getCommit());
    gauge("raftd_applied_index", "The highest log index applied to this member's state machine",
        () -> member.status().getApplied());
    gauge("raftd_last_index", "The last index in this member's log", () -> member.status().getLastIndex());
    gauge("raftd_first_index", "The first index in this member's log (the log before it is in a snapshot)",
        () -> member.status().getFirstIndex());
    gauge("raftd_snapshot_index", "The index of the snapshot this member's log starts after",
        () -> member.status().getSnapshotIndex());
    gauge("raftd_snapshot_size_bytes", "The size of the snapshot this member's log starts after",
        () -> member.status().getSnapshotBytes());
    gauge("raftd_wal_size_bytes", "The WAL's segment files, in bytes", () -> member.status().getWalBytes());
    gauge("raftd_wal_segments", "The WAL's segment files", () -> member.status().getWalSegments());
    gauge("raftd_disk_full", "1 while the WAL cannot start a segment for want of space (writes are refused)",
        () -> member.status().getDiskFull() ? 1 : 0);
    gauge("raftd_disk_low", "1 while free space on data_dir's file system is below disk.min_free_bytes (writes are refused)",
        () -> member.status().getDiskLow() ? 1 : 0);
    GaugeWithCallback.builder().name("raftd_disk_free_bytes").help("Free space on data_dir's file system (read once a second)")
        .unit(Unit.BYTES).callback(cb -> {
          long free = member.status().getDiskFreeBytes();
          if (free != Long.MAX_VALUE) {  // never read: no watermark is set
            cb.call(free);
          }
        }).register(registry);
    gauge("raftd_state_bytes", "The state machine's bytes as it counts them (keys, values and the heap around them)",
        () -> member.status().getStateBytes());
    gauge("raftd_state_quota_bytes", "kv.quota_bytes in effect: as leader this member refuses writes that could pass it",
        () -> member.status().getStateQuotaBytes());
    gauge("raftd_wal_write_outstanding_seconds", "How long the WAL's outstanding write and fsync have taken so far (0: none)",
        () -> member.status().getWalWritingMs() / 1000.0);
    gauge("raftd_wal_stalled", "1 while a WAL write has been outstanding for longer than an election timeout",
        () -> member.status().getWalStalled() ? 1 : 0);
    counter("raftd_wal_slow_fsyncs", "WAL fsyncs slower than disk.slow_fsync_ms", m -> m.status().getWalSlowFsyncs(), member);
    gauge("raftd_state_diverged", "1 once this member's state differed from the leader's at a checksum (no reads served)",
        () -> member.status().getDivergedAt() != 0 ? 1 : 0);
    counter("raftd_checksums_compared", "Checksum marks at which this member compared its state's digest with the leader's",
        m -> m.status().getChecksumsCompared(), member);
    gauge("raftd_sessions_open", "Client sessions open (as of the last entry applied)", () -> member.openSessions());
    perPeer("raftd_peer_match_lag_entries", "On a leader: entries of its log each peer does not hold yet",
        PeerProgress::getLag, member);
    perPeer("raftd_peer_last_contact_seconds", "On a leader: since it last heard from each peer",
        p -> p.getLastContactMs() / 1000.0, member);
    perPeer("raftd_peer_inflight_appends", "On a leader: AppendEntries sent to each peer and not yet answered",
        PeerProgress::getInflight, member);
    GaugeWithCallback.builder().name("raftd_connections").help("Connections open, by port (peer: accepted and dialed)")
        .labelNames("port").callback(cb -> {
          cb.call(member.peerConnections(), "peer");
          cb.call(member.adminConnections(), "admin");
        }).register(registry);

    counter("raftd_leader_changes", "Times the leader this member knows of changed (to none too)",
        m -> m.leaderChanges(), member);
    coreCounter("raftd_elections_started", "Elections this member started (pre-vote or real)",
        Counters::campaigns, member);
    coreCounter("raftd_elections_won", "Elections this member won", Counters::leadersElected, member);
    coreCounter("raftd_prevotes_refused", "Pre-votes this member refused, or ignored in contact with a leader",
        Counters::preVotesRefused, member);
    coreCounter("raftd_check_quorum_step_downs", "Times this leader stepped down, out of contact with a quorum",
        Counters::checkQuorumStepDowns, member);
    coreCounter("raftd_snapshots_installed", "Snapshots from a leader installed here", Counters::snapshotsInstalled,
        member);
    counter("raftd_snapshots_failed", "Snapshots this member failed to write", MemberReadings::snapshotsFailed,
        member);
    counter("raftd_snapshots_sent", "Snapshots streamed to a follower and confirmed by it",
        m -> m.peerPort().snapshotsSent(), member);
    counter("raftd_snapshots_received", "Snapshots streamed here, verified and stored",
        m -> m.peerPort().snapshotsReceived(), member);
    counter("raftd_snapshots_rejected", "Snapshots streamed here that did not verify or could not be stored",
        m -> m.peerPort().snapshotsRejected(), member);
    counter("raftd_sessions_expired", "Client sessions this member expired", MemberReadings::expiredSessions, member);
    CounterWithCallback.builder().name("raftd_rejected_connections")
        .help("Connections closed for bad input, by port and reason").labelNames("port", "reason").callback(cb -> {
          for (RejectReason r : RejectReason.values()) {
            cb.call(member.peerPort().rejected(r), "peer", r.label());
            cb.call(member.adminPort().rejected(r), "admin", r.label());
          }
        }).register(registry);
    CounterWithCallback.builder().name("raftd_refused_connections")
        .help("Connections closed as soon as accepted: over the port's max_connections or per-address limit")
        .labelNames("port").callback(cb -> {
          cb.call(member.peerPort().connectionsRefused(), "peer");
          cb.call(member.adminPort().connectionsRefused(), "admin");
        }).register(registry);
    CounterWithCallback.builder().name("raftd_refused_requests")
        .help("Admin requests refused by [admin_auth]: without a valid token (unauthenticated), or with a token"
            + " whose role does not allow them (permission_denied)").labelNames("reason").callback(cb -> {
          cb.call(member.adminPort().requestsUnauthenticated(), "unauthenticated");
          cb.call(member.adminPort().requestsPermissionDenied(), "permission_denied");
        }).register(registry);
  }

  private void gauge(String name, String help, DoubleSupplier value) {
    GaugeWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.getAsDouble()))
        .register(registry);
  }

  private void perPeer(String name, String help, ToDoubleFunction<PeerProgress> value, MemberReadings member) {
    Consumer<GaugeWithCallback.Callback> peers = cb -> {
      for (PeerProgress p : member.status().getPeersList()) {
        cb.call(value.applyAsDouble(p), p.getMember().getName());
      }
    };
    GaugeWithCallback.builder().name(name).help(help).labelNames("peer").callback(peers).register(registry);
  }

  private void counter(String name, String help, ToLongFunction<MemberReadings> value, MemberReadings member) {
    CounterWithCallback.builder().name(name).help(help).callback(cb -> cb.call(value.applyAsLong(member)))
        .register(registry);
  }

  private void coreCounter(String name, String help, ToLongFunction<Counters> value, MemberReadings member) {
    counter(name, help, m -> value.applyAsLong(m.core()), member);
  }
}
