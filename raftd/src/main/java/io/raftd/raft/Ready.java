package io.raftd.raft;

import com.google.protobuf.ByteString;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.RaftMessage;
import io.raftd.proto.SnapshotMetadata;
import java.util.List;

/**
 * Everything the host must do after one or more inputs to a {@link RawNode}: the core's only output.
 * Obtain it with {@link RawNode#ready()}, hand it to the host at once with {@link RawNode#advance}, then
 * carry it out. The <b>Ready contract</b>, which the host ({@code io.raftd.driver.ReadyProcessor}) keeps:
 * <ol>
 *   <li><b>Order.</b> {@link #snapshot}, {@link #hardState} and {@link #entries} are persisted in Ready
 *       order: a Ready's writes become durable after, never before, those of every earlier Ready. A
 *       snapshot replaces the whole stored log; if {@code entries} starts at or below the last stored
 *       index, the stored suffix from that index is replaced.</li>
 *   <li><b>Term and vote first.</b> When a Ready changes the term or the vote, none of its messages
 *       leave until that hard state is durable: the core then puts every message in
 *       {@link #messagesAfterPersist}.</li>
 *   <li><b>Leader pipelining, followers wait.</b> {@link #messages} may leave at once, before this
 *       Ready's entries are durable: a leader's AppendEntries and heartbeats (thesis §10.2.1). The
 *       leader counts its own entries toward commit only when the host reports them durable through
 *       {@link RawNode#onPersisted}. Every message that acknowledges entries or a snapshot, or grants a
 *       vote, is in {@link #messagesAfterPersist} and leaves only once this Ready's writes are
 *       durable.</li>
 *   <li><b>Commit never ahead of the log.</b> {@code hardState.commit} never exceeds the last index of
 *       the log once this Ready's writes are done.</li>
 * </ol>
 * {@link #snapshot} is restored into the state machine once its write is durable and before any later
 * entry is applied; {@link #committedEntries} are durable on this member and committed: the host applies
 * them in order and reports progress with {@link RawNode#onApplied}.
 *
 * @param snapshot a snapshot from the leader to install (its file is already complete and durable), or null
 * @param hardState term, vote and commit to persist, or {@code null} if unchanged
 * @param entries entries to persist, in index order
 * @param messages messages that may be sent now
 * @param messagesAfterPersist messages to send once this Ready's writes are durable
 * @param committedEntries entries to apply, in index order
 * @param readStates reads that may be served now: confirmed, and applied up to their index
 * @param failedReads contexts of reads that cannot be served (no or lost leadership): safe to retry
 * @param leadershipLost set when this member stopped leading: its proposals above the commit index have
 *     an unknown outcome (a later leader may still commit them); null otherwise
 * @param mustSync true if the writes must be fsynced before they count as durable (new entries, a
 *     snapshot, or a new term or vote); a commit-only hard state need not be
 * @param voteBarrierLifted this member's vote barrier was lifted: the host deletes its record of it once
 *     this Ready's writes and every earlier one are durable (before that, a crash could leave the
 *     truncated log without its barrier)
 */
public record Ready(
    SnapshotMetadata snapshot,
    HardState hardState,
    List<Entry> entries,
    List<RaftMessage> messages,
    List<RaftMessage> messagesAfterPersist,
    List<Entry> committedEntries,
    List<ReadState> readStates,
    List<ByteString> failedReads,
    LeadershipLost leadershipLost,
    boolean removed,
    boolean mustSync,
    boolean voteBarrierLifted) {

  /** This member led {@code term} and stopped; proposals it appended above {@code commit} may or may not commit. */
  public record LeadershipLost(long term, long commit) {}

  /** True if this Ready asks for a write. */
  public boolean hasWrites() {
    return snapshot != null || hardState != null || !entries.isEmpty();
  }
}
