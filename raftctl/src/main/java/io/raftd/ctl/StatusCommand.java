package io.raftd.ctl;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.Member;
import io.raftd.proto.MemberStatus;
import io.raftd.proto.NodeStatus;
import io.raftd.proto.PeerProgress;
import io.raftd.proto.StatusRequest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code raftctl status}: every member in one table, or one member in full. */
@Command(name = "status", description = {"One row per member: role, term, commit, applied, last index, lag, "
    + "snapshot index, last contact with the leader and health; then the cluster's failure tolerance. "
    + "Members that do not answer show as unreachable (within --timeout, never hanging). "
    + "Exits 0 when every member is healthy, 1 when the cluster takes writes but some member is not healthy, "
    + "4 when it cannot (no leader, or fewer healthy voters than a quorum), with one line on stderr saying why."})
final class StatusCommand extends CtlCommand {
  /** The leader has not heard from a follower for this long: it shows as out of contact. */
  static final long CONTACT_LOST_MS = 3000;

  @Option(names = "--node", paramLabel = "NAME", completionCandidates = CompletionScript.MemberNames.class,
      description = "one member's full status")
  String node;

  @Override
  int run(Raftctl ctl) throws Exception {
    Cluster cluster = Cluster.ask(ctl.connection());
    if (node != null) {
      NodeStatus s = Cluster.callMember(ctl.connection(), cluster.member(node),
          AdminRequest.newBuilder().setStatus(StatusRequest.getDefaultInstance())).getStatus();
      NodeDetail.print(ctl.output(), s);
      return ExitCode.OK;
    }
    Optional<NodeStatus> leader = cluster.leader();
    Map<Long, PeerProgress> progress = new HashMap<>();
    leader.ifPresent(l -> l.getPeersList().forEach(p -> progress.put(p.getMember().getId(), p)));
    List<Row> rows = new ArrayList<>();
    for (MemberStatus m : cluster.members()) {
      rows.add(Row.of(m, leader.orElse(null), progress.get(m.getMember().getId())));
    }
    int voters = leader.map(NodeStatus::getVotersCount).orElse(cluster.members().size());
    int tolerance = leader.map(NodeStatus::getFailureTolerance).orElse((voters - 1) / 2);
    long healthyVoters = rows.stream().filter(r -> r.health.equals("healthy") && r.voter).count();
    long failuresLeft = Math.max(0, healthyVoters - (voters / 2 + 1));
    Output out = ctl.output();
    if (out.json) {
      JsonObject o = new JsonObject();
      o.addProperty("leader", leader.map(l -> l.getSelf().getName()).orElse(null));
      o.addProperty("term", leader.map(NodeStatus::getTerm).orElse(null));
      o.addProperty("voters", voters);
      o.addProperty("failure_tolerance", tolerance);
      o.addProperty("failures_left", leader.isPresent() ? failuresLeft : 0);
      JsonArray members = new JsonArray();
      rows.forEach(r -> members.add(r.json()));
      o.add("members", members);
      o.addProperty("healthy", exitCode(leader, rows, voters) == ExitCode.OK);
      out.json(o);
      return verdict(ctl, leader, rows, voters);
    }
    List<List<String>> table = new ArrayList<>();
    rows.forEach(r -> table.add(r.cells(ctl.color())));
    out.table(List.of("NAME", "ID", "PEER", "ADMIN", "ROLE", "TERM", "COMMIT", "APPLIED", "LAST", "LAG", "SNAPSHOT",
        "CONTACT", "HEALTH"), table);
    out.line("");
    out.line(leader.map(l -> "leader " + l.getSelf().getName() + " (term " + l.getTerm() + "); can lose " + tolerance
        + " of " + voters + " voters, " + failuresLeft + " more now").orElse(
        "no leader among the reachable members: the cluster cannot take writes"));
    return verdict(ctl, leader, rows, voters);
  }

  /**
   * Like etcdctl's endpoint health, the exit code says how the cluster is: 0 when every member is healthy,
   * 4 when it cannot take writes (no leader, or fewer healthy voters than a quorum), 1 when it can but some
   * member is not healthy.
   */
  private static int exitCode(Optional<NodeStatus> leader, List<Row> rows, int voters) {
    long healthyVoters = rows.stream().filter(r -> r.health.equals("healthy") && r.voter).count();
    if (leader.isEmpty() || healthyVoters < voters / 2 + 1) {
      return ExitCode.UNAVAILABLE;
    }
    return rows.stream().allMatch(r -> r.health.equals("healthy")) ? ExitCode.OK : ExitCode.FAILURE;
  }

  /** The exit code, with one line on stderr saying why when it is not 0. */
  private static int verdict(Raftctl ctl, Optional<NodeStatus> leader, List<Row> rows, int voters) {
    int code = exitCode(leader, rows, voters);
    List<String> unhealthy = rows.stream().filter(r -> !r.health.equals("healthy"))
        .map(r -> r.member.getName() + " " + r.health).toList();
    if (code == ExitCode.UNAVAILABLE) {
      ctl.io.err().println("raftctl: the cluster cannot take writes: " + (leader.isEmpty() ? "no leader"
          : "fewer healthy voters than a quorum") + (unhealthy.isEmpty() ? "" : " (" + String.join(", ", unhealthy) + ")"));
    } else if (code == ExitCode.FAILURE) {
      ctl.io.err().println("raftctl: not every member is healthy: " + String.join(", ", unhealthy));
    }
    return code;
  }

  /** One member's row, from its own status and the leader's view of it. */
  private record Row(Member member, NodeStatus status, String error, boolean isLeader, boolean voter, Long lag,
                     Long contactMs, String health) {
    static Row of(MemberStatus m, NodeStatus leader, PeerProgress p) {
      Member member = m.getMember();
      boolean voter = leader == null || leader.getVotersList().stream().anyMatch(v -> v.getId() == member.getId());
      if (!m.getReachable()) {
        return new Row(member, null, m.getError(), false, voter, p != null ? p.getLag() : null,
            p != null ? p.getLastContactMs() : null, "unreachable");
      }
      NodeStatus s = m.getStatus();
      boolean isLeader = leader != null && s.getSelf().getId() == leader.getSelf().getId();
      Long lag = isLeader ? Long.valueOf(0) : p != null ? p.getLag() : null;
      Long contact = isLeader || p == null ? null : p.getLastContactMs();
      String health;
      if (s.getDivergedAt() != 0) {
        health = "diverged";
      } else if (s.getDiskFull()) {
        health = "disk full";
      } else if (s.getDiskLow()) {
        health = "disk low";
      } else if (s.getWalStalled()) {
        health = "disk stalled";
      } else if (!s.hasLeader()) {
        health = "no leader";
      } else if (isLeader) {
        health = "healthy";
      } else if (p != null && p.getState().equals("snapshot")) {
        health = "receiving snapshot";
      } else if (contact != null && contact > CONTACT_LOST_MS) {
        health = "out of contact";
      } else if (p != null && p.getState().equals("probe") && p.getLag() > 0) {
        health = "catching up";
      } else {
        health = "healthy";
      }
      return new Row(member, s, null, isLeader, voter, lag, contact, health);
    }

    List<String> cells(boolean color) {
      String name = member.getName() + (isLeader ? "*" : "");
      String h = color ? colored(health) : health;
      if (status == null) {
        return List.of(name, Json.id(member.getId()), member.getPeerAddress(), member.getAdminAddress(), "-", "-", "-",
            "-", "-", orDash(lag), "-", contactMs != null ? contactMs + "ms" : "-", h);
      }
      return List.of(name, Json.id(member.getId()), member.getPeerAddress(), member.getAdminAddress(), status.getRole(),
          Long.toString(status.getTerm()), Long.toString(status.getCommit()), Long.toString(status.getApplied()),
          Long.toString(status.getLastIndex()), orDash(lag), Long.toString(status.getSnapshotIndex()),
          contactMs != null ? contactMs + "ms" : "-", h);
    }

    JsonObject json() {
      JsonObject o = Json.member(member);
      o.addProperty("reachable", status != null);
      o.addProperty("error", error == null ? null : Reasons.plain(error));
      o.addProperty("leader", isLeader);
      o.addProperty("voter", voter);
      o.addProperty("role", status != null ? status.getRole() : null);
      o.addProperty("term", status != null ? status.getTerm() : null);
      o.addProperty("commit", status != null ? status.getCommit() : null);
      o.addProperty("applied", status != null ? status.getApplied() : null);
      o.addProperty("last_index", status != null ? status.getLastIndex() : null);
      o.addProperty("lag", lag);
      o.addProperty("snapshot_index", status != null ? status.getSnapshotIndex() : null);
      o.addProperty("last_contact_ms", contactMs);
      o.addProperty("health", health);
      return o;
    }

    private static String orDash(Long v) {
      return v == null ? "-" : v.toString();
    }

    private static String colored(String health) {
      String code = switch (health) {
        case "healthy" -> "32";
        case "unreachable", "no leader", "out of contact", "diverged" -> "31";
        default -> "33";
      };
      return "\u001b[" + code + "m" + health + "\u001b[0m";
    }
  }
}
