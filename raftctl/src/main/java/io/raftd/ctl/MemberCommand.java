package io.raftd.ctl;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.raftd.client.RaftdException;
import io.raftd.proto.AddMemberRequest;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.ChangeMembershipRequest;
import io.raftd.proto.ChangeMembershipResponse;
import io.raftd.proto.ListMembersRequest;
import io.raftd.proto.ListMembersResponse;
import io.raftd.proto.Member;
import io.raftd.proto.MemberInfo;
import io.raftd.proto.MembershipPlan;
import io.raftd.proto.MembershipView;
import io.raftd.proto.NewMember;
import io.raftd.proto.PromoteMemberRequest;
import io.raftd.proto.RemoveMemberRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code raftctl member list|add|promote|remove|change}: the cluster's membership through the admin port.
 * Changes go to the leader (the client library follows NOT_LEADER and retries BUSY within --timeout); a
 * list is the leader's too when there is one, so its progress figures are the leader's.
 */
@Command(name = "member", description = "The cluster's voters and learners: list them, add, promote and remove members.",
    subcommands = {MemberCommand.List_.class, MemberCommand.Add.class, MemberCommand.Promote.class,
        MemberCommand.Remove.class, MemberCommand.Change.class})
final class MemberCommand {
  /** How every change exits; said in each one's --help. */
  static final String CHANGE_EXITS = "Exits 0 once the change is complete (committed, and the joint configuration "
      + "left), 1 if the cluster refuses it (one line saying why; nothing is proposed), 2 for a name or address "
      + "that is not valid, 3 for a member name it does not know, 4 without a leader, 6 if no answer came (it may "
      + "or may not have been made: member list shows). With --dry-run nothing is proposed: it prints the voters "
      + "and learners before and after, the quorum and failures tolerated of each and the voters reachable, then "
      + "\"would be allowed\" (exit 0) or \"would be refused: REASON\" (exit 1).";

  private MemberCommand() {}

  /**
   * The members as the leader sees them; without a leader, as the member that answered sees them (no progress
   * figures then: {@code from_leader} is false). Gives up at {@code deadline} ({@link System#nanoTime()}).
   */
  static ListMembersResponse list(Connection c, long deadline) throws RaftdException, InterruptedException {
    AdminRequest.Builder request = AdminRequest.newBuilder().setListMembers(ListMembersRequest.getDefaultInstance());
    ListMembersResponse r = c.client().call(request, true, true, deadline).getListMembers();
    if (!r.getFromLeader() && r.hasLeader() && !r.getLeader().getAdminAddress().isEmpty()) {
      // A follower answered but names a leader (one elected since the client looked): ask it for its figures.
      try {
        ListMembersResponse fromLeader = c.client().callAt(r.getLeader().getAdminAddress(), request).getListMembers();
        if (fromLeader.getFromLeader()) {
          return fromLeader;
        }
      } catch (RaftdException e) {
        // the follower's answer stands; it says its figures are not the leader's
      }
    }
    return r;
  }

  @Command(name = "list", description = {"One row per voter and learner with the leader's figures for it; then the "
      + "quorum, the failures tolerated and whether a change is in progress.",
      "ROLE is voter or learner, \"+leader\" on the leader; while a change is in progress (the configuration is "
      + "joint), \"(old half)\" or \"(new half)\" on a voter of only one side; \"(to promote)\" on a learner the "
      + "leader promotes once it has caught up. MATCH is the last index known to be on it, LAG how far that is "
      + "behind the leader's log, LAST CONTACT when the leader last heard from it. For a learner, BEHIND is how "
      + "many committed entries it still lacks and ETA when it will have them at its recent rate.",
      "Without a leader, the member that answers lists its configuration without figures "
      + "(\"from_leader\": false)."})
  static final class List_ extends CtlCommand {
    @Override
    int run(Raftctl ctl) throws Exception {
      ListMembersResponse r = list(ctl.connection(), ctl.connection().client().deadline());
      Output out = ctl.output();
      if (out.json) {
        out.json(listJson(r));
        return ExitCode.OK;
      }
      List<List<String>> rows = new ArrayList<>();
      for (MemberInfo m : r.getMembersList()) {
        rows.add(row(m, r.getFromLeader()));
      }
      out.table(List.of("NAME", "ID", "ROLE", "PEER", "ADMIN", "MATCH", "LAG", "LAST CONTACT", "BEHIND", "ETA"), rows);
      out.line("");
      out.line(summary(r));
      return ExitCode.OK;
    }

    private static List<String> row(MemberInfo m, boolean fromLeader) {
      boolean learner = m.getRole().equals("learner");
      String contact = "-";
      if (fromLeader && !m.getLeader()) {
        contact = m.getReachable() ? Durations.format(m.getLastContactMs())
            : "unreachable" + (m.getLastContactMs() < 86_400_000L ? " (" + Durations.format(m.getLastContactMs()) + ")" : "");
      }
      String behind = learner && fromLeader ? Long.toString(m.getEntriesBehind()) : "-";
      String eta = "-";
      if (learner && fromLeader) {
        eta = m.getEntriesBehind() == 0 ? "caught up" : m.getCatchUpEtaMs() > 0 ? Durations.format(m.getCatchUpEtaMs())
            : "not moving";
      }
      return List.of(m.getMember().getName(), Json.id(m.getMember().getId()), role(m), m.getMember().getPeerAddress(),
          m.getMember().getAdminAddress(), fromLeader ? Long.toString(m.getMatch()) : "-",
          fromLeader ? Long.toString(m.getLag()) : "-", contact, behind, eta);
    }

    /** voter or learner; "+leader"; the half of a joint configuration a voter is in, if only one. */
    static String role(MemberInfo m) {
      String role = m.getRole() + (m.getLeader() ? "+leader" : "");
      if (m.getOutgoing() && !m.getIncoming()) {
        role += " (old half)";
      } else if (m.getIncoming() && !m.getOutgoing()) {
        role += " (new half)";
      }
      if (m.getRole().equals("learner") && m.getAutoPromote()) {
        role += " (to promote)";
      }
      return role;
    }

    static String summary(ListMembersResponse r) {
      long voters = r.getMembersList().stream().filter(m -> m.getRole().equals("voter")).count();
      long learners = r.getMembersCount() - voters;
      StringBuilder b = new StringBuilder();
      if (r.getJoint()) {
        long incoming = r.getMembersList().stream().filter(MemberInfo::getIncoming).count();
        long outgoing = r.getMembersList().stream().filter(MemberInfo::getOutgoing).count();
        b.append(Plural.of(voters, "voter")).append(" (").append(outgoing).append(" in the old half, ").append(incoming)
            .append(" in the new), ").append(Plural.of(learners, "learner")).append("; quorum ").append(r.getQuorum())
            .append(" of the new half, can lose ").append(r.getFailureTolerance()).append(" in each; joint: a change is "
            + "in progress, both halves' voters decide until it completes");
      } else {
        b.append(Plural.of(voters, "voter")).append(", ").append(Plural.of(learners, "learner")).append("; quorum ")
            .append(r.getQuorum()).append(", can lose ").append(r.getFailureTolerance()).append(" of them; not joint "
            + "(no change in progress)");
      }
      if (!r.getFromLeader()) {
        b.append(r.hasLeader() ? "\nfigures: the leader " + r.getLeader().getName() + " did not answer; this is a "
            + "follower's view, without figures" : "\nno leader: this is a member's own view, without figures");
      }
      return b.toString();
    }
  }

  /** {@code member list -o json}: field names are part of raftctl's contract. */
  static JsonObject listJson(ListMembersResponse r) {
    JsonObject o = new JsonObject();
    o.addProperty("leader", r.hasLeader() ? r.getLeader().getName() : null);
    o.addProperty("from_leader", r.getFromLeader());
    o.addProperty("joint", r.getJoint());
    o.addProperty("commit", r.getCommit());
    o.addProperty("quorum", r.getQuorum());
    o.addProperty("failure_tolerance", r.getFailureTolerance());
    JsonArray members = new JsonArray();
    for (MemberInfo m : r.getMembersList()) {
      members.add(memberJson(m, r.getFromLeader()));
    }
    o.add("members", members);
    return o;
  }

  /** One member of {@code member list -o json}; {@code figures}: the leader's figures are there (else null). */
  static JsonObject memberJson(MemberInfo m, boolean figures) {
    boolean learner = m.getRole().equals("learner");
    JsonObject j = Json.member(m.getMember());
    j.addProperty("role", m.getRole());
    j.addProperty("leader", m.getLeader());
    j.addProperty("outgoing", m.getOutgoing());
    j.addProperty("incoming", m.getIncoming());
    j.addProperty("auto_promote", m.getAutoPromote());
    j.addProperty("match", figures ? m.getMatch() : null);
    j.addProperty("lag", figures ? m.getLag() : null);
    j.addProperty("last_contact_ms", figures && !m.getLeader() ? m.getLastContactMs() : null);
    j.addProperty("reachable", figures ? m.getReachable() : null);
    j.addProperty("entries_behind", figures && learner ? m.getEntriesBehind() : null);
    j.addProperty("catch_up_rate", figures && learner ? m.getCatchUpRate() : null);
    j.addProperty("catch_up_eta_ms", figures && learner ? m.getCatchUpEtaMs() : null);
    return j;
  }

  @Command(name = "add", description = {"Adds member NAME as a learner; unless --learner, the leader promotes it to "
      + "voter once it has caught up. Prints the id the leader gave it and how to start it (cluster.join).",
      "With --wait it then asks the leader about once a second until NAME is a voter (with --learner: until it "
      + "holds every entry committed when the wait began), showing its progress (entries behind, rate, ETA): on "
      + "a terminal one line redrawn in place, otherwise a line at each change of state and every 10 s (on stderr with -o json). "
      + "At --wait-timeout it gives up, saying what state NAME is in, with exit 4: NAME stays in the cluster.",
      CHANGE_EXITS})
  static final class Add extends CtlCommand {
    @Parameters(paramLabel = "NAME", description = "its name, as in its raftd.toml")
    String name;

    @Option(names = "--peer", required = true, paramLabel = "HOST:PORT", description = "its peer_address")
    String peer;

    @Option(names = "--admin", required = true, paramLabel = "HOST:PORT", description = "its admin_address")
    String admin;

    @Option(names = "--learner", description = "keep it a learner: no automatic promotion (member promote later)")
    boolean learner;

    @Mixin
    DryRun dryRun;

    @Option(names = "--wait", description = "then wait until it is a voter (with --learner: caught up), showing progress")
    boolean wait;

    @Option(names = "--wait-timeout", paramLabel = "DURATION", converter = Durations.class,
        description = "how long --wait waits (default: 10m; --timeout bounds each request)")
    Duration waitTimeout;

    @Override
    int run(Raftctl ctl) throws Exception {
      if (wait && dryRun.on) {
        throw new CtlException(ExitCode.USAGE, "--wait has nothing to wait for with --dry-run: give one or the other");
      }
      if (waitTimeout != null && !wait) {
        throw new CtlException(ExitCode.USAGE, "--wait-timeout applies to --wait: give --wait too");
      }
      long deadline = ctl.connection().client().deadline();  // one --timeout for the change and its completion
      NewMember n = NewMember.newBuilder().setName(name).setPeerAddress(peer).setAdminAddress(admin).build();
      AdminRequest.Builder request = AdminRequest.newBuilder().setAddMember(AddMemberRequest.newBuilder().setMember(n)
          .setLearnerOnly(learner).setDryRun(dryRun.on));
      ChangeMembershipResponse r = send(ctl, request, dryRun.on, deadline);
      if (dryRun.on) {
        return dryRunResult(ctl, r);
      }
      Output out = ctl.output();
      if (!wait || !out.json) {
        done(ctl, r, deadline, "added " + name + " as a learner" + (learner ? "; it stays one until raftctl member "
            + "promote " + name : "; the leader promotes it to voter once it has caught up"));
      } else {
        warnDanger(ctl, r.getPlan());
        awaitSettled(ctl, deadline);
      }
      if (!wait) {
        return ExitCode.OK;
      }
      if (!out.json) {
        out.line("waiting up to " + Durations.format(timeout().toMillis()) + " for " + name
            + (learner ? " to catch up" : " to become a voter") + " (--wait-timeout)");
      }
      MemberWait w = out.json ? new MemberWait(ctl, name, learner, ctl.io.err(), false)
          : new MemberWait(ctl, name, learner, out.out, ctl.io.stdoutTerminal());
      MemberInfo m = w.await(timeout());
      if (out.json) {
        JsonObject o = changeJson(r, false);
        o.add("member", memberJson(m, true));
        out.json(o);
      } else {
        out.line(learner ? name + " has caught up (a learner; its log reaches index " + m.getMatch() + ")"
            : name + " is a voter");
      }
      return ExitCode.OK;
    }

    private Duration timeout() {
      return waitTimeout != null ? waitTimeout : MemberWait.DEFAULT_TIMEOUT;
    }
  }

  @Command(name = "promote", description = {"Makes learner NAME a voter, through a joint configuration.", CHANGE_EXITS})
  static final class Promote extends CtlCommand {
    @Parameters(paramLabel = "NAME", completionCandidates = CompletionScript.MemberNames.class)
    String name;

    @Mixin
    DryRun dryRun;

    @Override
    int run(Raftctl ctl) throws Exception {
      long deadline = ctl.connection().client().deadline();
      AdminRequest.Builder request = AdminRequest.newBuilder().setPromoteMember(PromoteMemberRequest.newBuilder()
          .setName(name).setDryRun(dryRun.on));
      ChangeMembershipResponse r = send(ctl, request, dryRun.on, deadline);
      return dryRun.on ? dryRunResult(ctl, r) : done(ctl, r, deadline, "promoted " + name + " to voter");
    }
  }

  @Command(name = "remove", description = {"Removes voter or learner NAME; it stops once it learns of it. Removing the "
      + "leader hands leadership to the most up-to-date voter left first. Refused if the voters left that the "
      + "leader can reach would be fewer than their quorum, unless --force.", CHANGE_EXITS})
  static final class Remove extends CtlCommand {
    @Parameters(paramLabel = "NAME", completionCandidates = CompletionScript.MemberNames.class)
    String name;

    @Mixin
    Force force;

    @Mixin
    DryRun dryRun;

    @Override
    int run(Raftctl ctl) throws Exception {
      long deadline = ctl.connection().client().deadline();
      AdminRequest.Builder request = AdminRequest.newBuilder().setRemoveMember(RemoveMemberRequest.newBuilder()
          .setName(name).setForce(force.on).setDryRun(dryRun.on));
      ChangeMembershipResponse r = send(ctl, request, dryRun.on, deadline);
      return dryRun.on ? dryRunResult(ctl, r) : done(ctl, r, deadline, "removed " + name + ", which stops once it learns of it");
    }
  }

  @Command(name = "change", description = {"Adds, promotes and removes several members in one joint-consensus "
      + "change: every option may be given more than once, e.g. raftctl member change --add "
      + "n4=10.0.0.4:7100,10.0.0.4:7200 --remove n2.", CHANGE_EXITS})
  static final class Change extends CtlCommand {
    @Option(names = "--add", paramLabel = "MEMBER", description = "a new member as NAME=PEER,ADMIN: its name, "
        + "peer_address and admin_address, e.g. n4=10.0.0.4:7100,10.0.0.4:7200; it enters as a learner, promoted "
        + "once caught up unless --learner")
    List<String> add = new ArrayList<>();

    @Option(names = "--promote", paramLabel = "NAME", completionCandidates = CompletionScript.MemberNames.class,
        description = "a learner to make a voter")
    List<String> promote = new ArrayList<>();

    @Option(names = "--remove", paramLabel = "NAME", completionCandidates = CompletionScript.MemberNames.class,
        description = "a voter or learner to remove")
    List<String> remove = new ArrayList<>();

    @Option(names = "--learner", description = "keep the members added learners: no automatic promotion")
    boolean learner;

    @Mixin
    Force force;

    @Mixin
    DryRun dryRun;

    @Override
    int run(Raftctl ctl) throws Exception {
      if (add.isEmpty() && promote.isEmpty() && remove.isEmpty()) {
        throw new CtlException(ExitCode.USAGE, "nothing to change: give --add, --promote or --remove "
            + "(see raftctl member change --help)");
      }
      long deadline = ctl.connection().client().deadline();
      ChangeMembershipRequest.Builder change = ChangeMembershipRequest.newBuilder().addAllPromote(promote)
          .addAllRemove(remove).setLearnerOnly(learner).setForce(force.on).setDryRun(dryRun.on);
      for (String a : add) {
        change.addAdd(newMember(a));
      }
      ChangeMembershipResponse r = send(ctl, AdminRequest.newBuilder().setChangeMembership(change), dryRun.on, deadline);
      if (dryRun.on) {
        return dryRunResult(ctl, r);
      }
      List<String> what = new ArrayList<>();
      add.forEach(a -> what.add("added " + a.substring(0, a.indexOf('=')) + " as a learner"));
      promote.forEach(p -> what.add("promoted " + p));
      remove.forEach(m -> what.add("removed " + m));
      return done(ctl, r, deadline, String.join(", ", what));
    }

    /** {@code NAME=PEER,ADMIN}. */
    static NewMember newMember(String spec) throws CtlException {
      int eq = spec.indexOf('=');
      String[] addresses = eq < 0 ? new String[0] : spec.substring(eq + 1).split(",", -1);
      if (eq <= 0 || addresses.length != 2 || addresses[0].isBlank() || addresses[1].isBlank()) {
        throw new CtlException(ExitCode.USAGE, "--add " + spec + ": expected NAME=PEER,ADMIN, e.g. "
            + "n4=10.0.0.4:7100,10.0.0.4:7200 (its peer_address, then its admin_address)");
      }
      return NewMember.newBuilder().setName(spec.substring(0, eq)).setPeerAddress(addresses[0].strip())
          .setAdminAddress(addresses[1].strip()).build();
    }
  }

  // ---- sending a change and saying what it did ----

  /**
   * Sends a change to the leader. A dry run proposes nothing, so it may be sent again; a change may not
   * (an answer lost on the way exits 6). An unknown member name is NOT_FOUND (exit 3).
   */
  static ChangeMembershipResponse send(Raftctl ctl, AdminRequest.Builder request, boolean dryRun, long deadline)
      throws RaftdException, InterruptedException, CtlException {
    return ctl.connection().client().call(request, true, dryRun, deadline).getChangeMembership();
  }

  /** A dry run's plan; exit 1 (with the reason on stderr too) if the change would be refused. */
  static int dryRunResult(Raftctl ctl, ChangeMembershipResponse r) {
    MembershipPlan plan = r.getPlan();
    warnDanger(ctl, plan);
    boolean refused = !plan.getRefusal().isEmpty();
    Output out = ctl.output();
    if (out.json) {
      out.json(changeJson(r, true));
    } else {
      out.line("dry run: nothing was proposed");
      out.line("before: " + view(plan.getBefore()));
      out.line("after:  " + view(plan.getAfter()));
      out.line(refused ? "would be refused: " + plan.getRefusal() : "would be allowed");
    }
    if (refused) {
      ctl.io.err().println("raftctl: would be refused: " + plan.getRefusal());
      return ExitCode.FAILURE;
    }
    return ExitCode.OK;
  }

  /** A change the leader committed: what it did, the configuration before and after, and for new members how to start them. */
  static int done(Raftctl ctl, ChangeMembershipResponse r, long deadline, String what)
      throws InterruptedException, CtlException {
    MembershipPlan plan = r.getPlan();
    warnDanger(ctl, plan);
    awaitSettled(ctl, deadline);
    Output out = ctl.output();
    if (out.json) {
      out.json(changeJson(r, false));
      return ExitCode.OK;
    }
    out.line(what + " (committed at index " + r.getIndex() + ")");
    out.line("before: " + view(plan.getBefore()));
    out.line("after:  " + view(plan.getAfter()));
    for (Member m : r.getAddedList()) {
      out.line(m.getName() + " has id " + Json.id(m.getId()) + "; next, start it with an empty data_dir and, in its "
          + "raftd.toml, name = \"" + m.getName() + "\", peer_address = \"" + m.getPeerAddress() + "\", admin_address = \""
          + m.getAdminAddress() + "\", the cluster's token, and");
    }
    if (r.getAddedCount() > 0) {
      out.line("  [cluster]");
      out.line("  join = [" + String.join(", ", joinAt(plan).stream().map(a -> "\"" + a + "\"").toList()) + "]");
      out.line(r.getAddedCount() == 1 ? "then raftctl member list shows it catching up" : "then raftctl member list "
          + "shows them catching up");
    }
    return ExitCode.OK;
  }

  /**
   * Waits, until {@code deadline}, for the cluster to leave the joint configuration the change entered (the
   * leader does so by itself, at once), so that the next change is not refused as one in progress. If it
   * has not by then, says so: the change itself is committed.
   */
  static void awaitSettled(Raftctl ctl, long deadline) throws InterruptedException, CtlException {
    String last = "no answer";
    while (true) {
      try {
        ListMembersResponse r = list(ctl.connection(), deadline);
        if (!r.getJoint()) {
          return;
        }
        last = "still joint";
      } catch (RaftdException e) {
        last = Reasons.plain(e);
      }
      if (System.nanoTime() - deadline >= 0) {
        ctl.io.err().println("raftctl: the change is committed, but the cluster had not completed it within --timeout ("
            + last + "); raftctl member list shows when it has");
        return;
      }
      Thread.sleep(50);  // polling interval while the leader leaves the joint configuration
    }
  }

  /** The admin addresses a new member asks to join at: the voters' before the change. */
  static List<String> joinAt(MembershipPlan plan) {
    return byName(plan.getBefore().getVotersList()).stream().map(Member::getAdminAddress).filter(a -> !a.isEmpty()).toList();
  }

  /** A change allowed only because it was forced: what it risks, on stderr, whatever the output format. */
  static void warnDanger(Raftctl ctl, MembershipPlan plan) {
    if (!plan.getDanger().isEmpty()) {
      ctl.io.err().println("raftctl: " + plan.getDanger());
    }
  }

  /** "voters n1, n2, n3; no learners; quorum 2, tolerates 1 failure; 3 of 3 voters reachable". */
  static String view(MembershipView v) {
    return "voters " + names(v.getVotersList()) + "; " + (v.getLearnersCount() == 0 ? "no learners"
        : "learners " + names(v.getLearnersList())) + "; quorum " + v.getQuorum() + ", tolerates "
        + Plural.of(v.getFailureTolerance(), "failure") + "; " + v.getReachableVoters() + " of " + v.getVotersCount()
        + " voters reachable";
  }

  private static String names(List<Member> members) {
    return members.isEmpty() ? "none" : String.join(", ", byName(members).stream().map(Member::getName).toList());
  }

  /** Members in the order people look for them (the server's is by id). */
  static List<Member> byName(List<Member> members) {
    return members.stream().sorted(Comparator.comparing(Member::getName)).toList();
  }

  /** A change's JSON document: field names are part of raftctl's contract. */
  static JsonObject changeJson(ChangeMembershipResponse r, boolean dryRun) {
    MembershipPlan plan = r.getPlan();
    JsonObject o = new JsonObject();
    o.addProperty("dry_run", dryRun);
    o.addProperty("allowed", plan.getRefusal().isEmpty());
    o.addProperty("refusal", plan.getRefusal().isEmpty() ? null : plan.getRefusal());
    o.addProperty("danger", plan.getDanger().isEmpty() ? null : plan.getDanger());
    o.addProperty("index", dryRun ? null : r.getIndex());
    o.add("before", viewJson(plan.getBefore()));
    o.add("after", viewJson(plan.getAfter()));
    JsonArray added = new JsonArray();
    r.getAddedList().forEach(m -> added.add(Json.member(m)));
    o.add("added", added);
    JsonArray join = new JsonArray();
    joinAt(plan).forEach(join::add);
    o.add("join", join);
    return o;
  }

  private static JsonObject viewJson(MembershipView v) {
    JsonObject o = new JsonObject();
    JsonArray voters = new JsonArray();
    byName(v.getVotersList()).forEach(m -> voters.add(Json.member(m)));
    JsonArray learners = new JsonArray();
    byName(v.getLearnersList()).forEach(m -> learners.add(Json.member(m)));
    o.add("voters", voters);
    o.add("learners", learners);
    o.addProperty("quorum", v.getQuorum());
    o.addProperty("failure_tolerance", v.getFailureTolerance());
    o.addProperty("reachable_voters", v.getReachableVoters());
    return o;
  }

  /** {@code --dry-run} of every change. */
  static final class DryRun {
    @Option(names = "--dry-run", description = "say what the change would do; propose nothing")
    boolean on;
  }

  /** {@code --force} of the changes that remove voters. */
  static final class Force {
    @Option(names = "--force", description = "even if the cluster would then stop taking writes until enough "
        + "voters are back (dangerous: the danger is printed on stderr)")
    boolean on;
  }
}
