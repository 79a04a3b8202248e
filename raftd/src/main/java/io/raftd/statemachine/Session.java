package io.raftd.statemachine;

import com.google.protobuf.ByteString;
import io.raftd.proto.CachedResponse;
import io.raftd.proto.SessionState;
import java.util.Map;
import java.util.TreeMap;

/**
 * One client session (thesis §6.3): the responses to its commands that the client may still ask for again,
 * by seq, so that a retried command gets its first response instead of being applied twice.
 */
final class Session {
  final long id;
  final long timeoutMs;
  /** Changed only through {@link Sessions#touch}, which keeps the expiry order in step. */
  long lastActiveMs;
  private long lowestPending;
  private final TreeMap<Long, ByteString> responses = new TreeMap<>();

  Session(long id, long timeoutMs, long lastActiveMs) {
    this.id = id;
    this.timeoutMs = timeoutMs;
    this.lastActiveMs = lastActiveMs;
  }

  /**
   * The log time after which the session is expired. timeout_ms is a uint64: one above Long.MAX_VALUE, or a
   * sum that overflows, means never.
   */
  long expiresAtMs() {
    if (timeoutMs < 0 || lastActiveMs + timeoutMs < lastActiveMs) {
      return Long.MAX_VALUE;
    }
    return lastActiveMs + timeoutMs;
  }

  long lowestPending() {
    return lowestPending;
  }

  /**
   * The client awaits no response below {@code lowestPending}: forget those. It only moves up, so a delayed
   * retry carrying an older value cannot bring back the duty to keep responses already dropped.
   */
  void forgetBelow(long lowestPending) {
    if (lowestPending > this.lowestPending) {
      this.lowestPending = lowestPending;
      responses.headMap(lowestPending).clear();
    }
  }

  /** The response to {@code seq} if it was applied and is still kept, else null. */
  ByteString response(long seq) {
    return responses.get(seq);
  }

  int responseCount() {
    return responses.size();
  }

  void remember(long seq, ByteString response) {
    responses.put(seq, response);
  }

  SessionState toProto() {
    SessionState.Builder b = SessionState.newBuilder()
        .setId(id)
        .setTimeoutMs(timeoutMs)
        .setLastActiveMs(lastActiveMs)
        .setLowestPending(lowestPending);
    for (Map.Entry<Long, ByteString> e : responses.entrySet()) {
      b.addResponses(CachedResponse.newBuilder().setSeq(e.getKey()).setResult(e.getValue()));
    }
    return b.build();
  }

  static Session fromProto(SessionState state) {
    Session s = new Session(state.getId(), state.getTimeoutMs(), state.getLastActiveMs());
    s.lowestPending = state.getLowestPending();
    for (CachedResponse r : state.getResponsesList()) {
      s.responses.put(r.getSeq(), r.getResult());
    }
    return s;
  }
}
