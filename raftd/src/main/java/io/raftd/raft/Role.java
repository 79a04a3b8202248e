package io.raftd.raft;

/** Paper Figure 4, with the pre-candidate of thesis §9.6 in front of the candidate. */
public enum Role {
  FOLLOWER,
  PRE_CANDIDATE,
  CANDIDATE,
  LEADER
}
