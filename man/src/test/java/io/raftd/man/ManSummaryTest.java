package io.raftd.man;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** The one-line summary a raftctl page's NAME gives its command, cut from the description. */
class ManSummaryTest {
  @Test
  void itIsTheFirstClauseOutsideParentheses() {
    assertEquals("Measures the cluster", RaftctlAsciidoc.summary("Measures the cluster: --clients N clients, each."));
    assertEquals("Writes a directory (offline; raftd need not run)",
        RaftctlAsciidoc.summary("Writes a directory (offline; raftd need not run): run it once per member."));
    assertEquals("Adds member NAME as a learner", RaftctlAsciidoc.summary("Adds member NAME as a learner; unless --x."));
    assertEquals("Deletes KEY", RaftctlAsciidoc.summary("Deletes KEY. Exit 3 if it did not exist."));
  }

  @Test
  void anAbbreviationDoesNotEndIt() {
    assertEquals("Changes several, e.g. two at once",
        RaftctlAsciidoc.summary("Changes several, e.g. two at once; every option repeats."));
  }

  @Test
  void aOneSentenceDescriptionLosesOnlyItsPeriod() {
    assertEquals("Makes learner NAME a voter", RaftctlAsciidoc.summary("Makes learner NAME a voter."));
  }
}
