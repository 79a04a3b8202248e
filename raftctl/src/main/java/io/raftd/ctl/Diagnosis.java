package io.raftd.ctl;

import io.raftd.client.AdminCredentials;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.Member;
import io.raftd.proto.NodeStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Turns "unavailable" into what an operator can act on: which members answer, whether they know a leader,
 * whether a quorum is left. Asks every known member for its status at once, briefly.
 */
final class Diagnosis {
  private static final Duration PROBE = Duration.ofMillis(1000);

  private Diagnosis() {}

  static String unavailable(Raftctl raftctl, RaftdException e) {
    List<String> endpoints;
    AdminCredentials credentials;
    try {
      endpoints = raftctl.connection().endpoints;
      credentials = raftctl.connection().credentials;
    } catch (CtlException bad) {
      return e.getMessage();
    }
    if (e.unreachable()) {
      return "cannot reach the cluster: " + e.getMessage() + "; is raftd running? (endpoints come from --endpoints, "
          + "RAFTCTL_ENDPOINTS or ~/.config/raftctl/config.toml)";
    }
    Map<String, NodeStatus> answers = probe(endpoints, credentials);
    Map<String, String> members = new LinkedHashMap<>();  // admin address -> name, as the cluster knows them
    for (NodeStatus s : answers.values()) {
      for (Member m : s.getVotersList()) {
        members.put(m.getAdminAddress(), m.getName());
      }
    }
    List<String> unasked = new ArrayList<>(members.keySet());
    unasked.removeAll(answers.keySet());
    answers.putAll(probe(unasked, credentials));
    if (members.isEmpty()) {
      return e.getMessage();
    }
    List<String> reachable = new ArrayList<>();
    List<String> silent = new ArrayList<>();
    String leader = null;
    for (Map.Entry<String, String> m : members.entrySet()) {
      NodeStatus s = answers.get(m.getKey());
      if (s != null) {
        reachable.add(m.getValue());
        if (s.hasLeader()) {
          leader = s.getLeader().getName();
        }
      } else {
        silent.add(m.getValue());
      }
    }
    int n = members.size();
    String counted = reachable.size() + " of " + n + " members reachable"
        + (reachable.isEmpty() ? "" : " (" + String.join(", ", reachable) + ")");
    if (reachable.size() < n / 2 + 1) {
      return "no leader: " + counted + "; the cluster has no quorum";
    }
    if (leader == null) {
      return "no leader: " + counted + "; an election is under way: try again";
    }
    String what = e.code() == ErrorCode.TIMEOUT ? "no answer in time" : e.getMessage();
    if (!silent.isEmpty()) {
      // A longer timeout would not help: the client already moves past members that hang.
      return what + ": " + counted + ", leader " + leader + "; " + String.join(", ", silent)
          + " did not answer within " + PROBE.toMillis() + " ms (stopped or hung?): try again, it is tried last";
    }
    return what + ": " + counted + ", leader " + leader + "; every member answers, so the request itself is slow"
        + " (a long write, a busy leader): try a longer --timeout";
  }

  /** The status of each address that answers within {@link #PROBE}. */
  private static Map<String, NodeStatus> probe(List<String> addresses, AdminCredentials credentials) {
    Map<String, NodeStatus> out = new LinkedHashMap<>();
    if (addresses.isEmpty()) {
      return out;
    }
    ExecutorService pool = Executors.newFixedThreadPool(addresses.size(), r -> {
      Thread t = new Thread(r, "raftctl-probe");
      t.setDaemon(true);
      return t;
    });
    try {
      Map<String, Future<NodeStatus>> asked = new LinkedHashMap<>();
      for (String a : addresses) {
        asked.put(a, pool.submit(() -> {
          try (RaftdClient c = RaftdClient.create(List.of(a), PROBE, credentials)) {
            return c.status(a);
          }
        }));
      }
      for (Map.Entry<String, Future<NodeStatus>> f : asked.entrySet()) {
        try {
          out.put(f.getKey(), f.getValue().get(PROBE.toMillis() + 500, TimeUnit.MILLISECONDS));
        } catch (Exception unreachable) {
          // not counted as reachable
        }
      }
    } finally {
      pool.shutdownNow();
    }
    return out;
  }
}
