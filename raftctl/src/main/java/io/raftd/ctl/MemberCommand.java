package io.raftd.ctl;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.raftd.client.RaftdException;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.ListMembersRequest;
import io.raftd.proto.ListMembersResponse;
import io.raftd.proto.MemberInfo;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;

/**
 * {@code raftctl member list|add|promote|remove|change}: the cluster's membership through the admin port.
 * Changes go to the leader (the client library follows NOT_LEADER and retries BUSY within --timeout); a
 * list is the leader's too when there is one, so its progress figures are the leader's.
 */
@Command(name = "member", description = "The cluster's voters and learners: list them, add, promote and remove members.",
    subcommands = {MemberCommand.List_.class})
final class MemberCommand {
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

    private static String summary(ListMembersResponse r) {
      long voters = r.getMembersList().stream().filter(m -> m.getRole().equals("voter")).count();
      long learners = r.getMembersCount() - voters;
      StringBuilder b = new StringBuilder();
      b.append(Plural.of(voters, "voter")).append(", ").append(Plural.of(learners, "learner")).append("; quorum ")
          .append(r.getQuorum()).append(", can lose ").append(r.getFailureTolerance()).append(" of them; ");
      b.append(r.getJoint() ? "joint: a change is in progress, both halves' voters decide until it completes"
          : "not joint (no change in progress)");
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
      boolean figures = r.getFromLeader();
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
      members.add(j);
    }
    o.add("members", members);
    return o;
  }
}
