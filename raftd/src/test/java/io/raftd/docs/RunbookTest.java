package io.raftd.docs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README walkthrough reader the runbook tests stand on: what it takes as commands and output, and that it can fail. */
class RunbookTest {
  @TempDir
  Path dir;

  @Test
  void commandsAndShownOutputComeFromTheMarkedBlockOnly() throws Exception {
    Path md = write("""
        ```sh
        $ not-this   # a block without a marker
        ```
        <!-- runbook:demo (DemoTest runs it) -->
        ```console
        $ export ENDPOINTS=10.0.0.1:7200          # a comment
        $ # a comment line only
        # a shell comment
        $ bin/raftctl snapshot save /backup/x.snap
        saved snapshot 0001 of n1 (index 12) to /backup/x.snap

        $ raftctl status
        ```
        $ after-the-block
        """);
    List<Runbook.Step> steps = Runbook.read(md, "demo");
    assertEquals(List.of("export ENDPOINTS=10.0.0.1:7200", "bin/raftctl snapshot save /backup/x.snap", "raftctl status"),
        steps.stream().map(Runbook.Step::command).toList());
    assertEquals(List.of("saved snapshot 0001 of n1 (index 12) to /backup/x.snap"), steps.get(1).shown());
    assertEquals(List.of(), steps.get(0).shown());
    assertArrayEquals(new String[] {"snapshot", "save", "/tmp/b.snap"},
        steps.get(1).raftctlArgs(Map.of("/backup/x.snap", "/tmp/b.snap")));
    assertArrayEquals(new String[] {"status"}, steps.get(2).raftctlArgs(Map.of()));
  }

  @Test
  void shownOutputMissingFromWhatTheCommandPrintedIsReported() throws Exception {
    Runbook.Step step = Runbook.read(write("""
        <!-- runbook:out -->
        ```console
        $ raftctl recover
        MAY LOSE: some writes
        recovered: /var/lib/raftd is now alone
        ```
        """), "out").get(0);
    Map<String, String> dirs = Map.of("/var/lib/raftd", "/tmp/d");
    assertEquals(List.of(), step.shownButMissing("MAY LOSE: other words\nrecovered: /tmp/d is now", dirs));
    assertEquals(List.of("recovered: /var/lib/raftd is now alone"),
        step.shownButMissing("MAY LOSE: x\nrecovered: /elsewhere", dirs));
    assertEquals(List.of("MAY LOSE: some writes", "recovered: /var/lib/raftd is now alone"), step.shownButMissing("", dirs));
  }

  @Test
  void linesTypedAtTheShellPromptAreCommandsToo() throws Exception {
    List<Runbook.Step> steps = Runbook.read(write("""
        <!-- runbook:shell -->
        ```console
        $ bin/raftctl
        raftd n1* 3/3> get greeting    # a comment
        hello
        raftd (no leader) 2/3> status
        ```
        """), "shell");
    assertEquals(List.of("bin/raftctl", "get greeting", "status"), steps.stream().map(Runbook.Step::command).toList());
    assertEquals(List.of(false, true, true), steps.stream().map(Runbook.Step::inShell).toList());
    assertEquals(List.of("hello"), steps.get(1).shown());
  }

  @Test
  void aMissingOrEmptyRunbookFails() throws Exception {
    Path md = write("""
        <!-- runbook:empty -->
        ```sh
        # nothing to run
        ```
        <!-- runbook:prose -->
        Not a block.
        """);
    assertThrows(AssertionError.class, () -> Runbook.read(md, "absent"));
    assertThrows(AssertionError.class, () -> Runbook.read(md, "empty"));
    assertThrows(AssertionError.class, () -> Runbook.read(md, "prose"));
  }

  @Test
  void placeholdersAreReplacedOnceLongestFirst() {
    Map<String, String> p = Map.of("10.0.0.1:7001", "127.0.0.1:20001", "10.0.0.1", "localhost", "$M", "n1=10.0.0.1");
    assertEquals("n1=127.0.0.1:20001/localhost:7002", Runbook.substitute("n1=10.0.0.1:7001/10.0.0.1:7002", p));
    assertEquals("--members n1=10.0.0.1", Runbook.substitute("--members $M", p), "a value put in is not replaced again");
  }

  private Path write(String text) throws Exception {
    return Files.writeString(dir.resolve("README.md"), text);
  }
}
