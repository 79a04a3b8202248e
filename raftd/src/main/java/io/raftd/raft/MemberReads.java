package io.raftd.raft;

import com.google.protobuf.ByteString;
import io.raftd.proto.ReadIndexResponse;
import java.util.ArrayList;
import java.util.List;

/**
 * A member's side of ReadIndex (thesis §6.4), whatever its role: reads forwarded to the leader and
 * waiting for its answer, confirmed reads waiting until this member has applied up to their index, and
 * what the next Ready reports (reads to serve, reads failed). The leader's confirmation rounds are in
 * {@link ReadOnly}. Owned by the thread that owns the RawNode.
 */
final class MemberReads {
  private final Config cfg;
  private final Counters counters;
  /** Ticks since this member started: times out forwarded reads. */
  private long ticks;
  /** Reads forwarded to the leader and not yet answered, oldest first. */
  private final List<Forwarded> forwarded = new ArrayList<>();
  /** Confirmed reads waiting until this member has applied up to their index. */
  private final List<ReadState> awaitingApply = new ArrayList<>();
  /** Reads that may be served now (Ready.readStates). */
  final List<ReadState> ready = new ArrayList<>();
  /** Reads that failed (Ready.failedReads): safe to retry. */
  final List<ByteString> failed = new ArrayList<>();

  private record Forwarded(ByteString context, long sentAtTick) {}

  MemberReads(Config cfg, Counters counters) {
    this.cfg = cfg;
    this.counters = counters;
  }

  /** A forwarded read unanswered for two election timeouts fails: the request or its answer was lost. */
  void tick() {
    ticks++;
    while (!forwarded.isEmpty() && ticks - forwarded.get(0).sentAtTick() > 2L * cfg.electionTicks) {
      fail(forwarded.remove(0).context());
    }
  }

  /** A read sent to the leader for its read index. */
  void forwarded(ByteString context) {
    forwarded.add(new Forwarded(context, ticks));
  }

  /** The term changed: a forwarded read is answered by the leader of the term it was sent in, or not at all. */
  void failForwarded() {
    forwarded.forEach(f -> fail(f.context()));
    forwarded.clear();
  }

  void fail(ByteString context) {
    counters.readsFailed++;
    failed.add(context);
  }

  /** A read confirmed at {@code read.index()}; it is served once this member has applied that far. */
  void confirmed(ReadState read, long applied) {
    awaitingApply.add(read);
    release(applied);
  }

  /** Moves confirmed reads whose index is applied to the ready list. */
  void release(long applied) {
    for (var it = awaitingApply.iterator(); it.hasNext(); ) {
      ReadState read = it.next();
      if (read.index() <= applied) {
        ready.add(read);
        it.remove();
      }
    }
  }

  /** The leader's answer to a forwarded read. */
  void answered(ReadIndexResponse resp, long applied) {
    for (int i = 0; i < forwarded.size(); i++) {
      if (forwarded.get(i).context().equals(resp.getContext())) {
        forwarded.remove(i);
        if (!resp.getOk()) {
          fail(resp.getContext());
          return;
        }
        counters.followerReads++;
        ReadState read = new ReadState(resp.getContext(), resp.getIndex());
        if (cfg.is(BrokenVariant.FOLLOWER_READ_BEFORE_APPLIED)) {
          ready.add(read);
        } else {
          confirmed(read, applied);
        }
        return;
      }
    }
  }

  /** Everything reported was handed out in a Ready. */
  void handedOut() {
    ready.clear();
    failed.clear();
  }
}
