package io.raftd.raft.confchange;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.ConfChange;
import io.raftd.proto.Configuration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One test per rule of the joint-consensus transitions (paper §6) as pure functions: C_old → C_old,new →
 * C_new for every change, learners, promotion, removal for good, and the changes that are invalid.
 */
class ConfChangesTest {
  /** Voters {1, 2, 3}, learner 4, member 9 removed long ago. */
  private static final Configuration C_OLD = Configuration.newBuilder()
      .addAllVoters(List.of(1L, 2L, 3L)).addLearners(4).addRemoved(9).build();

  private static List<Long> ids(long... ids) {
    return Arrays.stream(ids).boxed().toList();
  }

  private static ConfChange.Builder change() {
    return ConfChange.newBuilder();
  }

  /** Asserts the change is invalid and its message contains {@code says}. */
  private static void assertInvalid(Configuration current, ConfChange.Builder change, String says) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ConfChanges.enterJoint(current, change.build()));
    assertTrue(e.getMessage().contains(says), () -> "message '" + e.getMessage() + "' should say '" + says + "'");
  }

  // ---- C_old → C_old,new → C_new ----

  @Test
  void addingOneVoterEntersAJointConfigurationWithCNewAsVotersAndCOldAsOutgoing() {
    Configuration joint = ConfChanges.enterJoint(C_OLD, change().addAddVoters(5).build());

    assertTrue(ConfChanges.isJoint(joint));
    assertEquals(ids(1, 2, 3, 5), joint.getVotersList());
    assertEquals(ids(1, 2, 3), joint.getOutgoingVotersList());
    assertEquals(ids(4), joint.getLearnersList());
    assertEquals(ids(9), joint.getRemovedList());
  }

  @Test
  void removingOneVoterEntersAJointConfigurationToo() {
    Configuration joint = ConfChanges.enterJoint(C_OLD, change().addRemoveVoters(3).build());

    assertTrue(ConfChanges.isJoint(joint));
    assertEquals(ids(1, 2), joint.getVotersList());
    assertEquals(ids(1, 2, 3), joint.getOutgoingVotersList(), "3 still votes in C_old");
    assertEquals(ids(3, 9), joint.getRemovedList());
  }

  @Test
  void leavingTheJointConfigurationDropsOnlyTheOutgoingVoters() {
    Configuration joint = ConfChanges.enterJoint(C_OLD, change().addAddVoters(5).addRemoveVoters(1).build());

    Configuration cNew = ConfChanges.leaveJoint(joint);

    assertFalse(ConfChanges.isJoint(cNew));
    assertEquals(ids(2, 3, 5), cNew.getVotersList());
    assertEquals(0, cNew.getOutgoingVotersCount());
    assertEquals(ids(4), cNew.getLearnersList());
    assertEquals(ids(1, 9), cNew.getRemovedList());
  }

  @Test
  void aNonJointConfigurationIsNotJointAndAJointOneCannotBeChangedAgain() {
    assertFalse(ConfChanges.isJoint(C_OLD));
    Configuration joint = ConfChanges.enterJoint(C_OLD, change().addAddVoters(5).build());

    assertInvalid(joint, change().addAddVoters(6), "joint");
  }

  // ---- learners ----

  @Test
  void addedLearnerIsNoVoterOfEitherHalf() {
    Configuration joint = ConfChanges.enterJoint(C_OLD, change().addAddLearners(5).build());

    assertEquals(ids(4, 5), joint.getLearnersList());
    assertEquals(ids(1, 2, 3), joint.getVotersList());
    assertEquals(ids(1, 2, 3), joint.getOutgoingVotersList());
  }

  @Test
  void promotedLearnerIsAVoterOfTheJointConfigurationAndNoLongerALearner() {
    Configuration joint = ConfChanges.enterJoint(C_OLD, change().addPromoteLearners(4).build());

    assertEquals(ids(1, 2, 3, 4), joint.getVotersList(), "votes from C_old,new on");
    assertEquals(ids(1, 2, 3), joint.getOutgoingVotersList());
    assertEquals(0, joint.getLearnersCount());
  }

  @Test
  void promotingAVoterOrANonMemberIsInvalid() {
    assertInvalid(C_OLD, change().addPromoteLearners(2), "is not a learner");
    assertInvalid(C_OLD, change().addPromoteLearners(7), "is not a learner");
  }

  // ---- removal for good ----

  @Test
  void removedLearnerIsRemembered() {
    Configuration joint = ConfChanges.enterJoint(C_OLD, change().addRemoveVoters(4).build());

    assertEquals(0, joint.getLearnersCount());
    assertEquals(ids(4, 9), joint.getRemovedList());
  }

  @Test
  void removedIdsStayRemovedAfterFurtherChanges() {
    Configuration first = ConfChanges.leaveJoint(ConfChanges.enterJoint(C_OLD, change().addRemoveVoters(3).build()));
    Configuration second = ConfChanges.enterJoint(first, change().addAddVoters(5).build());

    assertEquals(ids(3, 9), second.getRemovedList());
    assertEquals(ids(3, 9), ConfChanges.leaveJoint(second).getRemovedList());
  }

  @Test
  void addingARemovedIdIsInvalidAsVoterOrLearner() {
    assertInvalid(C_OLD, change().addAddVoters(9), "was removed");
    assertInvalid(C_OLD, change().addAddLearners(9), "was removed");
  }

  // ---- other invalid changes ----

  @Test
  void anIdTwiceInOneChangeIsInvalid() {
    assertInvalid(C_OLD, change().addAddVoters(5).addAddVoters(5), "appears twice");
    assertInvalid(C_OLD, change().addAddVoters(5).addAddLearners(5), "appears twice");
    assertInvalid(C_OLD, change().addPromoteLearners(4).addRemoveVoters(4), "appears twice");
  }

  @Test
  void aChangeThatLeavesNoVoterIsInvalid() {
    assertInvalid(C_OLD, change().addRemoveVoters(1).addRemoveVoters(2).addRemoveVoters(3), "no voter");
    assertInvalid(C_OLD, change().addAllRemoveVoters(ids(1, 2, 3)).addAddLearners(5), "no voter");
  }

  @Test
  void addingAMemberOrRemovingANonMemberOrIdZeroIsInvalid() {
    assertInvalid(C_OLD, change().addAddVoters(2), "already a member");
    assertInvalid(C_OLD, change().addAddLearners(4), "already a member");
    assertInvalid(C_OLD, change().addRemoveVoters(7), "not a member");
    assertInvalid(C_OLD, change().addAddVoters(0), "reserved");
  }
}
