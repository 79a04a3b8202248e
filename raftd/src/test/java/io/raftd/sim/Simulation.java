package io.raftd.sim;

import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.RaftMessage;
import io.raftd.raft.Config;
import io.raftd.raft.Proposal;
import io.raftd.raft.Role;
import io.raftd.raft.Status;
import java.nio.charset.StandardCharsets;
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
  private final SplittableRandom rnd;
  private final FaultMix mix;
  private final UnaryOperator<Config> configure;
  private final EventQueue queue = new EventQueue();
  private final SimNetwork network;
  private final List<SimNode> nodes = new ArrayList<>();
  private final Invariants invariants;
  final ScheduleStats stats = new ScheduleStats();
  private final ArrayDeque<EventQueue.Event> trace = new ArrayDeque<>();
  private long digest = 0xcbf29ce484222325L;
  private boolean faultsOn = true;
  private int partitionGeneration;
  private long proposalCounter;
  /** Appended proposals not yet acknowledged, by proposing member and life. */
  private final List<Pending> pending = new ArrayList<>();
  /** Acknowledged proposals: index → payload, in acknowledgement order. */
  private final List<Entry> acknowledged = new ArrayList<>();

  private record Pending(int node, int life, long index, long term, byte[] payload) {}

  /** Deliberate bugs in the simulated host (not the core), to prove the checks catch them. */
  enum HostBug { NONE, COMPACT_BEFORE_SNAPSHOT_DURABLE }

  private HostBug hostBug = HostBug.NONE;
  /** Reads in flight by id: where they were sent and what they must at least see. */
  private final java.util.TreeMap<Long, ReadOp> reads = new java.util.TreeMap<>();
  private long readCounter;
  /** The highest index of any acknowledged proposal, and the highest index any finished read saw. */
  private long maxAcknowledged;
  private long maxReadSeen;

  /**
   * A linearizable read: it must see at least every write acknowledged, and everything any read that
   * finished saw, before it began.
   */
  private record ReadOp(int node, int life, long ackedFloor, long readFloor, boolean onLeader) {}

  Simulation(long seed, FaultMix mix, UnaryOperator<Config> configure) {
    this.seed = seed;
    this.rnd = new SplittableRandom(seed);
    this.mix = mix;
    this.configure = configure;
    this.network = new SimNetwork(this, rnd.split(), mix, mix.nodes() + mix.spareNodes());
    Configuration.Builder conf = Configuration.newBuilder();
    for (int i = 0; i < mix.nodes(); i++) {
      conf.addVoters(memberId(i));
    }
    for (int i = 0; i < mix.nodes(); i++) {
      nodes.add(new SimNode(this, i, memberId(i), new SimDisk(conf.build())));
    }
    // Spares join only through membership changes: they start with no configuration at all.
    for (int i = mix.nodes(); i < mix.nodes() + mix.spareNodes(); i++) {
      SimNode spare = new SimNode(this, i, memberId(i), new SimDisk(Configuration.getDefaultInstance()));
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
    SplittableRandom r = new SplittableRandom(seed ^ 0x9E3779B97F4A7C15L);
    int[] sizes = java.util.Arrays.stream(System.getProperty("sim.sizes", "3,5").split(","))
        .map(String::trim).mapToInt(Integer::parseInt).toArray();
    int size = sizes[r.nextInt(sizes.length)];
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

  private java.util.function.LongFunction<Config> config(SimNode n) {
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
    if (mix.proposalsPerSecond() > 0) {
      scheduleProposal();
    }
    if (randomFaults) {
      scheduleFault("crash", mix.crashPerSecond(), this::randomCrash);
      scheduleFault("partition", mix.partitionPerSecond(), this::randomPartition);
      scheduleFault("transfer", mix.transfersPerSecond(), this::randomTransfer);
      scheduleFault("membership", mix.membershipChangesPerSecond(), this::randomMembershipChange);
    }
    if (mix.readsPerSecond() > 0) {
      scheduleRead();
    }
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
        finishCrash(n);
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
      queue.after(rnd.nextInt(3), "crash-voter", from.index, null, () -> crash(from));
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
    SimNode.Snapshot file = from.snapshots.get(m.getInstallSnapshot().getMetadata().getId());
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

  // ---- reads ----

  private void scheduleRead() {
    long gap = Math.max(1, (long) (1000 / mix.readsPerSecond() * 2 * rnd.nextDouble()));
    queue.after(gap, "read", -1, null, () -> {
      if (faultsOn) {
        read(live().isEmpty() ? null : live().get(rnd.nextInt(live().size())));
        scheduleRead();
      }
    });
  }

  /** A client reads through {@code target}: a leader, a member that still thinks it leads, or a follower. */
  void read(SimNode target) {
    if (target == null || target.crashing) {
      return;
    }
    long id = ++readCounter;
    boolean onLeader = target.node.status().role() == Role.LEADER;
    reads.put(id, new ReadOp(target.index, target.life, maxAcknowledged, maxReadSeen, onLeader));
    target.node.readIndex(com.google.protobuf.ByteString.copyFrom(java.nio.ByteBuffer.allocate(8).putLong(id).array()));
    target.processor.drain();
  }

  void onReadReady(SimNode n, io.raftd.raft.ReadState read) {
    ReadOp op = reads.remove(read.context().asReadOnlyByteBuffer().getLong());
    if (op == null || op.life() != n.life) {
      return;
    }
    long r = n.applied;  // the state the read returns
    if (r < op.ackedFloor()) {
      throw new Invariants.Violation("member " + n.index + ": read returned the state at " + r
          + " but index " + op.ackedFloor() + " was acknowledged before the read began (stale read)");
    }
    if (r < op.readFloor()) {
      throw new Invariants.Violation("member " + n.index + ": read returned the state at " + r
          + " but an earlier read already saw " + op.readFloor() + " (reads went back in time)");
    }
    if (r > invariants.committedInOracle()) {
      throw new Invariants.Violation("member " + n.index + ": read returned the state at " + r
          + " beyond anything committed (" + invariants.committedInOracle() + ")");
    }
    maxReadSeen = Math.max(maxReadSeen, r);
    stats.readsChecked++;
    if (!op.onLeader()) {
      stats.followerReadsChecked++;
    }
  }

  void onReadFailed(SimNode n, com.google.protobuf.ByteString context) {
    reads.remove(context.asReadOnlyByteBuffer().getLong());
    stats.readsFailed++;
  }

  /** A leader stepped down: its proposals above the commit index get "outcome unknown", never an acknowledgement. */
  void onLeadershipLost(SimNode n, io.raftd.raft.Ready.LeadershipLost lost) {
    pending.removeIf(p -> p.node == n.index && p.life == n.life && p.index > lost.commit());
  }

  // ---- membership ----

  /**
   * A random membership change through the leader: add a spare as learner or voter, promote a learner,
   * remove a voter or learner (the leader too), or several at once; clusters grow towards 5 voters and
   * shrink back to 3.
   */
  private void randomMembershipChange() {
    SimNode leader = leader();
    if (leader == null || leader.crashing) {
      return;
    }
    io.raftd.proto.Configuration c = leader.node.configuration();
    List<Long> voters = new ArrayList<>(c.getVotersList());
    List<Long> learners = new ArrayList<>(c.getLearnersList());
    List<SimNode> spares = new ArrayList<>();
    for (SimNode n : nodes) {
      if (n.spare) {
        spares.add(n);
      }
    }
    io.raftd.proto.ConfChange.Builder change = io.raftd.proto.ConfChange.newBuilder();
    List<SimNode> joining = new ArrayList<>();
    int kind = rnd.nextInt(6);
    if (kind == 0 && !spares.isEmpty()) {
      joining.add(spares.get(0));
      change.addAddLearners(spares.get(0).id);
    } else if (kind == 1 && !learners.isEmpty()) {
      change.addPromoteLearners(learners.get(rnd.nextInt(learners.size())));
    } else if (kind == 2 && !spares.isEmpty() && voters.size() < 5) {
      joining.add(spares.get(0));
      change.addAddVoters(spares.get(0).id);
    } else if (kind == 3 && voters.size() > 3) {
      change.addRemoveVoters(voters.get(rnd.nextInt(voters.size())));
    } else if (kind == 4 && !learners.isEmpty()) {
      change.addRemoveVoters(learners.get(rnd.nextInt(learners.size())));
    } else if (kind == 5 && spares.size() >= 2 && voters.size() >= 3) {
      // Two voters in and one out, in one change.
      joining.add(spares.get(0));
      joining.add(spares.get(1));
      change.addAddVoters(spares.get(0).id).addAddVoters(spares.get(1).id);
      change.addRemoveVoters(voters.get(rnd.nextInt(voters.size())));
    } else {
      return;
    }
    stats.membershipChangesProposed++;
    Proposal p = leader.node.proposeConfigChange(change.build());
    if (p.appended()) {
      for (SimNode n : joining) {
        n.spare = false;
        n.start(config(n));
      }
    }
    leader.processor.drain();
  }

  /** The host learned its member was removed: it stops it for good. */
  void onRemoved(SimNode n) {
    n.removed = true;
    n.alive = false;
    stats.membersRemoved++;
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

  // ---- transfers ----

  private void randomTransfer() {
    SimNode leader = leader();
    if (leader != null && !leader.crashing) {
      List<SimNode> others = new ArrayList<>(nodes);
      others.remove(leader);
      // Sometimes the most up-to-date voter, sometimes anyone (a learner or spare is refused).
      long target = rnd.nextInt(4) == 0 ? 0 : others.get(rnd.nextInt(others.size())).id;
      leader.node.transferLeadership(target);
      leader.processor.drain();
    }
  }

  void onApply(SimNode n, Entry e) {
    invariants.onApply(n, e);
    for (int i = 0; i < pending.size(); i++) {
      Pending p = pending.get(i);
      if (p.node == n.index && p.life == n.life && p.index == e.getIndex()) {
        pending.remove(i);
        if (p.term == e.getTerm() && e.getData().equals(com.google.protobuf.ByteString.copyFrom(p.payload))) {
          acknowledged.add(e);
          maxAcknowledged = Math.max(maxAcknowledged, e.getIndex());
          stats.acknowledged++;
        }
        break;
      }
    }
  }

  // ---- clients ----

  private void scheduleProposal() {
    long gap = Math.max(1, (long) (1000 / mix.proposalsPerSecond() * 2 * rnd.nextDouble()));
    queue.after(gap, "propose", -1, null, () -> {
      if (faultsOn) {
        propose();
        scheduleProposal();
      }
    });
  }

  /** A client sends a proposal to a member that believes it leads (if any), else to any member. */
  Proposal propose() {
    List<SimNode> leaders = new ArrayList<>();
    for (SimNode n : live()) {
      if (n.node.status().role() == Role.LEADER) {
        leaders.add(n);
      }
    }
    List<SimNode> targets = leaders.isEmpty() ? live() : leaders;
    if (targets.isEmpty()) {
      return null;
    }
    SimNode target = targets.get(rnd.nextInt(targets.size()));
    return proposeTo(target);
  }

  Proposal proposeTo(SimNode target) {
    byte[] payload = payload();
    stats.proposals++;
    Proposal p = target.node.propose(payload);
    if (p.appended()) {
      pending.add(new Pending(target.index, target.life, p.index(), p.term(), payload));
      if (faultsOn && rnd.nextDouble() < mix.leaderFaultAfterProposal()) {
        // Faults aimed where bugs hide: at a leader just after it appended.
        long delay = rnd.nextInt(20);
        if (rnd.nextBoolean()) {
          queue.after(delay, "crash-leader", target.index, null, () -> crash(target));
        } else {
          queue.after(delay, "isolate-leader", target.index, null, () -> isolate(target.index, 100 + rnd.nextInt(1500)));
        }
      }
    }
    target.processor.drain();
    return p;
  }

  private byte[] payload() {
    long n = proposalCounter++;
    String base = "s" + seed + "-p" + n;
    int extra = rnd.nextInt(10) == 0 ? rnd.nextInt(2000) : rnd.nextInt(48);
    return (base + "-".repeat(extra)).getBytes(StandardCharsets.UTF_8);
  }

  // ---- faults ----

  private void scheduleFault(String kind, double perSecond, Runnable fault) {
    if (perSecond <= 0) {
      return;
    }
    long gap = (long) (-Math.log(1 - rnd.nextDouble()) * 1000 / perSecond) + 1;
    queue.after(gap, kind, -1, null, () -> {
      if (faultsOn) {
        fault.run();
        scheduleFault(kind, perSecond, fault);
      }
    });
  }

  private void randomCrash() {
    List<SimNode> live = live();
    if (!live.isEmpty()) {
      crash(live.get(rnd.nextInt(live.size())));
    }
  }

  /** Crashes now, or arms the crash to strike between two of the member's next I/O actions. */
  void crash(SimNode n) {
    if (!faultsOn || !n.alive || n.crashing || n.ioUntilCrash >= 0) {
      return;
    }
    if (rnd.nextBoolean()) {
      n.crashing = true;
      finishCrash(n);
      return;
    }
    n.ioUntilCrash = rnd.nextInt(6);
    int life = n.life;
    queue.after(50, "crash-deadline", n.index, null, () -> {
      if (faultsOn && n.alive && n.life == life) {
        n.crashing = true;
        finishCrash(n);
      }
    });
  }

  private void finishCrash(SimNode n) {
    powerOff(n);
    if (faultsOn) {
      queue.after(10 + rnd.nextInt(mix.maxRestartMs()), "restart", n.index, null, () -> restart(n));
    }
  }

  /** The member loses power: its disk keeps what the crash model allows; it stays down until restarted. */
  private void powerOff(SimNode n) {
    boolean wasLeader = n.node.status().role() == Role.LEADER;
    SimDisk.CrashOutcome out = n.disk.crash(rnd);
    n.alive = false;
    n.crashing = false;
    n.life++;
    stats.crashes++;
    if (wasLeader && out.pendingEntries()) {
      stats.leaderCrashesWithUnsyncedEntries++;
    }
    if (out.lostData()) {
      stats.crashesLosingUnsyncedData++;
    }
    n.ioUntilCrash = -1;
    accumulate(n);
  }

  void restart(SimNode n) {
    if (n.alive || n.removed || n.spare) {
      return;
    }
    invariants.onRestart(n);
    n.start(config(n));
    stats.restarts++;
  }

  private void randomPartition() {
    int gen = ++partitionGeneration;
    network.healAll();
    int kind = rnd.nextInt(3);
    int size = nodes.size();
    if (kind == 0) {
      // Two sides, each member on a random one.
      boolean[] side = new boolean[size];
      for (int i = 0; i < size; i++) {
        side[i] = rnd.nextBoolean();
      }
      for (int a = 0; a < size; a++) {
        for (int b = 0; b < size; b++) {
          if (side[a] != side[b]) {
            network.block(a, b);
          }
        }
      }
    } else if (kind == 1) {
      // One-way links.
      int links = 1 + rnd.nextInt(size * 2);
      for (int i = 0; i < links; i++) {
        int a = rnd.nextInt(size);
        int b = rnd.nextInt(size);
        if (a != b) {
          network.block(a, b);
        }
      }
    } else {
      SimNode leader = leader();
      isolateLinks(leader != null ? leader.index : rnd.nextInt(size));
    }
    stats.partitions++;
    queue.after(50 + rnd.nextInt(2000), "heal-partition", -1, null, () -> {
      if (partitionGeneration == gen) {
        network.healAll();
      }
    });
  }

  void isolate(int index, long forMs) {
    if (!faultsOn) {
      return;
    }
    int gen = ++partitionGeneration;
    network.healAll();
    isolateLinks(index);
    stats.partitions++;
    queue.after(forMs, "heal-partition", -1, null, () -> {
      if (partitionGeneration == gen) {
        network.healAll();
      }
    });
  }

  private void isolateLinks(int index) {
    for (int i = 0; i < nodes.size(); i++) {
      if (i != index) {
        network.block(index, i);
        network.block(i, index);
      }
    }
  }

  // ---- heal, liveness and the final checks ----

  void healAndCheckLiveness() {
    faultsOn = false;
    partitionGeneration++;
    network.healAll();
    network.calm();
    for (SimNode n : nodes) {
      if (n.crashing) {
        finishCrash(n);
      }
      n.ioUntilCrash = -1;
      if (!n.alive && !n.spare && !n.removed) {
        restart(n);
      }
    }
    long healedAt = queue.now();
    long[] marker = new long[2];  // index, term of the liveness proposal
    boolean committed = runUntil(healedAt + 10 * MAX_ELECTION_TIMEOUT_MS, () -> livenessMarkerCommitted(marker));
    if (!committed) {
      throw new Invariants.Violation("liveness: no leader committed a proposal within 10 election timeouts of heal");
    }
    // Settled: not joint, and led by a voter of it (a removed leader hands over first).
    boolean settled = runUntil(healedAt + 20 * MAX_ELECTION_TIMEOUT_MS, () -> {
      SimNode leader = leader();
      return leader != null && !io.raftd.raft.confchange.ConfChanges.isJoint(leader.node.configuration())
          && leader.node.configuration().getVotersList().contains(leader.id);
    });
    if (!settled) {
      throw new Invariants.Violation("liveness: the configuration is still joint, or led by a removed member,"
          + " 20 election timeouts after heal");
    }
    long mustApply = Math.max(marker[0], maxAcknowledged);
    boolean appliedEverywhere = runUntil(healedAt + 20 * MAX_ELECTION_TIMEOUT_MS,
        () -> liveMembers().stream().allMatch(n -> n.applied >= mustApply));
    if (!appliedEverywhere) {
      throw new Invariants.Violation("liveness: entry " + mustApply + " (the heal proposal or the last acknowledged one)"
          + " not applied on every member within 20 election timeouts");
    }
    checkTransferCompletes(healedAt);
    invariants.checkLogMatching(live());
    // Every member applied past every acknowledged entry (above), and what it applied is the oracle's.
    for (Entry acked : acknowledged) {
      if (!acked.equals(invariants.oracleEntry(acked.getIndex()))) {
        throw new Invariants.Violation("acknowledged entry " + acked.getIndex() + " is not the committed one");
      }
    }
    stats.commits = invariants.committedInOracle();
    nodes.forEach(this::accumulate);
    stats.schedules = 1;
    stats.messages = network.sent;
    stats.dropped = network.dropped + network.partitionedDrops;
    stats.duplicated = network.duplicated;
    stats.delayedLong = network.delayedLong;
  }

  /** In a healthy cluster a requested transfer completes: its target leads within 2 election timeouts. */
  private void checkTransferCompletes(long healedAt) {
    SimNode leader = leader();
    List<SimNode> others = new ArrayList<>();
    for (SimNode n : liveMembers()) {
      if (n != leader && leader.node.configuration().getVotersList().contains(n.id)) {
        others.add(n);
      }
    }
    if (others.isEmpty()) {
      return;  // a one-voter cluster has no one to hand over to
    }
    SimNode target = others.get(rnd.nextInt(others.size()));
    long requestedAt = queue.now();
    leader.node.transferLeadership(target.id);
    leader.processor.drain();
    boolean done = runUntil(requestedAt + 2 * MAX_ELECTION_TIMEOUT_MS, () -> target.node.status().role() == Role.LEADER);
    if (!done) {
      throw new Invariants.Violation("liveness: a transfer from member " + leader.index + " to member " + target.index
          + " did not complete within 2 election timeouts of a healthy cluster");
    }
  }

  /** Proposes through the current leader until one proposal commits there. */
  private boolean livenessMarkerCommitted(long[] marker) {
    SimNode leader = leader();
    if (leader == null) {
      return false;
    }
    Status s = leader.node.status();
    if (marker[0] != 0 && s.commit() >= marker[0] && leader.node.termAt(marker[0]) == marker[1]) {
      return true;
    }
    if (marker[0] == 0 || leader.node.termAt(marker[0]) != marker[1]) {
      Proposal p = proposeTo(leader);
      if (p.appended()) {
        marker[0] = p.index();
        marker[1] = p.term();
      }
    }
    return false;
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
  private void accumulate(SimNode n) {
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
    stats.leaderRemovals += c.leaderRemovals();
    stats.removedAnswered += c.removedAnswered();
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
      sb.append("  member ").append(n.index).append(n.alive ? " " : " (down) ");
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
      powerOff(n);
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
