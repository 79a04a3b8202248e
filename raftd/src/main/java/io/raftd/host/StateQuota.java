package io.raftd.host;

import com.google.protobuf.ByteString;
import io.raftd.proto.LogCommandOrBuilder;
import io.raftd.statemachine.SessionLayer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The state quota, {@code kv.quota_bytes}: how many bytes the state machine's state may hold (as the machine
 * counts them, {@code StateMachine.bytes}), so that the state fits this member's heap. Without one, every
 * member of a cluster runs out of heap at about the same write, and none can restart.
 *
 * <p><b>Where it is checked.</b> The leader refuses a new write that could grow the state (a put, a cas, an
 * append; not a delete) with NO_SPACE when its own count of the applied state plus the command's size would
 * pass its quota, before proposing it, on the path the disk guard refuses on. Apply never refuses: an entry
 * in the log is applied alike on every member, whatever its quota. A refusal at apply would have to be the
 * same on every member, so the quota would have to be replicated, but the heaps it protects are each
 * member's own and may differ. The price: writes already proposed when the state reaches the quota still
 * apply (at most the raft core's uncommitted bound), and a member whose heap is smaller than the leader's
 * is protected only by the leader's quota. Each member therefore logs when its state passes its own quota,
 * leader or not, when its state nears its own quota, so that an operator sees such a member before its heap does
 * (give members the same heap, or the same quota).
 *
 * <p><b>Recovery</b> is by itself: a delete lowers the count as it applies, and the next write under the
 * quota is taken. No snapshot is needed for the count, which is of the live state; the heap an old version
 * held is freed once no snapshot being written refers to it.
 */
public final class StateQuota {
  private static final Logger LOG = LoggerFactory.getLogger(StateQuota.class);
  /** The configuration key, named in refusals and logs. */
  public static final String KEY = "kv.quota_bytes";
  /**
   * Heap kept out of the default quota: the WAL's cache of recent entries (64 MiB) and as much again for
   * buffers, kept responses and garbage not yet collected.
   */
  static final long RESERVE_BYTES = 128L << 20;

  private final SessionLayer state;
  private final long quotaBytes;
  /** RaftLoop: whether the state was at 99% of the quota or more at the last check. */
  private boolean full;

  public StateQuota(SessionLayer state, long quotaBytes) {
    this.state = state;
    this.quotaBytes = quotaBytes;
  }

  /**
   * The quota for a heap of {@code maxHeap} bytes: half of what is left of it after {@link #RESERVE_BYTES}
   * (a quarter of a heap smaller than twice that). Half, because the heap may have to hold the state twice:
   * a member installing a snapshot from the leader holds its old state until the new one is read whole,
   * and while a snapshot is written, the version it writes stays in the heap beside every entry changed
   * since. A restart needs only one: the snapshot file is streamed into the state.
   */
  public static long forHeap(long maxHeap) {
    return Math.max(maxHeap / 4, (maxHeap - RESERVE_BYTES) / 2);
  }

  /** kv.quota_bytes as configured, where 0 means the default for this JVM's maximum heap. */
  public static long effective(long configured) {
    return configured > 0 ? configured : forHeap(Runtime.getRuntime().maxMemory());
  }

  /**
   * Why this new write must be refused (the code is NO_SPACE), or null if it may be proposed. The leader asks,
   * on the RaftLoop: O(1) while the state is under its quota less the command's size.
   */
  String refusal(LogCommandOrBuilder command) {
    ByteString machineCommand = command.hasPlain() ? command.getPlain()
        : command.hasCommand() ? command.getCommand().getCommand() : null;
    if (machineCommand == null) {
      return null;  // session and checksum entries: sessions are needed to delete, and are bounded apart
    }
    long used = state.machineBytes();
    if (used < 0 || used + machineCommand.size() <= quotaBytes || !state.mayGrow(machineCommand)) {
      return null;
    }
    return "the leader's state holds " + used + " bytes, and this write could take it over " + KEY + " ("
        + quotaBytes + "): delete keys (reads and deletes are still served), or raise the quota with the heap";
  }

  /**
   * RaftLoop, every tick: logs when the state reaches 99% of the quota (refusals are near: a write is refused
   * once it could pass the quota, before the state does), and when it is back under.
   */
  void check() {
    long used = state.machineBytes();
    boolean wasFull = full;
    full = used >= 0 && used >= quotaBytes - quotaBytes / 100;
    if (full && !wasFull) {
      LOG.warn("the state holds {} bytes, 99% or more of {} ({}): as leader this member refuses writes that could pass"
          + " it, until deletes free space (a leader with a larger quota does not, and this member's heap may not"
          + " hold what it lets in)", used, KEY, quotaBytes);
    } else if (wasFull && !full) {
      LOG.info("the state holds {} bytes, under 99% of {} ({}) again", used, KEY, quotaBytes);
    }
  }

  public long quotaBytes() {
    return quotaBytes;
  }

  /** The state's bytes as the machine counts them, -1 if it does not. Any thread. */
  public long usedBytes() {
    return state.machineBytes();
  }
}
