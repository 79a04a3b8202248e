package io.raftd.ctl;

import io.raftd.proto.MemberStatus;
import io.raftd.proto.NodeStatus;
import io.raftd.proto.PeerProgress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * One frame of {@code raftctl top}: a row per member from two cluster statuses taken a period apart, its rates
 * (writes and reads answered a second, mean fsync time) from the difference of their counters.
 */
final class TopFrame {
  static final List<String> HEADER = List.of("NAME", "ROLE", "TERM", "COMMIT", "APPLIED", "LAG", "CONTACT", "W/S", "R/S",
      "FSYNC");

  private TopFrame() {}

  /**
   * @param before the statuses a period ago, or null for the first frame (no rates yet)
   * @param seconds the period's length
   */
  static List<List<String>> rows(Cluster now, Cluster before, double seconds) {
    Map<String, NodeStatus> previous = new HashMap<>();
    if (before != null) {
      before.members().stream().filter(MemberStatus::getReachable)
          .forEach(m -> previous.put(m.getMember().getName(), m.getStatus()));
    }
    Optional<NodeStatus> leader = now.leader();
    Map<String, PeerProgress> progress = new HashMap<>();
    leader.ifPresent(l -> l.getPeersList().forEach(p -> progress.put(p.getMember().getName(), p)));
    List<List<String>> rows = new ArrayList<>();
    for (MemberStatus m : now.members()) {
      String name = m.getMember().getName();
      if (!m.getReachable()) {
        rows.add(List.of(name, "unreachable", "-", "-", "-", "-", "-", "-", "-", "-"));
        continue;
      }
      NodeStatus s = m.getStatus();
      boolean leads = leader.isPresent() && leader.get().getSelf().getName().equals(name);
      PeerProgress p = progress.get(name);
      String lag = leads ? "0" : p != null ? Long.toString(p.getLag())
          : leader.map(l -> Long.toString(Math.max(0, l.getLastIndex() - s.getLastIndex()))).orElse("-");
      String contact = leads ? "-" : p != null ? p.getLastContactMs() + "ms" : "-";
      NodeStatus was = previous.get(name);
      boolean rates = was != null && seconds > 0 && s.getUptimeMs() >= was.getUptimeMs();  // not restarted meanwhile
      rows.add(List.of(name + (leads ? "*" : ""), s.getRole(), Long.toString(s.getTerm()), Long.toString(s.getCommit()),
          Long.toString(s.getApplied()), lag, contact,
          rates ? rate(s.getWritesAnswered() - was.getWritesAnswered(), seconds) : "-",
          rates ? rate(s.getReadsAnswered() - was.getReadsAnswered(), seconds) : "-",
          rates ? fsync(s.getWalFsyncMicros() - was.getWalFsyncMicros(), s.getWalFsyncs() - was.getWalFsyncs()) : "-"));
    }
    return rows;
  }

  /** The first line: leader, term, members answering. */
  static String summary(Cluster now) {
    long up = now.members().stream().filter(MemberStatus::getReachable).count();
    return now.leader().map(l -> "leader " + l.getSelf().getName() + " (term " + l.getTerm() + ")").orElse("no leader")
        + "; " + up + " of " + now.members().size() + " members answer";
  }

  private static String rate(long count, double seconds) {
    return String.format(Locale.ROOT, "%.0f", Math.max(0, count) / seconds);
  }

  /** The mean time of the period's fsyncs. */
  private static String fsync(long micros, long fsyncs) {
    return fsyncs <= 0 ? "-" : String.format(Locale.ROOT, "%.2fms", micros / 1000.0 / fsyncs);
  }
}
