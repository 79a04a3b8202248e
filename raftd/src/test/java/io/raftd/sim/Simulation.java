package io.raftd.sim;

import io.raftd.proto.Configuration;
import io.raftd.proto.RaftMessage;
import io.raftd.raft.Config;
import io.raftd.raft.Role;
import io.raftd.raft.Status;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.BooleanSupplier;
import java.util.function.UnaryOperator;

/**
 * One seeded schedule: a cluster of real RawNodes and ReadyProcessors on a virtual clock, a faulty
 * network and crash-prone disks. Faults run for a while (crashes, partitions, loss, long delays, faults
 * aimed at leaders right after proposals), then everything heals and the cluster must recover: a leader
 * and a committed proposal within 10 maximum election timeouts, applied everywhere within 20; every
 * acknowledged proposal applied at its index on every member. Invariants are checked after every event.
 * Everything random comes from the seed, so a schedule replays exactly.
 */
final class Simulation {
  static final int TICK_MS = 10;
  static final int ELECTION_TICKS = 10;
  static final int HEARTBEAT_TICKS = 2;
  static final long MAX_ELECTION_TIMEOUT_MS = 2L * ELECTION_TICKS * TICK_MS;
  static final long CLUSTER_ID = 0x5151_7777L;

  private final long seed;
  /** Every random choice of the schedule: shared, in one order, by the simulator, its faults and clients. */
  final SplittableRandom rnd;
  /**
   * Whether and where a restarting member's WAL is repaired: a stream of its own, so that a schedule
   * without repairs makes exactly the choices it made before repairs existed.
   */
  final SplittableRandom repairRnd;
  /** Whether, where and how a restarting member's WAL loses a segment: its own stream, as for repairs. */
  final SplittableRandom segmentLossRnd;
  private final FaultMix mix;
  private final UnaryOperator<Config> configure;
  private final EventQueue queue = new EventQueue();
  private final SimNetwork network;
  private final List<SimNode> nodes = new ArrayList<>();
  final Invariants invariants;
  final ScheduleStats stats = new ScheduleStats();
  final SimFaults faults = new SimFaults(this);
  final SimClients clients = new SimClients(this);
  private final ArrayDeque<EventQueue.Event> trace = new ArrayDeque<>();
  private long digest = 0xcbf29ce484222325L;
  /** Faults and clients run until heal; then the cluster must recover on its own. */
  boolean faultsOn = true;

  /** Deliberate bugs in the simulated host (not the core), to prove the checks catch them. */
  /** Deliberate storage bugs (see {@code io.raftd.storage.BrokenStorage}), to prove the search catches them. */
  enum HostBug { NONE, ACKNOWLEDGE_BEFORE_FSYNC, COMPACT_BEFORE_SNAPSHOT_DURABLE, SKIP_DIRECTORY_FSYNC, LOST_SEGMENT_READ_AS_TORN_TAIL }

  private HostBug hostBug = HostBug.NONE;

  Simulation(long seed, FaultMix mix, UnaryOperator<Config> configure) {
    this.seed = seed;
    this.rnd = new SplittableRandom(seed);
    this.repairRnd = new SplittableRandom(seed ^ 0x7265_7061_6972L);
    this.segmentLossRnd = new SplittableRandom(seed ^ 0x6c6f_7374_7365_676dL);
    this.mix = mix;
    this.configure = configure;
    this.network = new SimNetwork(this, rnd.split(), mix, mix.nodes() + mix.spareNodes());
    Configuration.Builder conf = Configuration.newBuilder();
    for (int i = 0; i < mix.nodes(); i++) {
      conf.addVoters(memberId(i));
    }
    for (int i = 0; i < mix.nodes(); i++) {
      nodes.add(new SimNode(this, i, memberId(i), new SimDisk(this, conf.build())));
    }
    // Spares join only through membership changes: they start with no configuration at all.
    for (int i = mix.nodes(); i < mix.nodes() + mix.spareNodes(); i++) {
      SimNode spare = new SimNode(this, i, memberId(i), new SimDisk(this, Configuration.getDefaultInstance()));
      spare.spare = true;
      nodes.add(spare);
    }
    this.invariants = new Invariants(nodes);
  }

  /**
   * A schedule with its own swarm-drawn fault mix, on a cluster size drawn from {@code sim.sizes}
   * ("3,5" by default, as in CI; soak runs add 7).
   */
  static Simulation random(long seed, UnaryOperator<Config> configure) {
    return random(seed, configure, System.getProperty("sim.sizes", "3,5"));
  }

  /** A schedule drawn as by a batch run with {@code -Dsim.sizes=sizes}. */
  static Simulation random(long seed, UnaryOperator<Config> configure, String sizes) {
    SplittableRandom r = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
    int[] choices = java.util.Arrays.stream(sizes.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
    int size = choices[r.nextInt(choices.length)];
    return new Simulation(seed, FaultMix.draw(r, size), configure);
  }

  private static long memberId(int index) {
    // Ids are arbitrary 64-bit numbers, not positions, as in the daemon.
    return 0x1000_0000_0000_0001L * (index + 1) + 12345;
  }

  EventQueue queue() {
    return queue;
  }

  HostBug hostBug() {
    return hostBug;
  }

  Simulation withHostBug(HostBug bug) {
    this.hostBug = bug;
    return this;
  }

  List<SimNode> nodes() {
    return nodes;
  }

  SimNetwork network() {
    return network;
  }

  long fsyncDelay() {
    return 1 + rnd.nextInt(mix.maxFsyncMs());
  }

  long applyDelay() {
    return rnd.nextInt(3);
  }

  java.util.function.LongFunction<Config> config(SimNode n) {
    return applied -> config(n, applied);
  }

  private Config config(SimNode n, long applied) {
    Config base = Config.builder(n.id, CLUSTER_ID)
        .electionTicks(ELECTION_TICKS)
        .heartbeatTicks(HEARTBEAT_TICKS)
        .seed(seed * 31 + n.index * 1_000_003L + n.life)
        .preVote(mix.preVote())
        .checkQuorum(mix.checkQuorum())
        .maxInflight(mix.maxInflight())
        .maxBatchBytes(mix.maxBatchBytes())
        .maxUncommittedBytes(16 * 1024)
        .applied(applied)
        .voteBarrier(n.barrierTerm, n.barrierIndex)
        .build();
    return configure.apply(base);
  }

  // ---- the run ----

  /** Runs the schedule: faults, then heal, quiesce and the final checks. */
  ScheduleStats run() {
    start(true);
    runFor(2000 + rnd.nextInt(4000));
    healAndCheckLiveness();
    return stats;
  }

  /** Starts every member and the clock; with {@code randomFaults}, the fault mix's crashes and partitions. */
  void start(boolean randomFaults) {
    for (SimNode n : nodes) {
      if (!n.spare) {
        n.start(config(n));
      }
    }
    queue.at(TICK_MS, "tick", -1, null, this::tick);
    clients.startProposals();
    if (randomFaults) {
      faults.start();
    }
    clients.startReads();
  }

  /** Runs every event in the next {@code ms} of virtual time. */
  void runFor(long ms) {
    runUntil(queue.now() + ms, () -> false);
  }

  /** The member that leads the highest term among live members, or null. */
  SimNode leader() {
    SimNode leader = null;
    for (SimNode n : live()) {
      Status s = n.node.status();
      if (s.role() == Role.LEADER && (leader == null || s.term() > leader.node.status().term())) {
        leader = n;
      }
    }
    return leader;
  }

  /** Runs events until {@code done} holds or the clock passes {@code until}; true if done. */
  boolean runUntil(long until, BooleanSupplier done) {
    return runUntilObserved(until, done, e -> {});
  }

  private void runEvent(EventQueue.Event e) {
    if (trace.size() == 40) {
      trace.poll();
    }
    trace.add(e);
    stats.events++;
    e.action().run();
    for (SimNode n : nodes) {
      if (n.crashing) {
        faults.finishCrash(n);
      }
    }
    for (SimNode n : nodes) {
      if (n.alive) {
        invariants.check(n);
        Status s = n.node.status();
        digest = mix(mix(mix(digest, s.term()), s.commit()), s.lastIndex());
      }
    }
    digest = mix(digest, e.time());
    if (stats.events % 512 == 0) {
      invariants.checkLogMatching(live());
    }
  }

  private static long mix(long h, long v) {
    return (h ^ v) * 0x100000001b3L;
  }

  private void tick() {
    // Rotate which member ticks first so no member is always ahead.
    int first = rnd.nextInt(nodes.size());
    for (int k = 0; k < nodes.size(); k++) {
      SimNode n = nodes.get((first + k) % nodes.size());
      if (n.alive && !n.crashing) {
        n.node.tick();
        n.processor.drain();
      }
    }
    queue.after(TICK_MS, "tick", -1, null, this::tick);
  }

  void deliver(int to, RaftMessage m) {
    SimNode n = nodes.get(to);
    if (n.alive && !n.crashing) {
      n.node.step(m);
      n.processor.drain();
    }
  }

  void send(SimNode from, RaftMessage m) {
    invariants.onSend(from, m);
    if (m.hasInstallSnapshot()) {
      streamSnapshot(from, m);
      return;
    }
    if (faultsOn && m.hasRequestVoteResponse() && m.getRequestVoteResponse().getGranted()
        && rnd.nextDouble() < mix.voterCrashAfterGrant()) {
      // A fault aimed where bugs hide: a voter right after it granted, perhaps before its vote is durable.
      queue.after(rnd.nextInt(3), "crash-voter", from.index, null, () -> faults.crash(from));
    }
    network.send(from.index, indexOf(m.getTo()), m);
  }

  private int indexOf(long id) {
    for (SimNode n : nodes) {
      if (n.id == id) {
        return n.index;
      }
    }
    throw new IllegalArgumentException("no member " + id);
  }

  /**
   * The transport streams a snapshot on its own connection: the file is read from the leader's store,
   * may be lost (the leader hears of the failure), delayed or duplicated; the receiver makes it durable
   * before its core sees the InstallSnapshot.
   */
  private void streamSnapshot(SimNode from, RaftMessage m) {
    SimNode.Snapshot file = from.disk.snapshotFile(m.getInstallSnapshot().getMetadata());
    SimNode to = nodes.get(indexOf(m.getTo()));
    long peer = m.getTo();
    if (file == null || network.isBlocked(from.index, to.index) || (network.faulty() && rnd.nextDouble() < mix.dropRate())) {
      from.afterThisLife(1 + rnd.nextInt(20), "snapshot-failed", peer, () -> {
        from.node.onSnapshotStatus(peer, false);
        from.processor.drain();
      });
      return;
    }
    // Duplicated (so stale) snapshots: more often than other messages, as they are rare and matter.
    int copies = network.faulty() && rnd.nextDouble() < 4 * mix.duplicateRate() ? 2 : 1;
    for (int i = 0; i < copies; i++) {
      long delay = 5 + rnd.nextInt(i == 0 ? 40 : 400);
      queue.after(delay, "snapshot", to.index, m, () -> {
        if (to.alive && !to.crashing && !network.isBlocked(from.index, to.index)) {
          stats.snapshotsStreamed++;
          to.receiveSnapshot(m, file);
        }
      });
    }
    from.afterThisLife(45, "snapshot-sent", peer, () -> {
      from.node.onSnapshotStatus(peer, true);
      from.processor.drain();
    });
  }

  void onRestore(SimNode n, io.raftd.proto.SnapshotMetadata snapshot, SimNode.Snapshot file) {
    invariants.onRestore(n, snapshot, file);
  }

  /** The members of the current configuration (as the leader of the highest term sees it) that run. */
  List<SimNode> liveMembers() {
    SimNode leader = leader();
    List<SimNode> members = new ArrayList<>();
    if (leader == null) {
      return members;
    }
    io.raftd.proto.Configuration c = leader.node.configuration();
    for (SimNode n : live()) {
      if (c.getVotersList().contains(n.id) || c.getLearnersList().contains(n.id) || c.getOutgoingVotersList().contains(n.id)) {
        members.add(n);
      }
    }
    return members;
  }

  /** Heals every fault and checks the cluster recovers: see {@link SimHeal}. */
  void healAndCheckLiveness() {
    new SimHeal(this).healAndCheck();
  }

  List<SimNode> live() {
    List<SimNode> live = new ArrayList<>();
    for (SimNode n : nodes) {
      if (n.alive) {
        live.add(n);
      }
    }
    return live;
  }

  /** Adds a member's core counters (for this life) to the schedule's. */
  void accumulate(SimNode n) {
    if (n.node == null) {
      return;  // a spare that never joined
    }
    var c = n.node.counters();
    stats.elections += c.leadersElected();
    stats.truncations += n.node.truncations();
    stats.windowsFilled += c.inflightWindowFull();
    stats.staleTermFreed += c.steppedDownForHigherTerm();
    stats.persistedIgnored += c.persistedIgnored();
    stats.readsWaitedForCommit += c.readsWaitedForCommit();
    stats.snapshotsInstalled += c.snapshotsInstalled();
    stats.staleSnapshotsIgnored += c.staleSnapshotsIgnored();
    stats.transfersCompleted += c.transfersCompleted();
    stats.transfersAborted += c.transfersAborted();
    stats.jointEntered += c.jointEntered();
    stats.jointLeft += c.jointLeft();
    stats.autoLeavesByNewLeader += c.autoLeavesByNewLeader();
    stats.learnerPromotions += c.learnerPromotions();
    stats.autoPromotions += c.autoPromotions();
    stats.leaderRemovals += c.leaderRemovals();
    stats.removedAnswered += c.removedAnswered();
    stats.votesBarred += c.votesBarred();
    stats.campaignsBarred += c.campaignsBarred();
  }

  long digest() {
    return digest;
  }

  long seed() {
    return seed;
  }

  FaultMix mix() {
    return mix;
  }

  /** Each member's state, for the report. */
  String describeNodes() {
    StringBuilder sb = new StringBuilder();
    for (SimNode n : nodes) {
      sb.append("  member ").append(n.index).append(n.alive ? " " : n.disk.lost() ? " (disk lost) " : " (down) ");
      if (n.node != null) {
        sb.append(n.node.status()).append(" applied=").append(n.applied).append(' ').append(n.node.progress());
      }
      sb.append('\n');
    }
    return sb.toString();
  }

  /** The last events before a failure, oldest first, for the report. */
  String trace() {
    StringBuilder sb = new StringBuilder();
    for (EventQueue.Event e : trace) {
      sb.append(String.format("  t=%6dms %-15s node=%2d %s%n", e.time(), e.kind(), e.node(), describe(e.detail())));
    }
    return sb.toString();
  }

  private static String describe(Object detail) {
    if (detail instanceof RaftMessage m) {
      String s = com.google.protobuf.TextFormat.shortDebugString(m);
      return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
    return detail == null ? "" : detail.toString();
  }

  // ---- scenario controls ----
  // Package-private hooks for the scripted scenario tests (*ScenarioTest); nothing above uses them.

  /**
   * Crashes {@code n} at once (its unsynced writes fare as the crash model decides, drawn from the seed).
   * Unlike {@link #crash}, it is never deferred and schedules no restart: the member stays down until
   * {@link #restart}.
   */
  void crashNow(SimNode n) {
    if (n.alive) {
      faults.powerOff(n);
    }
  }

  /** {@link #runUntil}, showing every event to {@code observer} just before it runs. */
  boolean runUntilObserved(long until, BooleanSupplier done, java.util.function.Consumer<EventQueue.Event> observer) {
    while (!done.getAsBoolean()) {
      EventQueue.Event e = queue.next(until);
      if (e == null) {
        return done.getAsBoolean();
      }
      observer.accept(e);
      runEvent(e);
    }
    return true;
  }

  /** Leaders elected so far, over every life of every member (crashed lives were added to the stats). */
  long leadersElectedSoFar() {
    long total = stats.elections;
    for (SimNode n : nodes) {
      if (n.alive && n.node != null) {
        total += n.node.counters().leadersElected();
      }
    }
    return total;
  }

  /** Starts a spare (a member-to-be with no configuration) so that a membership change can add it. */
  void startSpare(SimNode n) {
    if (!n.spare) {
      throw new IllegalStateException("member " + n.index + " is not a spare");
    }
    n.spare = false;
    n.start(config(n));
  }
}
