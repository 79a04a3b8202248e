package io.raftd.ctl;

import io.raftd.client.RaftdException;
import io.raftd.proto.ListMembersResponse;
import io.raftd.proto.MemberInfo;
import java.io.PrintStream;
import java.time.Duration;
import java.util.Locale;

/**
 * {@code member add --wait}: asks the leader about once a second how the new member is doing until it is a
 * voter (or, kept a learner, has caught up), showing progress: on a terminal one line redrawn in place with
 * a bar, otherwise a plain line whenever its state changes (and every {@link #PLAIN_EVERY_MS} while it
 * catches up). Gives up at --wait-timeout, saying what state the member is in.
 */
final class MemberWait {
  static final Duration DEFAULT_TIMEOUT = Duration.ofMinutes(10);
  private static final long POLL_MS = 1000;
  private static final long PLAIN_EVERY_MS = 10_000;
  private static final String NO_ANSWER_YET = "no answer yet";

  private final Raftctl ctl;
  private final String name;
  private final boolean learnerOnly;
  private final PrintStream out;
  /** On a terminal, the line redrawn in place; null otherwise. */
  private final ProgressLine bar;
  /** The most entries the member was seen behind: the bar's 0%. */
  private long mostBehind;
  private long lastPlainNanos;
  private String lastPhase = "";

  /**
   * @param out where progress goes: stdout for a table, stderr with -o json (stdout is then one document)
   * @param bar whether {@code out} is a terminal: redraw one line in place
   */
  MemberWait(Raftctl ctl, String name, boolean learnerOnly, PrintStream out, boolean bar) {
    this.ctl = ctl;
    this.name = name;
    this.learnerOnly = learnerOnly;
    this.out = out;
    this.bar = bar ? new ProgressLine(out) : null;
  }

  /** Waits; returns the member as the leader last saw it once done, or throws UNAVAILABLE at the timeout. */
  MemberInfo await(Duration timeout) throws InterruptedException, CtlException {
    long start = System.nanoTime();
    long deadline = start + timeout.toNanos();
    long caughtUpAt = -1;  // --learner: the commit index to reach, the leader's when the wait began
    String state = NO_ANSWER_YET;
    while (true) {
      long pollStart = System.nanoTime();
      try {
        long perCall = ctl.connection().client().deadline();  // --timeout for each ask, within the wait
        long callDeadline = perCall - deadline < 0 ? perCall : deadline;
        ListMembersResponse r = MemberCommand.list(ctl.connection(), callDeadline);
        MemberInfo m = r.getMembersList().stream().filter(i -> i.getMember().getName().equals(name)).findFirst()
            .orElse(null);
        if (m == null) {
          end();
          throw new CtlException(ExitCode.FAILURE, name + " is no longer a member (removed meanwhile?): "
              + "raftctl member list shows the members");
        }
        if (!r.getFromLeader()) {
          state = "no leader answers: waiting for one";
          show("no leader", state, name + ": no leader answers", -1);
        } else {
          if (caughtUpAt < 0) {
            caughtUpAt = r.getCommit();
          }
          boolean voter = m.getRole().equals("voter");
          if (voter && !r.getJoint() || learnerOnly && !voter && m.getMatch() >= caughtUpAt) {
            end();
            return m;
          }
          state = state(m);
          show(voter ? "promoting" : m.getMatch() == 0 && !m.getReachable() ? "not started" : "catching up", state,
              brief(m), voter ? 0 : m.getEntriesBehind());
        }
      } catch (RaftdException e) {
        if (System.nanoTime() - deadline < 0 || state.equals(NO_ANSWER_YET)) {
          // (one cut short by the end of the wait says nothing new: the state last seen stands)
          state = "no answer: " + Reasons.plain(e);
          show("no answer", state, name + ": no answer", -1);
        }
      }
      long now = System.nanoTime();
      if (now - deadline >= 0) {
        end();
        throw new CtlException(ExitCode.UNAVAILABLE, "gave up waiting after " + Durations.format(timeout.toMillis())
            + " (--wait-timeout): " + state + "; it stays in the cluster" + (learnerOnly ? ""
            : " and the leader promotes it once it has caught up") + ": raftctl member list shows it");
      }
      long sleepMs = Math.min(POLL_MS - (now - pollStart) / 1_000_000, (deadline - now) / 1_000_000);
      if (sleepMs > 0) {
        Thread.sleep(sleepMs);  // polling interval: about once a second
      }
    }
  }

  /** What the member is doing, for a progress line and the message at the timeout. */
  String state(MemberInfo m) {
    if (m.getRole().equals("voter")) {
      return name + " is a voter; the cluster is leaving the joint configuration";
    }
    if (m.getMatch() == 0 && !m.getReachable()) {
      return name + " is a learner, not heard from yet: start it (with cluster.join)";
    }
    StringBuilder b = new StringBuilder(name + " is a learner, " + Plural.of(m.getEntriesBehind(), "entry", "entries")
        + " behind");
    if (!m.getReachable()) {
      b.append(", not heard from for ").append(Durations.format(m.getLastContactMs()));
    } else if (m.getCatchUpRate() > 0) {
      b.append(String.format(Locale.ROOT, ", %.0f entries/s", m.getCatchUpRate()));
      if (m.getCatchUpEtaMs() > 0) {
        b.append(", ETA ").append(Durations.format(m.getCatchUpEtaMs()));
      }
    }
    return b.toString();
  }

  /** {@link #state} short enough to follow the bar on one line. */
  String brief(MemberInfo m) {
    if (m.getRole().equals("voter")) {
      return name + ": promoted, leaving the joint configuration";
    }
    if (m.getMatch() == 0 && !m.getReachable()) {
      return name + ": not heard from yet: start it";
    }
    String b = name + ": " + m.getEntriesBehind() + " behind";
    if (!m.getReachable()) {
      return b + ", silent for " + Durations.format(m.getLastContactMs());
    }
    if (m.getCatchUpRate() > 0) {
      b += String.format(Locale.ROOT, ", %.0f/s", m.getCatchUpRate());
      if (m.getCatchUpEtaMs() > 0) {
        b += ", ETA " + Durations.format(m.getCatchUpEtaMs());
      }
    }
    return b;
  }

  /**
   * One progress report: {@code brief} after a bar redrawn in place on a terminal; otherwise {@code state} as
   * a line of its own when the phase changes, or now and then.
   */
  private void show(String phase, String state, String brief, long behind) {
    if (bar != null) {
      mostBehind = Math.max(mostBehind, behind);
      bar.draw(behind < 0 ? 0 : mostBehind == 0 ? 1 : (mostBehind - behind) / (double) mostBehind, brief);
      return;
    }
    long now = System.nanoTime();
    if (!phase.equals(lastPhase) || now - lastPlainNanos >= PLAIN_EVERY_MS * 1_000_000) {
      out.println(state);
      lastPhase = phase;
      lastPlainNanos = now;
    }
  }

  /** Ends the progress bar's line, so what follows starts on a line of its own. */
  private void end() {
    if (bar != null) {
      bar.end();
    }
  }
}
