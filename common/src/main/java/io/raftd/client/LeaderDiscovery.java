package io.raftd.client;

import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.NodeStatus;
import io.raftd.proto.StatusRequest;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Finds where to send requests by asking every member for its status at once (a race, not a round):
 * the leader's answer wins as soon as it comes; without one, the first answers (and a short grace for
 * the rest) say who leads. A member that hangs (stopped, paused, partitioned: it still accepts TCP
 * connections) therefore costs nothing while the others answer. Every connection but the chosen one is
 * closed, those still waiting included.
 */
final class LeaderDiscovery {
  /** After a first answer that is not the leader's, how long the others get: about a loaded machine's round trip. */
  private static final long GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(200);

  private record Reply(String address, AdminConnection connection, NodeStatus status, String failure,
      RaftdException refused) {
    Reply(String address, AdminConnection connection, NodeStatus status, String failure) {
      this(address, connection, status, failure, null);
    }
  }

  /** Opens a connection to a member's admin port (with the client's credential). */
  interface Opener {
    AdminConnection open(String address) throws IOException;
  }

  private final List<String> addresses;
  private final HungMembers hung;
  private final ServerLimits limits;
  private final Executor connector;
  private final Opener opener;
  private final LinkedBlockingQueue<Reply> replies = new LinkedBlockingQueue<>();
  private final List<AdminConnection> opened = new ArrayList<>();
  private boolean decided;

  LeaderDiscovery(List<String> addresses, HungMembers hung, ServerLimits limits, Executor connector, Opener opener) {
    this.addresses = hung.lastIfHung(addresses);
    this.hung = hung;
    this.limits = limits;
    this.connector = connector;
    this.opener = opener;
  }

  /** The connection to use: to the leader if one is known, else to a member that answered. */
  AdminConnection find(long deadline) throws RaftdException, InterruptedException {
    long windowMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    for (String a : addresses) {
      connector.execute(() -> ask(a, windowMs));
    }
    Map<String, Reply> answered = new LinkedHashMap<>();
    Map<String, String> failed = new LinkedHashMap<>();
    RaftdException refused = null;
    long firstAnswer = 0;
    try {
      while (answered.size() + failed.size() < addresses.size()) {
        long wait = deadline - System.nanoTime();
        if (firstAnswer != 0) {
          wait = Math.min(wait, firstAnswer + GRACE_NANOS - System.nanoTime());
        }
        Reply r = wait > 0 ? replies.poll(wait, TimeUnit.NANOSECONDS) : null;
        if (r == null) {
          break;
        }
        if (r.status == null) {
          failed.put(r.address, r.failure);
          refused = refused != null ? refused : r.refused;
          continue;
        }
        answered.put(r.address, r);
        hung.answered(r.address);
        limits.learn(r.status);
        if (r.status.getRole().equals("leader")) {
          break;
        }
        if (firstAnswer == 0) {
          firstAnswer = System.nanoTime();
        }
      }
      AdminConnection chosen = choose(answered);
      if (chosen == null && refused != null) {
        throw refused;  // a credential no member takes: asking again cannot help
      }
      if (chosen == null) {
        List<String> why = new ArrayList<>();
        for (String a : addresses) {
          why.add(a + " (" + failed.getOrDefault(a, "no answer within " + windowMs + " ms") + ")");
        }
        throw RaftdException.unreachable("no member answered: " + String.join(", ", why), null);
      }
      return keepOnly(chosen);
    } catch (RaftdException | InterruptedException | RuntimeException e) {
      keepOnly(null);
      throw e;
    }
  }

  /** The leader that answered; else the one the latest answer names, if it answered; else the first that answered. */
  private AdminConnection choose(Map<String, Reply> answered) {
    if (answered.isEmpty()) {
      return null;
    }
    Comparator<Reply> byTerm = Comparator.comparingLong(r -> r.status.getTerm());
    Reply leader = answered.values().stream().filter(r -> r.status.getRole().equals("leader")).max(byTerm).orElse(null);
    if (leader != null) {
      return leader.connection;
    }
    Reply latest = answered.values().stream().filter(r -> r.status.hasLeader()).max(byTerm).orElse(null);
    if (latest != null && answered.containsKey(latest.status.getLeader().getAdminAddress())) {
      return answered.get(latest.status.getLeader().getAdminAddress()).connection;
    }
    // Only the endpoints given: a client pointed at one member on purpose (reads from a follower) stays
    // there, and a write there is redirected (NOT_LEADER) to the leader.
    return answered.values().iterator().next().connection;
  }

  private void ask(String address, long windowMs) {
    AdminConnection c;
    try {
      c = track(opener.open(address));
    } catch (javax.net.ssl.SSLException e) {
      replies.add(tlsRefusal(address, null, e));
      return;
    } catch (IOException | IllegalStateException e) {
      replies.add(new Reply(address, null, null, e.getMessage()));
      return;
    }
    c.send(AdminRequest.newBuilder().setStatus(StatusRequest.getDefaultInstance()).setTimeoutMs((int) windowMs))
        .whenComplete((AdminResponse r, Throwable e) -> replies.add(
            e instanceof javax.net.ssl.SSLException tls ? tlsRefusal(address, c, tls)
            : e != null ? new Reply(address, c, null, e.getMessage())
            : r.hasError() ? failure(address, c, r.getError())
            : new Reply(address, c, r.getStatus(), null)));
  }

  /**
   * A member certificate this client does not trust, or a client certificate the member does not take (in
   * TLS 1.3 refused only after the handshake, at the first read): a credential problem, which asking again
   * cannot fix.
   */
  private static Reply tlsRefusal(String address, AdminConnection c, javax.net.ssl.SSLException e) {
    String message = String.valueOf(e.getMessage());
    String why = message.startsWith("the TLS handshake") ? message
        : "TLS with " + address + " failed (" + message + "): if it requires a client certificate, give one"
            + " of its client CA (--cert and --key)";
    return new Reply(address, c, null, why, new RaftdException(io.raftd.proto.ErrorCode.UNAUTHENTICATED, why, null));
  }

  private static Reply failure(String address, AdminConnection c, io.raftd.proto.Error error) {
    RaftdException e = new RaftdException(error.getCode(), error.getMessage(), null);
    return new Reply(address, c, null, error.getCode() + ": " + error.getMessage(), e.refusedAccess() ? e : null);
  }

  /** Records a connection so that it is closed unless chosen; one opened after the choice is closed at once. */
  private AdminConnection track(AdminConnection c) {
    synchronized (opened) {
      if (decided) {
        c.close();
        throw new IllegalStateException("too late: another member was chosen");
      }
      opened.add(c);
    }
    return c;
  }

  private AdminConnection keepOnly(AdminConnection chosen) {
    synchronized (opened) {
      decided = true;
      for (AdminConnection c : opened) {
        if (c != chosen) {
          c.close();
        }
      }
      opened.clear();
    }
    return chosen;
  }
}
