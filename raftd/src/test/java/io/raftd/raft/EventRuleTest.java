package io.raftd.raft;

import static io.raftd.raft.Nodes.config;
import static io.raftd.raft.Nodes.node;
import static io.raftd.raft.Nodes.preVote;
import static io.raftd.raft.Nodes.preVoteResp;
import static io.raftd.raft.Nodes.voteResp;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.raftd.proto.Event;
import io.raftd.proto.EventKind;
import io.raftd.raft.Nodes.Node;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The core's events (RaftLogger.event, what raftctl watch shows): each where the core decides it, with its term,
 * the other member and, for elections, the votes counted.
 */
class EventRuleTest {
  private final List<Event> events = new ArrayList<>();
  private final RaftLogger capture = new RaftLogger() {
    @Override
    public void info(String message) {}

    @Override
    public void warn(String message) {}

    @Override
    public void event(Event.Builder event) {
      events.add(event.build());
    }
  };

  private List<String> kinds() {
    return events.stream().map(e -> e.getKind() + (e.getPreVote() ? "(pre-vote)" : "") + " t" + e.getTerm()
        + (e.getVoters() > 0 ? " " + e.getVotes() + "/" + e.getVoters() : "") + (e.getPeer().isEmpty() ? "" : " " + e.getPeer()))
        .toList();
  }

  @Test
  void anElectionIsAPreVoteThenAVoteEachStartedAndWonWithItsVotes() {
    Node n = node(config(1).logger(capture), 2, 0, 1, 2);
    n.ticksUntilRoleChanges();
    n.deliver(preVoteResp(2, 1, 3, true));
    n.deliver(voteResp(3, 1, 3, true));
    assertEquals(List.of("ELECTION_STARTED(pre-vote) t3", "ELECTION_WON(pre-vote) t3 2/3", "ELECTION_STARTED t3",
        "ELECTION_WON t3 2/3"), kinds());
    assertEquals(Role.LEADER, n.role());
    assertEquals("0000000000000001 won the election for term 3 with 2 of 3 votes", events.get(3).getText());
  }

  @Test
  void aLostPreVoteSaysSoWithTheVotesAndChangesNoTerm() {
    Node n = node(config(1).logger(capture), 2, 0, 1, 2);
    n.ticksUntilRoleChanges();
    n.deliver(preVoteResp(2, 1, 2, false));  // a refusal carries the voter's own term
    n.deliver(preVoteResp(3, 1, 2, false));
    assertEquals(List.of("ELECTION_STARTED(pre-vote) t3", "ELECTION_LOST(pre-vote) t3 1/3"), kinds());
    assertEquals(2, n.term());
  }

  @Test
  void aPreVoteRefusedNamesTheCandidateAndWhy() {
    Node n = node(config(1).logger(capture), 2, 0, 1, 2);
    n.deliver(preVote(3, 1, 3, 1, 1));  // its log (last term 1) is behind ours (last term 2)
    assertEquals(List.of("PRE_VOTE_REFUSED(pre-vote) t3 0000000000000003"), kinds());
    assertEquals("0000000000000001 refused 0000000000000003 a pre-vote for term 3: the candidate's log (last index 1,"
        + " term 1) is behind this member's", events.get(0).getText());
    assertEquals(2, events.get(0).getIndex(), "the member's last index");
  }

  @Test
  void aTransferIsStartedByTheLeaderAndCompletedByTheMemberItWasHandedTo() {
    Node leader = node(config(1).logger(capture), 2, 0, 1, 2);
    leader.electAndCatchUp();
    events.clear();
    assertEquals(TransferOutcome.STARTED, leader.raw.transferLeadership(2));
    assertEquals(List.of("TRANSFER_STARTED t3 0000000000000002"), kinds());
  }
}
