package io.raftd.client;

import io.raftd.proto.AdminRequest;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.NodeStatus;

/**
 * The cluster's request limits as its members report them in their status ({@code max_entry_bytes},
 * {@code max_frame_bytes}), learned by the client whenever it asks a member for its status (each leader
 * discovery does). Checked before a request is sent: the admin port closes a connection whose frame is
 * over its limit, which the client could not tell from a crash after the write, so an over-long request
 * must never be sent at all. Unknown (0) until a member has told; then nothing is checked here, and the
 * member's own check (INVALID_ARGUMENT) answers. Thread-safe.
 */
public final class ServerLimits {
  private volatile long maxEntryBytes;
  private volatile long maxFrameBytes;

  void learn(NodeStatus s) {
    if (s.getMaxEntryBytes() > 0) {
      maxEntryBytes = s.getMaxEntryBytes();
    }
    if (s.getMaxFrameBytes() > 0) {
      maxFrameBytes = s.getMaxFrameBytes();
    }
  }

  long maxEntryBytes() {
    return maxEntryBytes;
  }

  /** Refuses, as the member would, a request over a known limit. */
  void check(AdminRequest request) throws RaftdException {
    long entry = maxEntryBytes;
    if (entry > 0 && request.hasWrite() && request.getWrite().getCommand().size() > entry) {
      throw new RaftdException(ErrorCode.INVALID_ARGUMENT, overEntryLimit(request.getWrite().getCommand().size(), entry)
          + " (refused before sending: nothing was applied)", null);
    }
    long frame = maxFrameBytes;
    int frameBytes = frame > 0 ? request.getSerializedSize() : 0;
    if (frameBytes > frame) {
      throw new RaftdException(ErrorCode.INVALID_ARGUMENT, "a request of " + frameBytes
          + " bytes is over transport.max_frame_bytes = " + frame + " (refused before sending: nothing was applied)", null);
    }
  }

  /** The one wording of this refusal, the member's and the client's. */
  public static String overEntryLimit(long commandBytes, long limit) {
    return "a command of " + commandBytes + " bytes is over raft.max_entry_bytes = " + limit;
  }
}
