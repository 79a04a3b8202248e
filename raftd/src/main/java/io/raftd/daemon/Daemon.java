package io.raftd.daemon;

import io.raftd.auth.AdminAccess;
import io.raftd.auth.AdminTokens;
import io.raftd.auth.FailedAttempts;
import io.raftd.config.HostPort;
import io.raftd.config.RaftdConfig;
import io.raftd.datadir.DataDirFile;
import io.raftd.datadir.DataDirLock;
import io.raftd.proto.ClusterRecord;
import io.raftd.proto.Event;
import io.raftd.proto.JoinReply;
import io.raftd.proto.Member;
import io.raftd.proto.MemberIdentity;
import io.raftd.proto.ProbeReply;
import io.raftd.proto.ProbeRequest;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.RemovedRecord;
import io.raftd.proto.VoteBarrier;
import io.raftd.raft.Config;
import io.raftd.raft.MemberId;
import io.raftd.raft.RaftLogger;
import io.raftd.raft.RawNode;
import io.raftd.host.AdminService;
import io.raftd.host.ApplyWorker;
import io.raftd.host.DiskGuard;
import io.raftd.host.StateQuota;
import io.raftd.host.DivergenceCheck;
import io.raftd.host.EventHub;
import io.raftd.host.Fatal;
import io.raftd.host.RaftNode;
import io.raftd.host.LogReader;
import io.raftd.host.ReadPool;
import io.raftd.host.SnapshotDownloads;
import io.raftd.host.Lane;
import io.raftd.host.MemberHost;
import io.raftd.host.ThreadRuntime;
import io.raftd.host.WalWriter;
import io.raftd.kv.KvStoreProvider;
import io.raftd.metrics.HealthChecks;
import io.raftd.metrics.MetricsServer;
import io.raftd.metrics.RaftdMetrics;
import io.raftd.statemachine.SessionLayer;
import io.raftd.statemachine.StateMachines;
import io.raftd.storage.FileIO;
import io.raftd.storage.NioFileIO;
import io.raftd.storage.SnapshotStore;
import io.raftd.storage.WriteAheadLog;
import io.raftd.client.AdminCredentials;
import io.raftd.datadir.OfflineAudit;
import io.raftd.client.ClientTls;
import io.raftd.transport.AdminGate;
import io.raftd.transport.AdminSecurity;
import io.raftd.transport.AdminTls;
import io.raftd.auth.AuditTrail;
import io.raftd.config.Exposure;
import io.raftd.transport.AdminServer;
import io.raftd.transport.ClusterKeys;
import io.raftd.transport.Options;
import io.raftd.transport.PeerTls;
import io.raftd.transport.ReloadingFiles;
import io.raftd.transport.PeerTransport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running raftd member: opens its data directory (lock, identity, cluster record, WAL, snapshots,
 * vote barrier), forms the cluster on the very first start, restores the state machine, and starts the
 * RaftLoop, the WAL writer, the apply thread, the peer transport and the admin port. {@link #close()}
 * stops it in order, handing leadership over first if it leads.
 */
public final class Daemon implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Daemon.class);
  /** The RaftLoop's tick: timeouts in the config are whole multiples of it in effect. */
  static final Duration TICK = Duration.ofMillis(10);
  /** A RaftLoop that has not ticked for this long is stuck: /livez fails, so that a supervisor restarts it. */
  static final Duration STUCK_LOOP = Duration.ofSeconds(30);
  /** Tokens shorter than this get a WARN at start: 16 random printable characters are about 100 bits. */
  static final int MIN_SAFE_TOKEN_LENGTH = 16;

  /** The member could not start: the message is the one line the operator sees. */
  public static class StartupException extends Exception {
    public StartupException(String message) {
      super(message);
    }
  }

  /** The data directory is a removed member's: raftd exits with {@link Main#REMOVED_EXIT_CODE}, not to be restarted. */
  public static final class RemovedException extends StartupException {
    public RemovedException(String message) {
      super(message);
    }
  }

  private final RaftdConfig config;
  private final DataDirLock lock;
  private final MemberIdentity identity;
  private final ClusterRecord cluster;
  private final Members members;
  private final WriteAheadLog wal;
  /** Zero-fills the WAL's next segment off the write path. */
  private final Lane preallocator;
  private final PeerTransport transport;
  /** Every lane, clock and timer the host uses (see HostRuntime). */
  private final ThreadRuntime runtime = new ThreadRuntime();
  /** Fails requests past their deadline: a lane of its own, so a busy RaftLoop cannot delay the answer. */
  private final Lane deadlines;
  /** The RaftLoop, WAL writer, apply and snapshot lanes and what runs on them. */
  private final MemberHost host;
  /** What this member sees happen, for those watching (WatchEvents). */
  private final EventHub events;
  private final RaftNode node;
  private final ReadPool reads;
  private final AdminServer admin;
  private final AuditLog auditLog;
  /** The state machine under its session layer. */
  private final SessionLayer state;
  /** What the hot paths report, and what /metrics serves. */
  private final RaftdMetrics metrics = new RaftdMetrics();
  /** /metrics and the health endpoints, on metrics_address; their requests run on metricsLane. */
  private final MetricsServer metricsServer;
  private final Lane metricsLane;
  private final long startedAt = runtime.currentTimeMillis();
  private final CompletableFuture<Void> removal = new CompletableFuture<>();

  private Daemon(RaftdConfig config, Fatal fatal, FileIO io) throws IOException, StartupException, InterruptedException {
    this.config = config;
    Path dataDir = config.dataDir();
    StartupCheck.access(config);  // before anything is made there: else a refusal would name only the path
    // A start that fails puts the data directory back as it found it: a half-made first start would leave a
    // member id and a cluster record that the corrected config's start would then be refused by.
    DataDirFootprint footprint = DataDirFootprint.of(dataDir);
    this.lock = lock(dataDir);
    boolean started = false;
    PeerTransport created = null;
    AdminServer adminCreated = null;
    AuditLog auditOpened = null;
    MetricsServer metricsCreated = null;
    WriteAheadLog walOpened = null;
    Lane preallocating = null;
    try {
      MemberIdentity stored = StartupCheck.contents(config);
      if (stored == null) {
        UnfinishedFirstStart.clear(dataDir);
      }
      FileDescriptorBudget.check(config);  // before any port opens: connections must not take the WAL's files
      ReloadingFiles<AdminTokens> adminTokens = adminTokens(config);
      AdminTls adminTls = adminTls(config);
      for (String open : Exposure.openPorts(config)) {
        LOG.warn("insecure = true: {}", open);  // at every start, for as long as the file says so
      }
      // A new member's id is written only once its start can no longer fail (below), with its cluster record.
      MemberIdentity self = stored != null ? stored : newIdentity(config.name(), runtime.currentTimeMillis());
      SnapshotStore snapshots = new SnapshotStore(io, dataDir.resolve("snap"), config.snapshot().retain());
      ClusterRecord known = DataDirFile.read(dataDir.resolve(DataDirFile.CLUSTER), ClusterRecord.parser());
      if (known != null && !config.cluster().join().isEmpty()) {
        LOG.warn("cluster.join is ignored: data_dir {} holds a member of cluster {} already", dataDir,
            MemberId.hex(known.getClusterId()));
      }
      RaftNodeHolder holder = new RaftNodeHolder();
      Options transportOptions = transportOptions(config, dataDir);
      this.transport = new PeerTransport(known == null ? 0 : known.getClusterId(), self.getMemberId(),
          clusterKeys(config.cluster()), peerTls(config), address(config.peerAddress()), transportOptions,
          config.peerPort(), holder, snapshots, null);
      created = transport;
      ProbeAnswers probes = new ProbeAnswers(self);
      transport.setProbeHandler(probes::answer);
      transport.setMembership(new PeerTransport.Membership() {  // until the cluster is known: only its own name
        @Override
        public boolean admits(long peer) {
          return false;
        }

        @Override
        public String nameOf(long peer) {
          return peer == self.getMemberId() ? self.getName() : null;
        }
      });
      listen("peer_address", config.peerAddress(), transport::start);
      if (known != null) {
        this.cluster = checkStillValid(known);
        this.identity = self;
      } else if (!config.cluster().join().isEmpty()) {
        Joiner.Joined joined = Joiner.join(config.name(), config.peerAddress().toString(),
            config.adminAddress().toString(), config.cluster().join(), joinCredentials(config, adminTokens == null ? null : adminTokens.current()),
            transport::probe, Duration.ofMinutes(10));
        this.cluster = joined.cluster();
        this.identity = self.toBuilder().setMemberId(joined.memberId()).build();
        transport.setSelfId(identity.getMemberId());
        probes.identity = identity;
      } else {
        this.cluster = bootstrap(self.getMemberId());
        this.identity = self;
      }
      probes.cluster = cluster;
      transport.setClusterId(cluster.getClusterId());
      this.members = new Members(cluster.getMembersList());
      this.preallocator = runtime.lane("wal-preallocate", fatal);
      preallocator.start();
      preallocating = preallocator;
      WriteAheadLog.Options walOptions = new WriteAheadLog.Options(config.wal().segmentBytes(), config.wal().fsync(),
          64L << 20, preallocator::post);
      this.wal = WriteAheadLog.open(io, dataDir.resolve("wal"), walOptions, cluster.getBootstrap());
      walOpened = wal;
      wal.createFirstSegment();
      Path barrierFile = dataDir.resolve(DataDirFile.VOTE_BARRIER);
      VoteBarrier barrier = DataDirFile.read(barrierFile, VoteBarrier.parser());
      if (barrier != null) {
        LOG.warn("vote barrier in {}: raftctl wal repair cut this member's log after index {}, and it may have"
            + " acknowledged entries up to {} (term {}) that a quorum still needs; it neither votes nor campaigns"
            + " until it has committed up to index {} in term {} or later", barrierFile, barrier.getTruncatedAfter(),
            barrier.getIndex(), barrier.getTerm(), barrier.getIndex(), barrier.getTerm());
      }
      this.state = new SessionLayer(StateMachines.load(config.stateMachine()).create());  // found: checked
      long restored = ApplyWorker.restoreAtStart(state, snapshots, wal.snapshot());

      this.deadlines = runtime.lane("request-deadlines", fatal);
      this.reads = new ReadPool(runtime, fatal);
      this.events = new EventHub(runtime, EventHub.BUFFER_EVENTS);
      events.setMember(config.name());
      this.host = new MemberHost(runtime, fatal, wal, snapshots, state, new MemberHost.Settings("",
          new ApplyWorker.SnapshotPolicy(config.snapshot().entries(), config.snapshot().bytes(),
              config.snapshot().keepEntries(), config.snapshot().logPercent()),
          new DiskGuard.Limits(io, dataDir, config.disk().minFreeBytes(), config.raft().electionTimeoutMax().toNanos()),
          quota(config.kv().quotaBytes(), state), config.disk().slowFsync(), config.divergenceCheckInterval(),
          new SecureRandom().nextLong()), metrics, events);
      this.node = host.node();
      Config core = coreConfig(config, identity.getMemberId(), cluster.getClusterId(), restored, members, events);
      if (barrier != null) {
        core = core.toBuilder().voteBarrier(barrier.getTerm(), barrier.getIndex()).build();
      }
      RawNode raw = new RawNode(core, wal);
      host.attach(raw, new RaftNode.PeerLink() {
        @Override
        public void send(RaftMessage m) {
          transport.send(m);
        }

        @Override
        public void sendSnapshot(RaftMessage installSnapshot) {
          transport.sendSnapshot(installSnapshot);
        }
      });
      members.learn(node.configuration());
      node.reportChanges(new ClusterEvents(members, identity.getMemberId(), this::peersChanged, events),
          config.raft().electionTimeoutMin(), config.membership().catchUpEntries());
      node.setOnRemoved(() -> removed(dataDir));
      node.setOnVoteBarrierLifted(() -> liftVoteBarrier(barrierFile));
      holder.node = node;
      peersChanged();
      transport.setMembership(new PeerTransport.Membership() {
        @Override
        public boolean admits(long peer) {
          return members.knows(peer) || inConfiguration(node.configuration(), peer);
        }

        @Override
        public String nameOf(long peer) {
          return members.knows(peer) ? members.byId(peer).getName() : null;
        }
      });
      StatusReporter status = new StatusReporter(this);
      probes.status = status;
      MembershipService membership = new MembershipService(node, members, identity.getMemberId(),
          config.cluster().token().isPresent(), config.raft().electionTimeoutMax().toMillis(), runtime::nanoTime);
      probes.membership = membership;
      LogReader log = new LogReader(wal, () -> node.status().commit(), () -> members.byId(identity.getMemberId()),
          config.stateMachine().equals(KvStoreProvider.NAME), id -> members.knows(id) ? members.byId(id).getName() : null,
          reads, config.transport().maxFrameBytes());
      AdminService service = new AdminService(node, state, host.applier(), reads, snapshots, status, deadlines,
          Duration.ofSeconds(10),
          Duration.ofSeconds(60), config.raft().maxEntryBytes(), metrics, host.divergence(), membership,
          new SnapshotDownloads(snapshots, host.applier(), reads, config.transport().maxFrameBytes()), log);
      this.auditLog = AuditLog.open(config.name(), config.audit());
      auditOpened = auditLog;
      AuditTrail audit = new AuditTrail(config.name(), config.audit().writes(), runtime::currentTimeMillis);
      this.admin = new AdminServer(address(config.adminAddress()), transportOptions, config.adminPort(),
          service::handle, new EventStreams(events), new AdminSecurity(adminTls, adminGate(config, adminTokens), audit));

      // The admin port binds first: if it is taken, nothing has started that would need stopping. A request
      // arriving before the threads start waits in the RaftLoop's queue.
      adminCreated = admin;
      listen("admin_address", config.adminAddress(), admin::start);
      metrics.watch(status);
      this.metricsLane = runtime.lane("raftd-metrics", fatal);  // started with the others: a scrape before waits
      this.metricsServer = new MetricsServer(address(config.metricsAddress()), metrics.registry(),
          new HealthChecks(status, config.raft().electionTimeoutMax().toMillis(), STUCK_LOOP.toMillis(),
              config.membership().catchUpEntries()),
          metricsLane::post);
      metricsCreated = metricsServer;
      listen("metrics_address", config.metricsAddress(), metricsServer::start);
      if (known == null) {
        // The start cannot fail any more: the new member's files go in. The cluster record only once the WAL
        // has its first segment (from here on an empty WAL is damage, never a fresh start), and the identity
        // last: a data directory with an identity is a member's.
        DataDirFile.write(dataDir.resolve(DataDirFile.CLUSTER), cluster);
      }
      if (stored == null) {
        DataDirFile.write(dataDir.resolve(DataDirFile.IDENTITY), identity);
      }
      // What raftctl's offline commands did here while no member ran, now that this start cannot fail.
      OfflineAudit.pending(dataDir).forEach(audit::offline);
      OfflineAudit.clear(dataDir);
      deadlines.start();
      metricsLane.start();
      reads.start();
      host.start(TICK.toNanos());
      started = true;
      LOG.info("raftd {} of cluster {} is up: peers on {}, clients on {}; {} entries in the log after {}",
          members.name(identity.getMemberId()), MemberId.hex(cluster.getClusterId()),
          config.peerAddress(), config.adminAddress(), wal.lastIndex() - wal.firstIndex() + 1, wal.firstIndex() - 1);
    } finally {
      if (!started) {
        runtime.close();  // its timer thread; of the lanes, only wal-preallocate may have started (undo stops it)
        undo(footprint, adminCreated, auditOpened, metricsCreated, created, walOpened, preallocating);
      }
    }
  }

  /** The state quota in effect, logged with where it comes from (the operator may have to size the heap by it). */
  private static long quota(long configured, SessionLayer state) {
    long quota = StateQuota.effective(configured);
    if (state.machineBytes() < 0) {
      LOG.info("the state machine does not count its bytes: {} does not apply to it", StateQuota.KEY);
    } else {
      LOG.info("state quota {} bytes ({}); the state holds {} bytes", quota, configured > 0 ? StateQuota.KEY
          : StateQuota.KEY + " = 0: sized from the maximum heap of " + Runtime.getRuntime().maxMemory() + " bytes",
          state.machineBytes());
    }
    return quota;
  }

  /**
   * Stops what a refused start began (its ports and threads must not outlive it) and puts the data
   * directory back as it was; then releases the lock.
   */
  private void undo(DataDirFootprint footprint, AdminServer admin, AuditLog auditLog, MetricsServer metricsServer,
      PeerTransport transport, WriteAheadLog wal, Lane preallocator) throws IOException, InterruptedException {
    try {
      if (admin != null) {
        admin.close();
      }
      if (auditLog != null) {
        auditLog.close();
      }
      if (metricsServer != null) {
        metricsServer.close();
      }
      if (transport != null) {
        transport.close();
      }
      if (preallocator != null) {
        preallocator.close();  // waits for it: it writes the next segment in data_dir
      }
      if (wal != null) {
        wal.close();
      }
      try {
        footprint.restore();
      } catch (IOException e) {
        // The refusal the operator sees is the start's own; this one only adds what is left to clean.
        LOG.warn("could not put data_dir {} back as it was: {}", config.dataDir(), e.toString());
      }
    } finally {
      lock.close();
    }
  }

  /** Something that binds a port. */
  private interface Binding {
    void bind() throws IOException;
  }

  /** Binds, or refuses the start in one line naming the key, the address and what to do. */
  private static void listen(String key, HostPort address, Binding binding) throws StartupException {
    try {
      binding.bind();
    } catch (IOException e) {
      String cause = String.valueOf((e.getCause() != null ? e.getCause() : e).getMessage());
      // Netty's native transport prefixes the OS's reason with its call ("bind(..) failed with error(-98): ").
      cause = cause.substring(cause.lastIndexOf(": ") + 1).strip();
      throw new StartupException(key + " " + address + ": cannot listen there (" + cause
          + "): stop what listens there (ss -ltnp 'sport = :" + address.port() + "') or choose another port");
    }
  }

  /** Where every member ever known listens (removed ones too: they are told so when they call): after a change. */
  private void peersChanged() {
    Map<Long, InetSocketAddress> peers = new HashMap<>();
    for (Member m : members.everyone().values()) {
      if (m.getId() != identity.getMemberId() && !m.getPeerAddress().isEmpty()) {
        peers.put(m.getId(), address(HostPort.parse(m.getPeerAddress())));
      }
    }
    transport.setPeers(peers);
  }

  /**
   * This member was removed from its cluster (it applied the configuration that removed it, or a member told
   * it so): it records that in its data directory, so that it never starts on it again, and stops. On the
   * RaftLoop, once.
   */
  private void removed(Path dataDir) {
    if (removal.isDone()) {
      return;
    }
    LOG.warn("{} was removed from cluster {}: it stops and will not start on data_dir {} again (to bring this"
        + " machine back, empty data_dir and start it with cluster.join)", members.name(identity.getMemberId()),
        MemberId.hex(cluster.getClusterId()), dataDir);
    try {
      DataDirFile.write(dataDir.resolve(DataDirFile.REMOVED), RemovedRecord.newBuilder()
          .setClusterId(cluster.getClusterId()).setMemberId(identity.getMemberId())
          .setRemovedMs(runtime.currentTimeMillis()).build());
    } catch (IOException e) {
      LOG.warn("could not record the removal in {}: {}; stop this member and empty its data_dir", dataDir, e.getMessage());
    }
    removal.complete(null);
  }

  /** Completes once this member was removed from its cluster (and recorded it): it should stop. */
  public CompletableFuture<Void> removal() {
    return removal;
  }

  /**
   * Ids that may open Raft connections besides the cluster record's: the configuration's voters, learners
   * and outgoing voters, and its removed ids (which the core answers with Removed, so they stop).
   */
  private static boolean inConfiguration(io.raftd.proto.Configuration c, long id) {
    return c.getVotersList().contains(id) || c.getLearnersList().contains(id) || c.getOutgoingVotersList().contains(id)
        || c.getRemovedList().contains(id);
  }

  /** The keys of the peer handshake; a short token is accepted but is a guess away from an open peer port. */
  private static ClusterKeys clusterKeys(RaftdConfig.Cluster c) {
    if (c.token().isEmpty()) {
      return ClusterKeys.none();
    }
    if (c.token().get().length() < MIN_SAFE_TOKEN_LENGTH) {
      LOG.warn("cluster.token has {} characters: anyone who guesses it can speak for a member on the peer port;"
          + " use at least {} random characters (e.g. the output of `openssl rand -hex 32`)",
          c.token().get().length(), MIN_SAFE_TOKEN_LENGTH);
    }
    return ClusterKeys.of(c.token().get(), c.previousTokens());
  }

  /** The admin port's tokens ([admin_auth]), read again when the file changes; null when it has none. */
  private ReloadingFiles<AdminTokens> adminTokens(RaftdConfig config) throws StartupException {
    if (config.adminAuth().isEmpty()) {
      return null;
    }
    Path file = config.adminAuth().get().tokensFile();
    try {
      return ReloadingFiles.load("admin_auth", List.of(file), () -> AdminTokens.load(file), runtime::nanoTime);
    } catch (IOException e) {
      throw new StartupException(e.getMessage());
    }
  }

  /**
   * What a joining member presents to its seeds' admin ports: the first token of the tokens file, and with
   * [admin_tls], TLS checked against client_ca_file (the cluster's admin CA) with its own admin certificate.
   */
  private static AdminCredentials joinCredentials(RaftdConfig config, AdminTokens tokens) throws StartupException {
    String token = tokens == null ? "" : tokens.ownToken();
    if (config.adminTls().isEmpty()) {
      return new AdminCredentials(token, null);
    }
    RaftdConfig.AdminTls tls = config.adminTls().get();
    if (tls.clientCaFile().isEmpty()) {
      throw new StartupException("cluster.join with [admin_tls] needs admin_tls.client_ca_file: the CA this member"
          + " checks its seeds' admin certificates against (the cluster's admin CA)");
    }
    try {
      return new AdminCredentials(token, ClientTls.load(tls.clientCaFile().get(), tls.certFile(), tls.keyFile()));
    } catch (IOException e) {
      throw new StartupException("admin_tls: " + e.getMessage());
    }
  }

  /** TLS on the admin port ([admin_tls]), or null when it has none. */
  private AdminTls adminTls(RaftdConfig config) throws StartupException {
    if (config.adminTls().isEmpty()) {
      return null;
    }
    RaftdConfig.AdminTls tls = config.adminTls().get();
    try {
      return AdminTls.load(tls.certFile(), tls.keyFile(), tls.clientCaFile(), runtime::nanoTime);
    } catch (IOException e) {
      throw new StartupException(e.getMessage());
    }
  }

  private AdminGate adminGate(RaftdConfig config, ReloadingFiles<AdminTokens> tokens) {
    if (tokens == null) {
      return AdminGate.OPEN;
    }
    RaftdConfig.AdminAuth auth = config.adminAuth().get();
    return new AdminAccess(tokens::current, new FailedAttempts(auth.maxFailures(), auth.lockout(), runtime::nanoTime));
  }

  private PeerTls peerTls(RaftdConfig config) throws StartupException {
    if (config.peerTls().isEmpty()) {
      return null;
    }
    RaftdConfig.Tls tls = config.peerTls().get();
    try {
      return PeerTls.load(tls.certFile(), tls.keyFile(), tls.caFile(), runtime::nanoTime);
    } catch (IOException e) {
      throw new StartupException(e.getMessage());
    }
  }

  private static DataDirLock lock(Path dataDir) throws IOException, StartupException {
    try {
      return DataDirLock.acquire(dataDir);
    } catch (DataDirLock.DataDirLockedException e) {
      throw new StartupException(e.getMessage() + ": stop it first, or point this one at another data_dir");
    }
  }

  /**
   * The core lifted the vote barrier and that is durable: its record goes. On the RaftLoop, which owns the
   * node: a deletion and a directory sync, once in a member's life. If it fails, the next start finds the
   * barrier again, and the core lifts it at once if the durable log has caught up.
   */
  private static void liftVoteBarrier(Path barrierFile) {
    try {
      DataDirFile.delete(barrierFile);
      LOG.info("vote barrier lifted: this member has caught up with the cluster and votes and campaigns again");
    } catch (IOException e) {
      LOG.warn("could not delete {}: {}; the barrier is lifted again at the next start", barrierFile, e.getMessage());
    }
  }

  /** Starts a member; the caller has checked the config and the data directory. */
  public static Daemon start(RaftdConfig config, Fatal fatal) throws IOException, StartupException, InterruptedException {
    return new Daemon(config, fatal, new NioFileIO());
  }

  /**
   * Starts a member whose WAL and snapshots go through {@code io}: the file system seam, for tests that
   * need a disk that fills up or fails.
   */
  public static Daemon start(RaftdConfig config, Fatal fatal, FileIO io)
      throws IOException, StartupException, InterruptedException {
    return new Daemon(config, fatal, io);
  }

  /** A new member's identity, in memory until its first start succeeds. */
  private static MemberIdentity newIdentity(String name, long nowMs) {
    long memberId = 0;
    SecureRandom random = new SecureRandom();
    while (memberId == 0) {
      memberId = random.nextLong();
    }
    LOG.info("first start of {}", MemberId.label(name, memberId));
    return MemberIdentity.newBuilder().setMemberId(memberId).setName(name).setCreatedMs(nowMs)
        .build();
  }

  /** Forms the cluster; the caller writes the record, once the WAL has its first segment. */
  private ClusterRecord bootstrap(long selfId) throws IOException, StartupException, InterruptedException {
    RaftdConfig.Cluster c = config.cluster();
    String token = c.token().orElse("");
    ClusterRecord record;
    if (c.members().isEmpty()) {
      record = Bootstrap.alone(selfId, new Bootstrap.Seed(config.name(), config.peerAddress().toString(),
          config.adminAddress().toString()), token);
      LOG.info("forming a one-node cluster {}", MemberId.hex(record.getClusterId()));
    } else {
      List<Bootstrap.Seed> seeds = new ArrayList<>();
      Map<String, InetSocketAddress> addresses = new HashMap<>();
      for (RaftdConfig.Member m : c.members()) {
        seeds.add(new Bootstrap.Seed(m.name(), m.peer().toString(), m.admin().toString()));
        addresses.put(m.name(), address(m.peer()));
      }
      try {
        record = Bootstrap.withSeeds(selfId, config.name(), seeds, token, transport::probe, addresses,
            Duration.ofMinutes(10));
      } catch (Bootstrap.RefusedException e) {
        throw new StartupException(e.getMessage());
      }
      LOG.info("formed cluster {} with {}", MemberId.hex(record.getClusterId()),
          record.getMembersList().stream().map(m -> MemberId.label(m.getName(), m.getId())).toList());
    }
    return record;
  }

  /**
   * After the first start membership comes from the log; a members list that no longer matches a
   * one-node cluster is most likely a config meant for a fresh start.
   */
  private ClusterRecord checkStillValid(ClusterRecord known) throws StartupException {
    if (known.getRecoveredFrom() != 0 && config.cluster().members().size() > 1) {
      LOG.warn("data_dir {} was recovered into a one-member cluster {} (raftctl recover --force-new-cluster, out of"
          + " cluster {}): the {} members in cluster.members are not used; grow the cluster with member add",
          config.dataDir(), MemberId.hex(known.getClusterId()), MemberId.hex(known.getRecoveredFrom()),
          config.cluster().members().size());
      return known;
    }
    if (known.getMembersCount() == 1 && config.cluster().members().size() > 1) {
      throw new StartupException("data_dir " + config.dataDir() + " holds a one-node cluster, but the config lists "
          + config.cluster().members().size() + " members: membership comes from the log after the first start."
          + " To form the listed cluster instead, stop raftd, empty the data_dir and start again");
    }
    return known;
  }

  private static Options transportOptions(RaftdConfig config, Path dataDir) {
    Options d = Options.defaults();
    return new Options((int) config.transport().maxFrameBytes(), d.connectTimeout(), d.handshakeTimeout(),
        config.transport().frameTimeout(), d.backoffMin(), d.backoffMax(), d.sendQueueBound(), d.writeBufferHighBytes(),
        Options.snapshotChunkFor((int) config.transport().maxFrameBytes()), d.snapshotIdleTimeout(), d.ioThreads(),
        d.epoll(), dataDir.resolve("native"));
  }

  /** Room around a command in its log entry (LogCommand: stamp, session, seq, lowest pending): the admin port bounds the command. */
  static final int LOG_COMMAND_ENVELOPE_BYTES = 1024;

  static Config coreConfig(RaftdConfig config, long id, long clusterId, long applied, Members members,
      EventHub events) {
    long tick = TICK.toMillis();
    RaftdConfig.Raft r = config.raft();
    int heartbeat = (int) Math.max(1, r.heartbeat().toMillis() / tick);
    int electionMin = (int) Math.max(heartbeat + 1, r.electionTimeoutMin().toMillis() / tick);
    int spread = (int) Math.max(1, (r.electionTimeoutMax().toMillis() - r.electionTimeoutMin().toMillis()) / tick);
    Logger core = LoggerFactory.getLogger("io.raftd.raft");
    return Config.builder(id, clusterId)
        .heartbeatTicks(heartbeat)
        .electionTicks(electionMin)
        .electionSpread(spread)
        .seed(new SecureRandom().nextLong())
        .maxInflight(r.maxInflight())
        .maxBatchBytes(r.maxAppendBytes())
        .maxEntryBytes(r.maxEntryBytes() + LOG_COMMAND_ENVELOPE_BYTES)
        .applied(applied)
        .catchUp(config.membership().catchUpEntries(),
            (int) Math.max(1, config.membership().catchUpTime().toMillis() / tick))
        .logger(new RaftLogger() {
          @Override
          public void info(String message) {
            core.info(message);
          }

          @Override
          public void warn(String message) {
            core.warn(message);
          }

          @Override
          public void event(Event.Builder event) {
            events.publish(event);
          }

          @Override
          public String member(long id) {
            return members.name(id);
          }
        })
        .build();
  }

  static InetSocketAddress address(HostPort hp) {
    return new InetSocketAddress(hp.host().startsWith("[") ? hp.host().substring(1, hp.host().length() - 1) : hp.host(),
        hp.port());
  }

  // ---- what the status reporter reads ----

  RaftdConfig config() {
    return config;
  }

  MemberIdentity identity() {
    return identity;
  }

  ClusterRecord cluster() {
    return cluster;
  }

  Members members() {
    return members;
  }

  RaftNode node() {
    return node;
  }

  ApplyWorker applier() {
    return host.applier();
  }

  WriteAheadLog wal() {
    return wal;
  }

  WalWriter walWriter() {
    return host.walWriter();
  }

  DiskGuard disk() {
    return host.disk();
  }

  StateQuota quota() {
    return host.quota();
  }

  DivergenceCheck divergence() {
    return host.divergence();
  }

  PeerTransport transport() {
    return transport;
  }

  /** Milliseconds since this member started. */
  long uptimeMs() {
    return runtime.currentTimeMillis() - startedAt;
  }

  /** The threads serving linearizable reads (for tests). */
  SessionLayer state() {
    return state;
  }

  ReadPool reads() {
    return reads;
  }

  /** The admin port (its counters, for tests). */
  AdminServer admin() {
    return admin;
  }

  /** The admin port's address (the real port if the config asked for port 0). */
  public InetSocketAddress adminAddress() {
    return admin.boundAddress();
  }

  public long memberId() {
    return identity.getMemberId();
  }

  RaftdMetrics metrics() {
    return metrics;
  }

  /** What this member sees happen: its watchers subscribe here. */
  EventHub events() {
    return events;
  }

  /**
   * Stops: no new requests; if leading, hands leadership over (bounded wait); waits for the queued WAL
   * writes to be durable; then closes everything and releases the data directory.
   */
  @Override
  public void close() throws IOException, InterruptedException {
    admin.stopAccepting();
    if (node.status().role() == io.raftd.raft.Role.LEADER && members.size() > 1) {
      try {
        node.transferLeadership(0).get(2, TimeUnit.SECONDS);
        long deadline = runtime.nanoTime() + TimeUnit.SECONDS.toNanos(3);
        while (node.status().role() == io.raftd.raft.Role.LEADER && runtime.nanoTime() < deadline) {
          Thread.sleep(20);  // polling the hand-over with a deadline, not synchronisation
        }
      } catch (Exception e) {
        LOG.warn("could not hand leadership over before stopping: {}", e.getMessage());
      }
    }
    node.failAll("this member is shutting down");
    admin.close();
    auditLog.close();
    metricsServer.close();
    metricsLane.close();
    reads.close();
    transport.close();
    host.close();
    deadlines.close();
    runtime.close();
    preallocator.close();  // before the WAL: nothing writes in data_dir once it is closed
    wal.close();
    lock.close();
    LOG.info("raftd {} stopped", config.name());
  }

  /** Routes the transport's events to the node, which exists only once the transport has started. */
  private static final class RaftNodeHolder implements PeerTransport.Listener {
    volatile RaftNode node;

    @Override
    public void onMessage(RaftMessage m) {
      RaftNode n = node;
      if (n != null) {
        n.receive(m);
      }
    }

    @Override
    public void onSnapshotReady(RaftMessage installSnapshot) {
      onMessage(installSnapshot);
    }

    @Override
    public void onSnapshotSent(long peer, boolean delivered) {
      RaftNode n = node;
      if (n != null) {
        n.snapshotSent(peer, delivered);
      }
    }

    @Override
    public void onUnreachable(long peer) {
      RaftNode n = node;
      if (n != null) {
        n.unreachable(peer);
      }
    }
  }

  /** Answers probes on the peer port: bootstrap checks from seeds, status requests from members' fan-outs. */
  private static final class ProbeAnswers {
    volatile MemberIdentity identity;
    volatile ClusterRecord cluster;
    volatile StatusReporter status;
    volatile MembershipService membership;

    ProbeAnswers(MemberIdentity identity) {
      this.identity = identity;
    }

    /** A join is answered once the member is added; every other probe at once. */
    CompletableFuture<ProbeReply> answer(ProbeRequest request, long from) {
      MembershipService m = membership;
      ClusterRecord c = cluster;
      if (request.hasJoin()) {
        if (m == null || c == null) {
          return CompletableFuture.completedFuture(reply(request).setJoin(JoinReply.newBuilder()
              .setRefusal("this member is starting").setRetry(true)).build());
        }
        return m.join(request.getJoin(), from, c).thenApply(j -> reply(request).setJoin(j).build());
      }
      return CompletableFuture.completedFuture(reply(request).build());
    }

    private ProbeReply.Builder reply(ProbeRequest request) {
      MemberIdentity identity = this.identity;
      ClusterRecord c = cluster;
      ProbeReply.Builder reply = ProbeReply.newBuilder().setName(identity.getName()).setMemberId(identity.getMemberId())
          .setClusterId(c == null ? 0 : c.getClusterId());
      if (request.hasBootstrapCheck() && c != null) {
        for (Member m : c.getMembersList()) {
          if (m.getName().equals(request.getBootstrapCheck().getFromName())) {
            reply.setAskerId(m.getId());
          }
        }
      }
      StatusReporter s = status;
      if (request.hasStatus() && s != null) {
        reply.setStatus(s.nodeStatus().toByteString());
      }
      return reply;
    }
  }
}
