package io.raftd.daemon;

import io.raftd.host.EventHub;
import io.raftd.proto.Configuration;
import io.raftd.proto.Event;
import io.raftd.proto.EventKind;
import io.raftd.raft.Role;
import io.raftd.raft.Status;
import io.raftd.host.RaftNode;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The story of a member in its log, one INFO line per change, with members named {@code name(id)}: its
 * role, term and leader (on every member, not only the one elected: a deposed leader's log must not end
 * on "became leader"), the configuration taking effect, members falling silent and heard again, and, on a
 * leader, members falling behind and catching up. Each is an event too, for those watching
 * ({@code raftctl watch}), as is a learner's progress while it catches up. A configuration taking effect
 * also updates the member directory (names and addresses of added members).
 */
final class ClusterEvents implements RaftNode.Changes {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterEvents.class);

  private final Members members;
  private final long self;
  /** Told once a configuration's members are in the directory: where they listen may have changed. */
  private final Runnable peersChanged;
  private final EventHub events;

  ClusterEvents(Members members, long self, Runnable peersChanged, EventHub events) {
    this.members = members;
    this.self = self;
    this.peersChanged = peersChanged;
    this.events = events;
  }

  @Override
  public void statusChanged(Status before, Status now) {
    LogSettings.term(members.byId(self).getName(), now.term());
    String line = members.name(self) + " is " + state(now) + "; was " + state(before);
    LOG.info(line);
    publish(EventKind.ROLE_CHANGED, now.leader(), line);
  }

  private void publish(EventKind kind, long peer, String text) {
    Event.Builder e = Event.newBuilder().setKind(kind).setText(text);
    if (peer != 0) {
      e.setPeer(members.name(peer));
    }
    events.publish(e);
  }

  private String state(Status s) {
    return role(s.role()) + " at term " + s.term() + ", leader " + (s.leader() == 0 ? "unknown" : members.name(s.leader()));
  }

  private static String role(Role r) {
    return r.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  @Override
  public void configurationChanged(Configuration before, Configuration now) {
    members.learn(now);
    peersChanged.run();
    String line = "configuration in effect: " + describe(now) + "; was " + describe(before);
    LOG.info(line);
    boolean joint = now.getOutgoingVotersCount() > 0;
    boolean wasJoint = before.getOutgoingVotersCount() > 0;
    publish(joint ? EventKind.JOINT_ENTERED : wasJoint ? EventKind.JOINT_LEFT : EventKind.CONFIGURATION_CHANGED, 0, line);
  }

  private String describe(Configuration c) {
    StringBuilder b = new StringBuilder("voters ").append(names(c.getVotersList()));
    if (c.getOutgoingVotersCount() > 0) {
      b.append(" joint with ").append(names(c.getOutgoingVotersList()));
    }
    if (c.getLearnersCount() > 0) {
      b.append(", learners ").append(names(c.getLearnersList()));
    }
    return b.toString();
  }

  private List<String> names(List<Long> ids) {
    return ids.stream().map(members::name).toList();
  }

  @Override
  public void contactLost(long member, long silentMillis) {
    String line = "lost contact with " + members.name(member) + ": nothing heard from it for " + silentMillis
        + " ms (an election timeout)";
    LOG.info(line);
    publish(EventKind.CONTACT_LOST, member, line);
  }

  @Override
  public void contactRegained(long member, long silentMillis) {
    String line = "regained contact with " + members.name(member) + " after " + silentMillis + " ms of silence";
    LOG.info(line);
    publish(EventKind.CONTACT_REGAINED, member, line);
  }

  @Override
  public void fellBehind(long member, long behind) {
    String line = members.name(member) + " is " + behind + " entries behind the commit index, more than"
        + " membership.catch_up_entries";
    LOG.info(line);
    publish(EventKind.FOLLOWER_BEHIND, member, line);
  }

  @Override
  public void caughtUp(long member, long behindMillis) {
    String line = members.name(member) + " caught up, within membership.catch_up_entries of the commit index, after "
        + behindMillis + " ms behind";
    LOG.info(line);
    publish(EventKind.FOLLOWER_CAUGHT_UP, member, line);
  }

  @Override
  public void learnerProgress(long member, long behind, long entriesPerSecond) {
    publish(EventKind.LEARNER_PROGRESS, member, "learner " + members.name(member) + " is " + behind
        + " entries behind, catching up at " + entriesPerSecond + " entries/s"
        + (entriesPerSecond > 0 ? " (about " + Math.max(1, behind / entriesPerSecond) + " s to go)" : ""));
  }
}
