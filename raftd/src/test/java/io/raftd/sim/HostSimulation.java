package io.raftd.sim;

import io.raftd.host.ApplyWorker;
import io.raftd.host.DiskGuard;
import io.raftd.host.EventHub;
import io.raftd.host.HostMetrics;
import io.raftd.host.Lane;
import io.raftd.host.MemberHost;
import io.raftd.host.Proposals;
import io.raftd.host.RaftNode;
import io.raftd.kv.Kv;
import io.raftd.kv.KvStore;
import io.raftd.proto.Configuration;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.KvQueryResult;
import io.raftd.proto.CommandResult;
import io.raftd.proto.LogCommand;
import io.raftd.proto.OpenSession;
import io.raftd.proto.SessionCommand;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.raft.Config;
import io.raftd.raft.RawNode;
import io.raftd.raft.Role;
import io.raftd.statemachine.SessionLayer;
import io.raftd.storage.SnapshotStore;
import io.raftd.storage.WriteAheadLog;
import io.raftd.walformat.SnapshotFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Consumer;

/**
 * One schedule of the host simulator: three members, each the daemon's own {@link MemberHost} (RaftLoop,
 * WAL writer, apply and snapshot writer lanes; the real WAL, snapshot store, session layer and key-value
 * store) over a {@link HostDisk}, every lane of all three on one {@link SimHostRuntime}, so the seed decides
 * how the members' threads interleave, down to preemption points inside a RaftLoop step and at every disk
 * operation. Around them, by the same seed: a network with delays, slow messages, losses and partitions;
 * power losses and restarts; snapshot writes that fail; snapshots taken often and streamed to members that
 * fall behind. Clients write (one sequential writer per key, each value new), read linearizably from
 * every member, and append within sessions (retrying each append until it is acknowledged), and the
 * history is checked: no read older than a write acknowledged before it began, none older than a read
 * that ended before it began, no value that was refused; then, with the faults healed, every member
 * restarts, converges on the same state holding every acknowledged write, each acknowledged append exactly
 * once and none twice, and keeps its log bounded by its snapshots.
 *
 * <p>{@link Variant}s put back, around the real classes, what issue 12's first four bugs did, so the
 * random search is shown to catch each.
 */
final class HostSimulation {
  /** The members' cluster id: any constant will do. */
  private static final long CLUSTER = 42;
  private static final int MEMBERS = 3;
  private static final long TICK = 10_000_000;
  private static final long MS = 1_000_000;
  /** Faults happen in [FAULTS_FROM, HEAL); clients write until WRITES_UNTIL; the run ends at END. */
  private static final long FAULTS_FROM = 300 * MS;
  private static final long HEAL = 3_000 * MS;
  private static final long WRITES_UNTIL = 4_000 * MS;
  private static final long END = 5_500 * MS;
  /** Clients that append within a session, retrying each append until its outcome is known. */
  private static final int APPENDERS = 2;
  /** A client waits up to this long between two of its requests. */
  private static final int THINK_MS = 10;
  private static final Configuration VOTERS;

  static {
    Configuration.Builder c = Configuration.newBuilder();
    for (int i = 1; i <= MEMBERS; i++) {
      c.addVoters(i);
    }
    VOTERS = c.build();
  }

  /** Issue 12's bugs 1 to 4, put back around the real classes; and one that proves the session check can fail. */
  enum Variant {
    NONE,
    /** Bug 1: the WAL writer compacts the log's view as soon as a snapshot record is durable. */
    COMPACT_ON_WAL_WRITER,
    /** Bug 2: every start numbers its read contexts from the same place. */
    READ_CONTEXTS_REPEAT_AFTER_RESTART,
    /** Bug 3: pruning keeps the newest snapshots by index, whichever the WAL starts from. */
    PRUNE_KEEPS_NEWEST_BY_INDEX,
    /** Bug 4: once a snapshot fails to be written, the snapshot writer never finishes another. */
    SNAPSHOTS_STOP_AFTER_A_FAILURE,
    /** Not a host bug: appends sent outside their session, so the exactly-once check must see a retry apply twice. */
    APPENDS_OUTSIDE_THE_SESSION
  }

  /** What one schedule, or many, exercised. */
  static final class Stats {
    long schedules;
    long tasks;
    long laneSwitches;
    long preemptions;
    long crashes;
    long partitions;
    long messagesLost;
    long snapshotsTaken;
    long snapshotsInstalled;
    long snapshotFaults;
    long writesAcknowledged;
    long readsServed;
    long followerReads;
    /** The windows of bugs 1 to 4. */
    long snapshotsMidStep;
    long readAnswersAcrossRestart;
    long snapshotTasksBesideNewerFile;
    long snapshotWritesFailed;

    void add(Stats o) {
      schedules += o.schedules;
      tasks += o.tasks;
      laneSwitches += o.laneSwitches;
      preemptions += o.preemptions;
      crashes += o.crashes;
      partitions += o.partitions;
      messagesLost += o.messagesLost;
      snapshotsTaken += o.snapshotsTaken;
      snapshotsInstalled += o.snapshotsInstalled;
      snapshotFaults += o.snapshotFaults;
      writesAcknowledged += o.writesAcknowledged;
      readsServed += o.readsServed;
      followerReads += o.followerReads;
      snapshotsMidStep += o.snapshotsMidStep;
      readAnswersAcrossRestart += o.readAnswersAcrossRestart;
      snapshotTasksBesideNewerFile += o.snapshotTasksBesideNewerFile;
      snapshotWritesFailed += o.snapshotWritesFailed;
    }
  }

  /** The outcome of one schedule: its violations (none if it passed) and what it exercised. */
  record Result(long seed, List<String> violations, Stats stats, String trace) {}

  /** One member: its disk, which outlives its crashes, and what runs on it in this incarnation. */
  private final class Member {
    final int id;
    final HostDisk disk;
    final Path dir;
    int incarnation;
    boolean up;
    boolean isolated;
    MemberHost host;
    WriteAheadLog wal;
    SnapshotStore snapshots;
    SessionLayer state;
    PreemptingLog log;

    Member(int id) {
      this.id = id;
      this.dir = Path.of("/n" + id);
      this.disk = new HostDisk(runtime, dir.resolve("snap"), rnd.split());
    }

    String lanes() {
      return "n" + id + "/";
    }

    RaftNode node() {
      return host.node();
    }
  }

  private final long seed;
  private final Variant variant;
  private final SimHostRuntime runtime;
  private final SplittableRandom rnd;
  private final List<Member> members = new ArrayList<>();
  private final Lane net;
  private final Lane faults;
  private final Lane clients;
  private final List<String> violations = new ArrayList<>();
  private final Stats stats = new Stats();
  private final ApplyWorker.SnapshotPolicy policy;
  private final int retain;
  private final int lossPercent;
  private final RegisterHistory registers = new RegisterHistory(MEMBERS);
  /** Each session appender's acknowledged sequence numbers, in order. */
  private final List<List<Long>> appended = new ArrayList<>();

  HostSimulation(long seed, Variant variant) {
    this.seed = seed;
    this.variant = variant;
    this.rnd = new SplittableRandom(seed);
    this.runtime = new SimHostRuntime(rnd.nextLong(), 1_700_000_000_000L, 2 + rnd.nextInt(6), 20_000);
    this.net = runtime.controlLane("sim/network");
    this.faults = runtime.controlLane("sim/faults");
    this.clients = runtime.controlLane("sim/clients");
    long entries = 10 + rnd.nextInt(50);
    this.policy = new ApplyWorker.SnapshotPolicy(entries, Long.MAX_VALUE, rnd.nextInt(2) == 0 ? 0 : rnd.nextInt(20), 100);
    this.retain = 1 + rnd.nextInt(2);
    this.lossPercent = rnd.nextInt(3) == 0 ? 0 : rnd.nextInt(6);
    for (int i = 1; i <= MEMBERS; i++) {
      members.add(new Member(i));
    }
  }

  Result run() {
    for (Member m : members) {
      start(m);
    }
    planFaults();
    for (int k = 0; k < MEMBERS; k++) {
      int key = k;
      clients.schedule(FAULTS_FROM, () -> write(key));
      clients.schedule(FAULTS_FROM, this::read);
      clients.schedule(FAULTS_FROM, this::read);
    }
    for (int a = 0; a < APPENDERS; a++) {
      appended.add(new ArrayList<>());
      int appender = a;
      clients.schedule(FAULTS_FROM, () -> openSession(appender));
    }
    runtime.runUntil(END);
    check();
    stats.schedules = 1;
    stats.tasks = runtime.tasksRun;
    stats.laneSwitches = runtime.laneSwitches;
    stats.preemptions = runtime.preemptions;
    for (Member m : members) {
      collect(m);
      stats.snapshotFaults += m.disk.snapshotWritesFailed;
    }
    String trace = runtime.tasksRun + " tasks, " + runtime.laneSwitches + " switches, " + runtime.preemptions
        + " preemptions, " + stats.crashes + " crashes, " + registers.writeCount() + " writes ("
        + stats.writesAcknowledged + " acknowledged, appends too), " + registers.readCount() + " reads, history digest "
        + Long.toHexString(historyDigest());
    return new Result(seed, violations, stats, trace);
  }

  /** A digest of every write's and read's outcome and times, and the appends: equal only if the runs were the same. */
  private long historyDigest() {
    long h = registers.digest();
    for (List<Long> seqs : appended) {
      h = h * 31 + seqs.size();
    }
    return h;
  }

  // ---- members ----

  /** Opens the member's data directory as the daemon does, and starts its host. */
  private void start(Member m) {
    m.incarnation++;
    int incarnation = m.incarnation;
    try {
      m.wal = WriteAheadLog.open(m.disk, m.dir.resolve("wal"),
          new WriteAheadLog.Options(16 << 10, WriteAheadLog.FsyncPolicy.ALWAYS, 1 << 20, Runnable::run), VOTERS);
      m.wal.createFirstSegment();
      m.snapshots = new SnapshotStore(m.disk, m.dir.resolve("snap"), retain);
      m.state = new SessionLayer(new KvStore());
      long restored = ApplyWorker.restoreAtStart(m.state, m.snapshots, m.wal.snapshot());
      wrapLanes(m);
      // No disk guard: the simulated disk never runs low, and a hand-over for a slow simulated fsync would
      // only add transfers, which the schedules already have. No state quota: the states stay small.
      DiskGuard.Limits unguarded = new DiskGuard.Limits(m.disk, m.dir, 0, Long.MAX_VALUE);
      m.host = new MemberHost(runtime, (component, failure) -> stopped(m, incarnation, component, failure),
          m.wal, m.snapshots, m.state, new MemberHost.Settings(m.lanes(), policy, unguarded, Long.MAX_VALUE,
              Duration.ofDays(1), Duration.ZERO,
              variant == Variant.READ_CONTEXTS_REPEAT_AFTER_RESTART ? 0 : rnd.nextLong()), HostMetrics.NONE,
          new EventHub(runtime, 1));
      m.log = new PreemptingLog(m.wal, runtime);
      RawNode core = new RawNode(Config.builder(m.id, CLUSTER).electionTicks(10).heartbeatTicks(1)
          .seed(rnd.nextLong()).applied(restored).build(), m.log);
      m.host.attach(core, new RaftNode.PeerLink() {
        @Override
        public void send(RaftMessage msg) {
          deliver(m, msg);
        }

        @Override
        public void sendSnapshot(RaftMessage installSnapshot) {
          stream(m, installSnapshot);
        }
      });
      m.host.start(TICK);
      m.up = true;
    } catch (IOException | RuntimeException e) {
      violations.add("member " + m.id + " cannot start (start " + incarnation + "): " + e);
    }
  }

  /**
   * A lane of the member failed: in the daemon, the process halts. Here the member crashes once the task
   * now running is done (the failed one may have run at a preemption point inside another of its tasks,
   * which must not go on writing to a disk that has already crashed).
   */
  private void stopped(Member m, int incarnation, String component, Throwable failure) {
    if (m.incarnation == incarnation && m.up) {
      violations.add("member " + m.id + " stopped at " + runtime.nanoTime() / MS + " ms: " + component + ": " + failure);
      faults.post(() -> {
        if (m.incarnation == incarnation && m.up) {
          crash(m);
        }
      });
    }
  }

  /** Power loss: the member's lanes and timers are gone, its disk keeps what its crash model allows. */
  private void crash(Member m) {
    collect(m);
    runtime.kill(m.lanes());
    m.up = false;
    m.disk.fs.crash(rnd);
    stats.crashes++;
  }

  /** Adds what this incarnation of the member counted to the schedule's figures, once. */
  private void collect(Member m) {
    if (m.host == null) {
      return;
    }
    stats.snapshotsMidStep += m.log.snapshotsMidStep;
    stats.snapshotWritesFailed += m.host.applier().snapshotsFailed();
    m.host = null;
  }

  /**
   * Counts the snapshot writer's tasks run while a snapshot newer than the WAL's base is on disk (bug 3's
   * window), and puts back the variants' behaviour around the WAL writer and the snapshot writer.
   */
  private void wrapLanes(Member m) {
    WriteAheadLog wal = m.wal;
    SnapshotMetadata[] compactedFor = {wal.snapshot()};
    runtime.wrapTasks(m.lanes() + "wal-writer", task -> () -> {
      task.run();
      if (variant == Variant.COMPACT_ON_WAL_WRITER && wal.snapshot() != compactedFor[0]) {
        compactedFor[0] = wal.snapshot();
        wal.compact();
      }
    });
    boolean[] wedged = {false};
    runtime.wrapTasks(m.lanes() + "snapshot-writer", task -> () -> {
      if (wedged[0]) {
        return;
      }
      List<String> files = snapshotFiles(m);
      if (files.stream().anyMatch(f -> SnapshotFile.indexInName(f) > wal.snapshot().getIndex())) {
        stats.snapshotTasksBesideNewerFile++;
      }
      task.run();
      if (variant == Variant.PRUNE_KEEPS_NEWEST_BY_INDEX) {
        pruneNewestByIndex(m);
      }
      if (variant == Variant.SNAPSHOTS_STOP_AFTER_A_FAILURE && m.host.applier().snapshotsFailed() > 0) {
        wedged[0] = true;
      }
    });
  }

  private List<String> snapshotFiles(Member m) {
    try {
      return m.disk.fs.list(m.dir.resolve("snap")).stream().filter(f -> SnapshotFile.indexInName(f) >= 0).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Bug 3's rule: keep the newest {@code retain} snapshot files by index, delete the rest. */
  private void pruneNewestByIndex(Member m) {
    List<String> files = new ArrayList<>(snapshotFiles(m));
    files.sort((a, b) -> Long.compare(SnapshotFile.indexInName(b), SnapshotFile.indexInName(a)));
    try {
      for (String f : files.subList(Math.min(retain, files.size()), files.size())) {
        m.disk.fs.delete(m.dir.resolve("snap").resolve(f));
      }
      m.disk.fs.syncDirectory(m.dir.resolve("snap"));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  // ---- network ----

  private long delay() {
    int slow = rnd.nextInt(100);
    return slow < 3 ? (20 + rnd.nextInt(300)) * MS : slow < 10 ? (2 + rnd.nextInt(20)) * MS : 100_000 + rnd.nextLong(2 * MS);
  }

  private boolean reachable(Member from, Member to) {
    return to.up && !from.isolated && !to.isolated;
  }

  private void deliver(Member from, RaftMessage msg) {
    Member to = members.get((int) msg.getTo() - 1);
    int sentTo = to.incarnation;
    if (rnd.nextInt(100) < lossPercent) {
      stats.messagesLost++;
      return;
    }
    net.schedule(delay(), () -> {
      if (!reachable(from, to)) {
        stats.messagesLost++;
        return;
      }
      if (msg.hasReadIndexResponse() && to.incarnation != sentTo) {
        stats.readAnswersAcrossRestart++;
      }
      to.node().receive(msg);
    });
  }

  /** Streams a snapshot file from one member's store to another's, then hands the receiver the message. */
  private void stream(Member from, RaftMessage install) {
    Member to = members.get((int) install.getTo() - 1);
    int fromIncarnation = from.incarnation;
    int toIncarnation = to.incarnation;
    SnapshotMetadata meta = install.getInstallSnapshot().getMetadata();
    net.schedule(delay(), () -> {
      boolean delivered = false;
      if (reachable(from, to) && from.up && from.incarnation == fromIncarnation && to.incarnation == toIncarnation) {
        try (SnapshotStore.Writer w = to.snapshots.receive(meta)) {
          w.write(ByteBuffer.wrap(from.snapshots.load(meta)));
          w.finish();
          delivered = true;
        } catch (IOException e) {
          // the sender pruned it, or the receiver's disk failed: the leader hears it was not delivered
        }
      }
      if (delivered) {
        stats.snapshotsInstalled++;
        to.node().receive(install);
      }
      boolean ok = delivered;
      net.schedule(delay(), () -> {
        if (from.up && from.incarnation == fromIncarnation) {
          from.node().snapshotSent(to.id, ok);
        }
      });
    });
  }

  // ---- faults ----

  private void planFaults() {
    long span = HEAL - FAULTS_FROM;
    for (int i = 2 + rnd.nextInt(5); i > 0; i--) {
      Member m = members.get(rnd.nextInt(MEMBERS));
      long at = FAULTS_FROM + rnd.nextLong(span - 400 * MS);
      faults.schedule(at, () -> crashAndRestart(m, rnd.nextBoolean() ? 1 : 1 + rnd.nextInt(3)));
    }
    for (int i = rnd.nextInt(4); i > 0; i--) {
      Member m = members.get(rnd.nextInt(MEMBERS));
      long at = FAULTS_FROM + rnd.nextLong(span - 700 * MS);
      faults.schedule(at, () -> {
        m.isolated = true;
        stats.partitions++;
        faults.schedule((50 + rnd.nextInt(600)) * MS, () -> m.isolated = false);
      });
    }
    for (int i = rnd.nextInt(3); i > 0; i--) {
      Member m = members.get(rnd.nextInt(MEMBERS));
      long at = FAULTS_FROM + rnd.nextLong(span - 500 * MS);
      faults.schedule(at, () -> {
        m.disk.failSnapshotWrites = true;
        faults.schedule((50 + rnd.nextInt(400)) * MS, () -> m.disk.failSnapshotWrites = false);
      });
    }
  }

  /**
   * Crashes the member and restarts it after a moment, {@code times} times in a row, each life short: a
   * member that restarts quickly gets answers meant for its previous life.
   */
  private void crashAndRestart(Member m, int times) {
    if (!m.up) {
      return;
    }
    crash(m);
    faults.schedule((2 + rnd.nextInt(rnd.nextBoolean() ? 30 : 300)) * MS, () -> {
      start(m);
      if (times > 1) {
        faults.schedule((10 + rnd.nextInt(60)) * MS, () -> crashAndRestart(m, times - 1));
      }
    });
  }

  // ---- clients ----

  private Member anyUp() {
    List<Member> up = members.stream().filter(m -> m.up).toList();
    return up.isEmpty() ? null : up.get(rnd.nextInt(up.size()));
  }

  private Member leaderOrAny() {
    for (Member m : members) {
      if (m.up && m.node().status().role() == Role.LEADER) {
        return m;
      }
    }
    return anyUp();
  }

  /** The writer of key {@code key}: one write at a time, each value one more than the last. */
  private void write(int key) {
    if (runtime.nanoTime() >= WRITES_UNTIL) {
      return;
    }
    Member m = leaderOrAny();
    if (m == null) {
      clients.schedule(5 * MS, () -> write(key));
      return;
    }
    RegisterHistory.Write w = registers.write(key, runtime.nanoTime());
    boolean[] ended = {false};
    CompletableFuture<Proposals.Outcome> f = m.node()
        .propose(LogCommand.newBuilder().setPlain(Kv.put("k" + key, Long.toString(w.value))));
    Runnable timeout = clients.schedule(1_000 * MS, () -> {
      if (!ended[0]) {
        ended[0] = true;
        w.end(runtime.nanoTime(), RegisterHistory.Outcome.MAYBE);
        clients.schedule(rnd.nextInt(THINK_MS) * MS, () -> write(key));
      }
    });
    f.whenComplete((o, e) -> clients.post(() -> {
      if (ended[0]) {
        return;
      }
      ended[0] = true;
      timeout.run();
      boolean acknowledged = e == null;
      w.end(runtime.nanoTime(), acknowledged ? RegisterHistory.Outcome.ACKNOWLEDGED
          : code(e) == ErrorCode.UNKNOWN_OUTCOME ? RegisterHistory.Outcome.MAYBE : RegisterHistory.Outcome.REFUSED);
      if (acknowledged) {
        stats.writesAcknowledged++;
      }
      clients.schedule((acknowledged ? rnd.nextInt(THINK_MS) : 5) * MS, () -> write(key));
    }));
  }

  /**
   * Proposes {@code command} at the leader (or any member) and hands {@code then} the outcome, or null if
   * it is unknown: refused, failed, or not answered within a second.
   */
  private void propose(LogCommand.Builder command, Consumer<Proposals.Outcome> then) {
    Member m = leaderOrAny();
    if (m == null) {
      clients.schedule(5 * MS, () -> then.accept(null));
      return;
    }
    boolean[] ended = {false};
    Runnable timeout = clients.schedule(1_000 * MS, () -> {
      if (!ended[0]) {
        ended[0] = true;
        then.accept(null);
      }
    });
    m.node().propose(command).whenComplete((o, e) -> clients.post(() -> {
      if (!ended[0]) {
        ended[0] = true;
        timeout.run();
        then.accept(e == null ? o : null);
      }
    }));
  }

  /** A session appender opens its session (again, until it has one). */
  private void openSession(int appender) {
    if (runtime.nanoTime() >= WRITES_UNTIL) {
      return;
    }
    propose(LogCommand.newBuilder().setOpenSession(OpenSession.newBuilder().setTimeoutMs(600_000)), o -> {
      if (o == null) {
        clients.schedule(5 * MS, () -> openSession(appender));
      } else {
        append(appender, o.result().getSession(), 1);
      }
    });
  }

  /**
   * Appends "a{appender}:{seq}" within the session, retrying the same sequence number until it is
   * acknowledged: the session layer must apply it exactly once, whatever crashes, snapshots and new
   * leaders happened between the tries.
   */
  private void append(int appender, long session, long seq) {
    if (runtime.nanoTime() >= WRITES_UNTIL) {
      return;
    }
    SessionCommand.Builder command = SessionCommand.newBuilder().setSession(session).setSeq(seq).setLowestPending(seq)
        .setCommand(Kv.append("a" + appender + ":" + seq));
    LogCommand.Builder entry = variant == Variant.APPENDS_OUTSIDE_THE_SESSION
        ? LogCommand.newBuilder().setPlain(command.getCommand()) : LogCommand.newBuilder().setCommand(command);
    propose(entry, o -> {
      if (o == null) {
        clients.schedule(5 * MS, () -> append(appender, session, seq));
      } else if (o.result().getStatus() != CommandResult.Status.OK) {
        violations.add("append " + seq + " of session " + session + " answered " + o.result().getStatus());
      } else {
        appended.get(appender).add(seq);
        stats.writesAcknowledged++;
        clients.schedule(rnd.nextInt(THINK_MS) * MS, () -> append(appender, session, seq + 1));
      }
    });
  }

  private static ErrorCode code(Throwable e) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    return cause instanceof Proposals.Failure f ? f.code : ErrorCode.UNKNOWN_OUTCOME;
  }

  /** A reader: a linearizable read of a random key at a random member, leader or follower, again and again. */
  private void read() {
    if (runtime.nanoTime() >= WRITES_UNTIL) {
      return;
    }
    Member m = anyUp();
    if (m == null) {
      clients.schedule(5 * MS, this::read);
      return;
    }
    int key = rnd.nextInt(MEMBERS);
    long invoked = runtime.nanoTime();
    int incarnation = m.incarnation;
    boolean follower = m.node().status().role() != Role.LEADER;
    SessionLayer state = m.state;
    ApplyWorker applier = m.host.applier();
    boolean[] ended = {false};
    Runnable giveUp = () -> {
      if (!ended[0]) {
        ended[0] = true;
        clients.schedule(rnd.nextInt(THINK_MS) * MS, this::read);
      }
    };
    Runnable timeout = clients.schedule(600 * MS, giveUp);
    m.node().readIndex(Duration.ofMillis(500)).whenComplete((index, e) -> clients.post(() -> {
      if (e != null) {
        timeout.run();
        giveUp.run();
        return;
      }
      serveWhenApplied(m, incarnation, applier, state, index, key, invoked, follower, ended, timeout);
    }));
  }

  /** Serves the read once the member has applied up to its read index, as the daemon's read pool does. */
  private void serveWhenApplied(Member m, int incarnation, ApplyWorker applier, SessionLayer state, long index, int key,
      long invoked, boolean follower, boolean[] ended, Runnable timeout) {
    if (ended[0]) {
      return;
    }
    if (!m.up || m.incarnation != incarnation) {
      return;  // the timeout ends it
    }
    if (applier.appliedIndex() < index) {
      clients.schedule(MS, () -> serveWhenApplied(m, incarnation, applier, state, index, key, invoked, follower, ended,
          timeout));
      return;
    }
    KvQueryResult r = Kv.queryResult(state.query(Kv.get("k" + key)));
    long value = r.getKvsCount() == 0 ? 0 : Long.parseLong(r.getKvs(0).getValue().toStringUtf8());
    registers.read(key, invoked, runtime.nanoTime(), value, m.id);
    stats.readsServed++;
    if (follower) {
      stats.followerReads++;
    }
    ended[0] = true;
    timeout.run();
    clients.schedule(rnd.nextInt(THINK_MS) * MS, this::read);
  }

  // ---- the checks ----

  private void check() {
    registers.check(violations);
    checkAppends();
    List<Member> up = members.stream().filter(m -> m.up).toList();
    if (up.size() < MEMBERS) {
      violations.add("members down at the end: " + members.stream().filter(m -> !m.up).map(m -> m.id).toList());
      return;
    }
    long applied = members.get(0).host.applier().appliedIndex();
    for (Member m : members) {
      if (m.host.applier().appliedIndex() != applied) {
        violations.add("member " + m.id + " applied up to " + m.host.applier().appliedIndex() + ", member 1 up to "
            + applied + ", two seconds after the last write");
      }
      long inLog = m.wal.lastIndex() - m.wal.firstIndex() + 1;
      long bound = 2 * policy.entries() + policy.keepEntries() + 64;
      if (inLog > bound) {
        violations.add("member " + m.id + " keeps " + inLog + " entries in its log (bound " + bound + " with snapshots"
            + " every " + policy.entries() + "): snapshots stopped");
      }
      for (int k = 0; k < MEMBERS; k++) {
        long value = valueOf(m, k);
        long acknowledged = registers.lastAcknowledged(k);
        if (value < acknowledged) {
          violations.add("member " + m.id + " holds k" + k + "=" + value + ", but " + acknowledged + " was acknowledged");
        }
        if (value != valueOf(members.get(0), k)) {
          violations.add("member " + m.id + " holds k" + k + "=" + value + ", member 1 " + valueOf(members.get(0), k));
        }
      }
    }
    if (!registers.acknowledgedAfter(HEAL)) {
      violations.add("no write was acknowledged after the faults healed");
    }
  }

  /**
   * Every member's record of appends holds each appender's acknowledged appends exactly once, none twice,
   * in the order appended, and the members' records are the same.
   */
  private void checkAppends() {
    List<String> first = null;
    for (Member m : members) {
      List<String> records = Kv.queryResult(m.state.query(Kv.readLog(0, Integer.MAX_VALUE))).getRecordsList().stream()
          .map(r -> r.getPayload().toStringUtf8()).toList();
      if (first == null) {
        first = records;
      } else if (!first.equals(records)) {
        violations.add("member " + m.id + " holds other appends than member 1");
      }
      for (int a = 0; a < APPENDERS; a++) {
        String prefix = "a" + a + ":";
        List<Long> seqs = records.stream().filter(r -> r.startsWith(prefix))
            .map(r -> Long.parseLong(r.substring(prefix.length()))).toList();
        for (int i = 1; i < seqs.size(); i++) {
          if (seqs.get(i) <= seqs.get(i - 1)) {
            violations.add("member " + m.id + " applied append " + seqs.get(i) + " of appender " + a + " after "
                + seqs.get(i - 1) + ": applied twice or out of order");
            break;
          }
        }
        List<Long> acknowledged = appended.get(a);
        if (!acknowledged.isEmpty() && !seqs.containsAll(acknowledged)) {
          violations.add("member " + m.id + " lost acknowledged appends of appender " + a);
        }
      }
    }
  }

  private static long valueOf(Member m, int key) {
    KvQueryResult r = Kv.queryResult(m.state.query(Kv.get("k" + key)));
    return r.getKvsCount() == 0 ? 0 : Long.parseLong(r.getKvs(0).getValue().toStringUtf8());
  }
}
