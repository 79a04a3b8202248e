package io.raftd.daemon;

import io.raftd.proto.Configuration;
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
 * on "became leader"), the configuration taking effect, and members falling silent and heard again. A
 * configuration taking effect also updates the member directory (names and addresses of added members).
 */
final class ClusterEvents implements RaftNode.Changes {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterEvents.class);

  private final Members members;
  private final long self;
  /** Told once a configuration's members are in the directory: where they listen may have changed. */
  private final Runnable peersChanged;

  ClusterEvents(Members members, long self, Runnable peersChanged) {
    this.members = members;
    this.self = self;
    this.peersChanged = peersChanged;
  }

  @Override
  public void statusChanged(Status before, Status now) {
    LogSettings.term(members.byId(self).getName(), now.term());
    LOG.info("{} is {}; was {}", members.name(self), state(now), state(before));
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
    LOG.info("configuration in effect: {}; was {}", describe(now), describe(before));
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
    LOG.info("lost contact with {}: nothing heard from it for {} ms (an election timeout)", members.name(member),
        silentMillis);
  }

  @Override
  public void contactRegained(long member, long silentMillis) {
    LOG.info("regained contact with {} after {} ms of silence", members.name(member), silentMillis);
  }
}
