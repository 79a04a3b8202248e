package io.raftd.raft.confchange;

import io.raftd.raft.MemberId;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.proto.ConfChange;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.Member;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Joint-consensus transitions (paper §6), as pure functions over configurations. Every change, even of
 * one voter, goes C_old → C_old,new → C_new: {@link #enterJoint} builds C_old,new (voters = C_new's,
 * outgoing voters = C_old's), {@link #leaveJoint} builds C_new. Learners never vote; a promoted learner
 * votes from C_old,new on. Removed ids are remembered for good and may never be added again.
 *
 * <p>A configuration also carries the names and addresses of the members changes added (its directory)
 * and the learners to promote once caught up: an added member's entry comes with the change, and goes
 * when the member is removed; a promoted learner is no longer one to promote.
 */
public final class ConfChanges {
  private ConfChanges() {}

  public static boolean isJoint(Configuration c) {
    return c.getOutgoingVotersCount() > 0;
  }

  /**
   * C_old,new for {@code change} applied to the (non-joint) {@code current}.
   *
   * @throws IllegalArgumentException naming what is wrong with the change
   */
  public static Configuration enterJoint(Configuration current, ConfChange change) {
    if (isJoint(current)) {
      throw new IllegalArgumentException("the configuration is joint: a change is still in progress");
    }
    TreeSet<Long> voters = new TreeSet<>(current.getVotersList());
    TreeSet<Long> learners = new TreeSet<>(current.getLearnersList());
    TreeSet<Long> removed = new TreeSet<>(current.getRemovedList());
    TreeSet<Long> seen = new TreeSet<>();
    for (List<Long> ids : List.of(change.getAddVotersList(), change.getRemoveVotersList(),
        change.getAddLearnersList(), change.getPromoteLearnersList())) {
      for (long id : ids) {
        if (id == 0) {
          throw new IllegalArgumentException("member id 0 is reserved");
        }
        if (!seen.add(id)) {
          throw new IllegalArgumentException("member " + MemberId.hex(id) + " appears twice in one change");
        }
      }
    }
    for (long id : change.getAddVotersList()) {
      requireNew(id, voters, learners, removed);
      voters.add(id);
    }
    for (long id : change.getAddLearnersList()) {
      requireNew(id, voters, learners, removed);
      learners.add(id);
    }
    for (long id : change.getPromoteLearnersList()) {
      if (!learners.remove(id)) {
        throw new IllegalArgumentException("member " + MemberId.hex(id) + " is not a learner: only learners are promoted");
      }
      voters.add(id);
    }
    for (long id : change.getRemoveVotersList()) {
      if (!voters.remove(id) && !learners.remove(id)) {
        throw new IllegalArgumentException("member " + MemberId.hex(id) + " is not a member: nothing to remove");
      }
      removed.add(id);
    }
    if (voters.isEmpty()) {
      throw new IllegalArgumentException("the change would leave no voter");
    }
    TreeSet<Long> added = new TreeSet<>(change.getAddVotersList());
    added.addAll(change.getAddLearnersList());
    TreeMap<Long, Member> directory = new TreeMap<>();
    for (Member m : current.getMembersList()) {
      directory.put(m.getId(), m);
    }
    for (Member m : change.getMembersList()) {
      if (!added.contains(m.getId())) {
        throw new IllegalArgumentException("the change names member " + MemberId.hex(m.getId()) + " but does not add it");
      }
      directory.put(m.getId(), m);
    }
    directory.keySet().retainAll(union(voters, learners));
    TreeSet<Long> autoPromote = new TreeSet<>(current.getAutoPromoteList());
    for (long id : change.getAutoPromoteList()) {
      if (!change.getAddLearnersList().contains(id)) {
        throw new IllegalArgumentException("member " + MemberId.hex(id) + " is to be promoted once caught up but is not added as a learner");
      }
      autoPromote.add(id);
    }
    autoPromote.retainAll(learners);
    return Configuration.newBuilder()
        .addAllVoters(voters)
        .addAllLearners(learners)
        .addAllOutgoingVoters(current.getVotersList())
        .addAllRemoved(removed)
        .addAllMembers(directory.values())
        .addAllAutoPromote(autoPromote)
        .build();
  }

  private static TreeSet<Long> union(TreeSet<Long> a, TreeSet<Long> b) {
    TreeSet<Long> all = new TreeSet<>(a);
    all.addAll(b);
    return all;
  }

  private static void requireNew(long id, TreeSet<Long> voters, TreeSet<Long> learners, TreeSet<Long> removed) {
    if (removed.contains(id)) {
      throw new IllegalArgumentException("member " + MemberId.hex(id) + " was removed: ids are never reused");
    }
    if (voters.contains(id) || learners.contains(id)) {
      throw new IllegalArgumentException("member " + MemberId.hex(id) + " is already a member");
    }
  }

  /** The configuration a CONFIG entry carries. */
  public static Configuration parse(Entry e) {
    try {
      return Configuration.parseFrom(e.getData());
    } catch (InvalidProtocolBufferException ex) {
      throw new IllegalStateException("configuration entry " + e.getIndex() + " does not hold a Configuration", ex);
    }
  }

  /** Every voter of either half and every learner (an id may appear twice). */
  public static List<Long> members(Configuration c) {
    List<Long> all = new ArrayList<>(c.getVotersList());
    all.addAll(c.getOutgoingVotersList());
    all.addAll(c.getLearnersList());
    return all;
  }

  /** C_new: the joint configuration without its outgoing half. */
  public static Configuration leaveJoint(Configuration joint) {
    return joint.toBuilder().clearOutgoingVoters().build();
  }
}
