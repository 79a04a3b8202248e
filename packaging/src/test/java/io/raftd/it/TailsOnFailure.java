package io.raftd.it;

import java.util.function.Supplier;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/** Prints the tail of every member's log when a test fails, so a CI log shows what the daemons said. */
final class TailsOnFailure implements TestWatcher {
  private final Supplier<ProcessCluster> cluster;

  TailsOnFailure(Supplier<ProcessCluster> cluster) {
    this.cluster = cluster;
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    ProcessCluster c = cluster.get();
    if (c != null) {
      System.err.println("==== " + context.getDisplayName() + " failed; raftd logs under " + c.root + "\n" + c.tails(80));
    }
  }
}
