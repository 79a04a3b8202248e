package io.raftd.sim;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A seed replays identically: the same schedule run twice here, and in a fresh JVM, ends with the same
 * digest (of every event's time and every member's term, commit and last index after it). This is what
 * catches iteration over identity-hashed collections and any other hidden nondeterminism.
 */
class SimReplayTest {
  private static final long[] SEEDS = {7, 1234, 987_654_321};

  @Test
  void aSeedReplaysIdenticallyInAFreshJvm() throws IOException, InterruptedException {
    List<String> here = new ArrayList<>();
    for (long seed : SEEDS) {
      here.add(ReplayMain.replay(seed));
      assertEquals(here.get(here.size() - 1), ReplayMain.replay(seed), "seed " + seed + " replays differently in one JVM");
    }
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-cp", System.getProperty("java.class.path"),
        ReplayMain.class.getName()));
    for (long seed : SEEDS) {
      command.add(Long.toString(seed));
    }
    Process forked = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(forked.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(forked.waitFor(120, TimeUnit.SECONDS), "the forked JVM did not finish");
    assertEquals(0, forked.exitValue(), "forked JVM failed: " + output);
    List<String> there = output.lines().toList();
    System.out.println("sim replay digests (this JVM | fresh JVM): " + here + " | " + there);
    assertEquals(here, there, "a seed replayed differently in a fresh JVM");
  }
}
