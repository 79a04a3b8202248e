package io.raftd.daemon;

import io.raftd.config.HostPort;
import io.raftd.config.MemberName;
import io.raftd.host.AdminService;
import io.raftd.host.Proposals;
import io.raftd.host.RaftNode;
import io.raftd.proto.ChangeMembershipRequest;
import io.raftd.proto.ClusterRecord;
import io.raftd.proto.JoinReply;
import io.raftd.proto.JoinRequest;
import io.raftd.proto.ChangeMembershipResponse;
import io.raftd.proto.ConfChange;
import io.raftd.proto.Configuration;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.ListMembersResponse;
import io.raftd.proto.Member;
import io.raftd.proto.MemberInfo;
import io.raftd.proto.MembershipPlan;
import io.raftd.proto.MembershipView;
import io.raftd.proto.NewMember;
import io.raftd.raft.MemberId;
import io.raftd.raft.Role;
import io.raftd.raft.Status;
import io.raftd.raft.confchange.ConfChanges;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership as operators ask for it (admin.proto's ListMembers, AddMember, PromoteMember, RemoveMember and
 * ChangeMembership): names resolved to ids, every refusal checked before anything is proposed, and a plan
 * (the configuration before and after, the quorum each needs, the failures each tolerates) for a dry run
 * and for the answer. Added members enter as learners and, unless kept learners, are promoted by the
 * leader once caught up ({@code Configuration.auto_promote}); a promotion or removal that would leave the
 * reachable voters short of the new quorum is refused unless forced. The core checks the change again when
 * it is proposed, against the configuration then in force.
 */
final class MembershipService implements AdminService.Membership {
  private static final Logger LOG = LoggerFactory.getLogger(MembershipService.class);

  private final RaftNode node;
  private final Members members;
  private final long self;
  /** Whether the cluster has a token: without one, nothing can authenticate a new member. */
  private final boolean hasToken;
  /** A member not heard from for this long is unreachable (an election timeout at most). */
  private final long reachableMs;
  private final CatchUpRates rates;
  private final SecureRandom random = new SecureRandom();

  MembershipService(RaftNode node, Members members, long self, boolean hasToken, long reachableMs, LongSupplier nanoClock) {
    this.node = node;
    this.members = members;
    this.self = self;
    this.hasToken = hasToken;
    this.reachableMs = reachableMs;
    this.rates = new CatchUpRates(nanoClock);
  }

  // ---- listing ----

  @Override
  public CompletableFuture<ListMembersResponse> list() {
    Status s = node.status();
    Configuration c = node.configuration();
    boolean leader = s.role() == Role.LEADER;
    Map<Long, Long> matches = leader ? matches() : Map.of();
    ListMembersResponse.Builder b = ListMembersResponse.newBuilder()
        .setJoint(ConfChanges.isJoint(c))
        .setFromLeader(leader)
        .setCommit(s.commit())
        .setQuorum(quorum(c.getVotersCount()))
        .setFailureTolerance(tolerance(c));
    if (s.leader() != 0) {
      b.setLeader(members.byId(s.leader()));
    }
    Set<Long> voters = new LinkedHashSet<>(c.getVotersList());
    voters.addAll(c.getOutgoingVotersList());
    List<MemberInfo> infos = new ArrayList<>();
    for (long id : voters) {
      infos.add(info(id, "voter", c, s, matches).build());
    }
    for (long id : c.getLearnersList()) {
      MemberInfo.Builder m = info(id, "learner", c, s, matches);
      if (leader) {
        long behind = Math.max(0, s.commit() - m.getMatch());
        double rate = rates.rate(id, m.getMatch());
        m.setEntriesBehind(behind).setCatchUpRate(rate)
            .setCatchUpEtaMs(behind > 0 && rate > 0 ? (long) Math.ceil(behind * 1000.0 / rate) : 0);
      }
      infos.add(m.build());
    }
    rates.retain(c.getLearnersList());
    infos.sort(Comparator.comparing((MemberInfo i) -> i.getRole().equals("learner"))
        .thenComparing(i -> i.getMember().getName()));
    return CompletableFuture.completedFuture(b.addAllMembers(infos).build());
  }

  private MemberInfo.Builder info(long id, String role, Configuration c, Status s, Map<Long, Long> matches) {
    MemberInfo.Builder m = MemberInfo.newBuilder().setMember(members.byId(id)).setRole(role)
        .setLeader(id == s.leader())
        .setAutoPromote(c.getAutoPromoteList().contains(id));
    if (ConfChanges.isJoint(c)) {
      m.setIncoming(c.getVotersList().contains(id)).setOutgoing(c.getOutgoingVotersList().contains(id));
    }
    if (s.role() == Role.LEADER) {
      long match = id == self ? s.lastIndex() : matches.getOrDefault(id, 0L);
      long contact = id == self ? 0 : node.lastContactMs(id);
      m.setMatch(match).setLag(Math.max(0, s.lastIndex() - match)).setLastContactMs(contact)
          .setReachable(id == self || contact < reachableMs);
    }
    return m;
  }

  /** The leader's match index of each member, from the core's progress lines ("STATE match=M next=N ..."). */
  private Map<Long, Long> matches() {
    Map<Long, Long> out = new HashMap<>();
    node.progress().forEach((id, line) -> {
      for (String part : line.split(" ")) {
        if (part.startsWith("match=")) {
          out.put(id, Long.parseLong(part.substring(6)));
        }
      }
    });
    return out;
  }

  // ---- changing ----

  @Override
  public CompletableFuture<ChangeMembershipResponse> change(ChangeMembershipRequest request) {
    return change(request, 0);
  }

  /** {@link #change}, the one member added taking {@code joinerId} as its id (0: a new one). */
  private CompletableFuture<ChangeMembershipResponse> change(ChangeMembershipRequest request, long joinerId) {
    if (node.status().role() != Role.LEADER) {
      return CompletableFuture.failedFuture(new Proposals.Failure(ErrorCode.NOT_LEADER,
          "membership changes are made by the leader"));
    }
    Configuration before = node.configuration();
    Change change;
    try {
      change = resolve(request, before, joinerId);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(new Proposals.Failure(ErrorCode.INVALID_ARGUMENT, e.getMessage()));
    } catch (Proposals.Failure e) {
      return CompletableFuture.failedFuture(e);
    }
    MembershipPlan plan = plan(before, change, request.getForce());
    ChangeMembershipResponse.Builder answer = ChangeMembershipResponse.newBuilder().setPlan(plan)
        .addAllAdded(change.added());
    if (request.getDryRun()) {
      return CompletableFuture.completedFuture(answer.build());
    }
    if (!plan.getRefusal().isEmpty()) {
      return CompletableFuture.failedFuture(new Proposals.Failure(ErrorCode.REFUSED, plan.getRefusal()));
    }
    if (!plan.getDanger().isEmpty()) {
      LOG.warn("forced membership change: {}", plan.getDanger());
    }
    LOG.info("membership change proposed: {}", describe(change.confChange()));
    return node.changeMembership(change.confChange()).thenApply(index -> answer.setIndex(index).build());
  }

  /** A request with its names resolved: the core's change, and the members it adds with their new ids. */
  private record Change(ConfChange confChange, List<Member> added, List<String> refusals) {}

  /**
   * Resolves names to ids and collects refusals; throws IllegalArgumentException for a request that is
   * malformed whatever the cluster's state (a bad name or address, a name given twice, nothing to do), and a
   * NOT_FOUND failure for a name no member has.
   */
  private Change resolve(ChangeMembershipRequest r, Configuration c, long joinerId) {
    if (r.getAddCount() + r.getPromoteCount() + r.getRemoveCount() == 0) {
      throw new IllegalArgumentException("the change is empty: give members to add, promote or remove");
    }
    List<String> refusals = new ArrayList<>();
    if (ConfChanges.isJoint(c)) {
      refusals.add("a membership change is in progress (the configuration is joint): wait until it completes"
          + " (raftctl member list), then retry");
    }
    Set<String> named = new HashSet<>();
    ConfChange.Builder cc = ConfChange.newBuilder();
    List<Member> added = new ArrayList<>();
    Set<Long> taken = new HashSet<>(ConfChanges.members(c));
    taken.addAll(c.getRemovedList());
    for (NewMember n : r.getAddList()) {
      checkNew(n, named);
      if (!hasToken) {
        refusals.add("this cluster has no cluster.token, so a new member could not prove it belongs: set the same"
            + " cluster.token on every member (restart each), then add " + n.getName());
      }
      Member existing = members.byName(n.getName());
      if (existing != null) {
        refusals.add("the name " + n.getName() + " is in use by member " + MemberId.hex(existing.getId())
            + ": remove it first (raftctl member remove " + n.getName() + ") or choose another name");
      }
      for (Member m : members.all()) {
        for (String address : List.of(n.getPeerAddress(), n.getAdminAddress())) {
          if (address.equals(m.getPeerAddress()) || address.equals(m.getAdminAddress())) {
            refusals.add("the address " + address + " is in use by member " + m.getName());
          }
        }
      }
      long id = joinerId != 0 ? joinerId : newId(taken);
      if (taken.contains(joinerId)) {
        refusals.add("the member id " + MemberId.hex(joinerId) + " is or was in use in this cluster (ids are never"
            + " reused): empty this member's data_dir and start it again for a new one");
      }
      taken.add(id);
      Member m = Member.newBuilder().setName(n.getName()).setId(id).setPeerAddress(n.getPeerAddress())
          .setAdminAddress(n.getAdminAddress()).build();
      added.add(m);
      cc.addAddLearners(id).addMembers(m);
      if (!r.getLearnerOnly()) {
        cc.addAutoPromote(id);
      }
    }
    for (String name : r.getPromoteList()) {
      long id = existing(name, named);
      if (c.getVotersList().contains(id)) {
        refusals.add(name + " is already a voter");
      } else if (!c.getLearnersList().contains(id)) {
        refusals.add(name + " is not a member");
      } else {
        long silent = node.lastContactMs(id);
        if (silent >= reachableMs) {
          refusals.add("the leader has not heard from " + name + " for " + silent + " ms: a voter it cannot reach"
              + " would count against the quorum; check that " + name + " runs and is reachable, then retry");
        }
      }
      cc.addPromoteLearners(id);
    }
    for (String name : r.getRemoveList()) {
      cc.addRemoveVoters(existing(name, named));
    }
    return new Change(cc.build(), added, refusals);
  }

  private static void checkNew(NewMember n, Set<String> named) {
    if (!MemberName.valid(n.getName())) {
      throw new IllegalArgumentException("\"" + n.getName() + "\" is not a valid member name: expected " + MemberName.RULE);
    }
    if (!named.add(n.getName())) {
      throw new IllegalArgumentException(n.getName() + " appears twice in the change");
    }
    address("peer", n.getName(), n.getPeerAddress());
    address("admin", n.getName(), n.getAdminAddress());
    if (n.getPeerAddress().equals(n.getAdminAddress())) {
      throw new IllegalArgumentException(n.getName() + ": the peer and admin addresses are the same; they are two ports");
    }
  }

  private static void address(String which, String name, String text) {
    try {
      HostPort.parse(text);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(name + ": the " + which + " address \"" + text + "\" is not host:port ("
          + e.getMessage() + ")");
    }
  }

  /** The id of the current member with this name. */
  private long existing(String name, Set<String> named) {
    Member m = members.byName(name);
    if (m == null) {
      throw new Proposals.Failure(ErrorCode.NOT_FOUND, "no member named " + name + ": raftctl member list shows the members");
    }
    if (!named.add(name)) {
      throw new IllegalArgumentException(name + " appears twice in the change");
    }
    return m.getId();
  }

  /** A random id never used in this cluster (ids are never reused) and never 0. */
  private long newId(Set<Long> taken) {
    long id = 0;
    while (id == 0 || taken.contains(id)) {
      id = random.nextLong();
    }
    return id;
  }

  // ---- joining ----

  /**
   * A new member asks to be added (cluster.join; the peer port's handshake proved it holds the cluster
   * token). If an operator already added its name and it has not become a voter, it takes that member's id;
   * otherwise it is added as a learner under its own id, promoted once caught up. Answered once the change
   * that adds it has applied here, with the cluster record it is to keep.
   */
  CompletableFuture<JoinReply> join(JoinRequest request, long joinerId, ClusterRecord record) {
    Status s = node.status();
    if (s.role() != Role.LEADER) {
      JoinReply.Builder redirect = JoinReply.newBuilder().setRetry(true);
      if (s.leader() != 0) {
        return CompletableFuture.completedFuture(redirect.setLeader(members.byId(s.leader()))
            .setRefusal("not the leader").build());
      }
      return CompletableFuture.completedFuture(redirect.setRefusal("no leader is known yet").build());
    }
    Configuration c = node.configuration();
    Member existing = members.byName(request.getName());
    if (existing != null) {
      if (!existing.getPeerAddress().equals(request.getPeerAddress())) {
        return refuse("the name " + request.getName() + " is in use by a member at " + existing.getPeerAddress()
            + ": give this member another name, or remove that one first (raftctl member remove "
            + request.getName() + ")", false);
      }
      if (!c.getLearnersList().contains(existing.getId())) {
        // A voter's log counts toward commitment: one that lost it must leave and come back as a new member.
        return refuse(request.getName() + " is a voter of the cluster already (id " + MemberId.hex(existing.getId())
            + "): if this is that member with its data lost, remove it first (raftctl member remove "
            + request.getName() + "), then start this one again", false);
      }
      LOG.info("{} joins as the learner an operator added, {}", request.getName(), members.name(existing.getId()));
      return CompletableFuture.completedFuture(joined(existing.getId(), record, List.of()));
    }
    LOG.info("{} at {} asks to join: adding it as a learner, to be promoted once caught up", request.getName(),
        request.getPeerAddress());
    NewMember n = NewMember.newBuilder().setName(request.getName()).setPeerAddress(request.getPeerAddress())
        .setAdminAddress(request.getAdminAddress()).build();
    if (ConfChanges.isJoint(c)) {
      return refuse("a membership change is in progress", true);
    }
    return change(ChangeMembershipRequest.newBuilder().addAdd(n).build(), joinerId)
        .thenApply(r -> joined(joinerId, record, r.getAddedList()))
        .exceptionally(e -> {
          Throwable cause = e.getCause() != null ? e.getCause() : e;
          boolean passes = cause instanceof Proposals.Failure f && PASSING.contains(f.code);
          return JoinReply.newBuilder().setRefusal(String.valueOf(cause.getMessage())).setRetry(passes).build();
        });
  }

  /** Why a join may succeed if asked again. */
  private static final Set<ErrorCode> PASSING = Set.of(ErrorCode.NOT_LEADER, ErrorCode.BUSY, ErrorCode.TIMEOUT,
      ErrorCode.UNKNOWN_OUTCOME, ErrorCode.NO_QUORUM);

  /** The answer to a joiner: its id, and a record of the cluster naming every member (those just added too). */
  private JoinReply joined(long id, ClusterRecord record, List<Member> added) {
    Map<Long, Member> all = new java.util.TreeMap<>();
    members.all().forEach(m -> all.put(m.getId(), m));
    added.forEach(m -> all.put(m.getId(), m));
    return JoinReply.newBuilder().setMemberId(id).setCluster(record.toBuilder().clearMembers()
        .addAllMembers(all.values())).build();
  }

  private static CompletableFuture<JoinReply> refuse(String why, boolean retry) {
    return CompletableFuture.completedFuture(JoinReply.newBuilder().setRefusal(why).setRetry(retry).build());
  }

  // ---- plans ----

  private MembershipPlan plan(Configuration before, Change change, boolean force) {
    Configuration after;
    List<String> refusals = new ArrayList<>(change.refusals());
    try {
      after = ConfChanges.leaveJoint(ConfChanges.enterJoint(ConfChanges.leaveJoint(before), change.confChange()));
    } catch (IllegalArgumentException e) {
      refusals.add(e.getMessage());
      after = before;
    }
    MembershipView was = view(before);
    MembershipView will = view(after);
    MembershipPlan.Builder plan = MembershipPlan.newBuilder().setBefore(was).setAfter(will);
    boolean losesVoters = !change.confChange().getRemoveVotersList().isEmpty();
    if (losesVoters && will.getReachableVoters() < will.getQuorum()) {
      String risk = "the voters left would be " + will.getVotersCount() + " with a quorum of " + will.getQuorum()
          + ", but only " + will.getReachableVoters() + " of them answer the leader now: the cluster would stop taking"
          + " writes until enough of them are back";
      if (force) {
        plan.setDanger("forced: " + risk);
      } else {
        refusals.add(risk + "; bring them back first, or force the change (dangerous)");
      }
    }
    if (!refusals.isEmpty()) {
      plan.setRefusal(refusals.get(0));
    }
    return plan.build();
  }

  private MembershipView view(Configuration c) {
    MembershipView.Builder v = MembershipView.newBuilder()
        .setQuorum(quorum(c.getVotersCount()))
        .setFailureTolerance(Math.max(0, c.getVotersCount() - quorum(c.getVotersCount())));
    int reachable = 0;
    for (long id : new TreeSet<>(c.getVotersList())) {
      Member m = members.byId(id);
      v.addVoters(c.getMembersList().stream().filter(x -> x.getId() == id).findFirst().orElse(m));
      if (id == self || node.lastContactMs(id) < reachableMs) {
        reachable++;
      }
    }
    for (long id : new TreeSet<>(c.getLearnersList())) {
      v.addLearners(c.getMembersList().stream().filter(x -> x.getId() == id).findFirst().orElse(members.byId(id)));
    }
    return v.setReachableVoters(reachable).build();
  }

  private static int quorum(int voters) {
    return voters / 2 + 1;
  }

  /** Voters that may fail with a quorum left; while joint, of both halves. */
  private static int tolerance(Configuration c) {
    int now = c.getVotersCount() - quorum(c.getVotersCount());
    if (ConfChanges.isJoint(c)) {
      now = Math.min(now, c.getOutgoingVotersCount() - quorum(c.getOutgoingVotersCount()));
    }
    return Math.max(0, now);
  }

  private String describe(ConfChange c) {
    List<String> parts = new ArrayList<>();
    if (c.getAddLearnersCount() > 0) {
      parts.add("add " + c.getMembersList().stream().map(m -> MemberId.label(m.getName(), m.getId())).toList()
          + (c.getAutoPromoteCount() > 0 ? " (promoted once caught up)" : " (as learners)"));
    }
    if (c.getPromoteLearnersCount() > 0) {
      parts.add("promote " + c.getPromoteLearnersList().stream().map(members::name).toList());
    }
    if (c.getRemoveVotersCount() > 0) {
      parts.add("remove " + c.getRemoveVotersList().stream().map(members::name).toList());
    }
    return String.join(", ", parts);
  }

  /** A learner's recent catch-up rate: entries a second between samples at least a second apart, taken as members are listed. */
  private static final class CatchUpRates {
    private static final long SAMPLE_NANOS = 1_000_000_000L;

    /** The last sample of a learner's match index, and the rate measured up to it. */
    private record Sample(long nanos, long match, double rate) {}

    private final LongSupplier clock;
    private final Map<Long, Sample> samples = new HashMap<>();

    CatchUpRates(LongSupplier clock) {
      this.clock = clock;
    }

    synchronized double rate(long id, long match) {
      long now = clock.getAsLong();
      Sample last = samples.get(id);
      if (last == null || match < last.match()) {
        samples.put(id, new Sample(now, match, 0));
        return 0;
      }
      if (now - last.nanos() < SAMPLE_NANOS) {
        return last.rate();
      }
      double rate = (match - last.match()) * 1e9 / (now - last.nanos());
      samples.put(id, new Sample(now, match, rate));
      return rate;
    }

    synchronized void retain(List<Long> learners) {
      samples.keySet().retainAll(learners);
    }
  }
}
