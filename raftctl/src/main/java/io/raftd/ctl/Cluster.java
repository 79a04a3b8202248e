package io.raftd.ctl;

import io.raftd.client.RaftdException;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.ClusterStatus;
import io.raftd.proto.ClusterStatusRequest;
import io.raftd.proto.MemberStatus;
import io.raftd.proto.NodeStatus;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/** The cluster as one reachable member sees it: every member's status, gathered by it over the peer port. */
record Cluster(List<MemberStatus> members) {
  static Cluster ask(Connection c) throws RaftdException, InterruptedException {
    return ask(c, c.client().deadline());
  }

  /** Asks, giving up at {@code deadline} ({@link System#nanoTime()}): for commands that ask more than once. */
  static Cluster ask(Connection c, long deadline) throws RaftdException, InterruptedException {
    ClusterStatus s = c.client().call(AdminRequest.newBuilder().setClusterStatus(ClusterStatusRequest.getDefaultInstance()),
        false, true, deadline).getClusterStatus();
    return new Cluster(s.getMembersList().stream().sorted(Comparator.comparing(m -> m.getMember().getName())).toList());
  }

  /** The reachable member that says it leads, at the highest term if two do (one is stale). */
  Optional<NodeStatus> leader() {
    return members.stream().filter(MemberStatus::getReachable).map(MemberStatus::getStatus)
        .filter(s -> s.getRole().equals("leader")).max(Comparator.comparingLong(NodeStatus::getTerm));
  }

  /**
   * Asks one member {@code request} at its admin address. If it alone does not answer, says so by name: the
   * cluster answered (that is how we know the member), so "cannot reach the cluster" would mislead.
   */
  static AdminResponse callMember(Connection c, MemberStatus m, AdminRequest.Builder request)
      throws RaftdException, InterruptedException, CtlException {
    try {
      return c.client().callAt(m.getMember().getAdminAddress(), request);
    } catch (RaftdException e) {
      if (!e.unreachable()) {
        throw e;
      }
      throw new CtlException(ExitCode.UNAVAILABLE, m.getMember().getName() + " does not answer at "
          + m.getMember().getAdminAddress() + " (" + Reasons.plain(e) + "); `raftctl status` shows the others");
    }
  }

  /** The member with this name, or a NOT_FOUND failure listing the names there are. */
  MemberStatus member(String name) throws CtlException {
    return members.stream().filter(m -> m.getMember().getName().equals(name)).findFirst()
        .orElseThrow(() -> new CtlException(ExitCode.NOT_FOUND, "no member named " + name + " (members: "
            + String.join(", ", members.stream().map(m -> m.getMember().getName()).toList()) + ")"));
  }
}
