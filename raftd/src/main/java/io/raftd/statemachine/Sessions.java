package io.raftd.statemachine;

import io.raftd.proto.SessionState;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The open sessions, by id and by expiry time, so that expiring them on every apply costs nothing when none
 * is due. Ordered by id rather than hashed so that every replica writes the same snapshot bytes.
 */
final class Sessions {
  private static final Comparator<Session> BY_EXPIRY =
      Comparator.comparingLong(Session::expiresAtMs).thenComparingLong(s -> s.id);

  private final TreeMap<Long, Session> byId = new TreeMap<>();
  private final TreeSet<Session> byExpiry = new TreeSet<>(BY_EXPIRY);

  /** The open session {@code id}, or null if there is none (never opened, expired or closed). */
  Session get(long id) {
    return byId.get(id);
  }

  void open(long id, long timeoutMs, long nowMs) {
    add(new Session(id, timeoutMs, nowMs));
  }

  /** Records activity on {@code session}, which postpones its expiry. */
  void touch(Session session, long nowMs) {
    byExpiry.remove(session);
    session.lastActiveMs = nowMs;
    byExpiry.add(session);
  }

  void close(Session session) {
    byExpiry.remove(session);
    byId.remove(session.id);
  }

  /** Closes every session whose last activity plus timeout is before {@code nowMs}; returns how many. */
  int expire(long nowMs) {
    int expired = 0;
    while (!byExpiry.isEmpty() && byExpiry.first().expiresAtMs() < nowMs) {
      byId.remove(byExpiry.pollFirst().id);
      expired++;
    }
    return expired;
  }

  int size() {
    return byId.size();
  }

  List<SessionState> toProto() {
    List<SessionState> states = new ArrayList<>(byId.size());
    for (Session s : byId.values()) {
      states.add(s.toProto());
    }
    return states;
  }

  static Sessions fromProto(List<SessionState> states) {
    Sessions sessions = new Sessions();
    for (SessionState state : states) {
      sessions.add(Session.fromProto(state));
    }
    return sessions;
  }

  private void add(Session session) {
    byId.put(session.id, session);
    byExpiry.add(session);
  }
}
