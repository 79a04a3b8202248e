package io.raftd.host;

import com.google.protobuf.CodedOutputStream;
import io.raftd.logentry.EntryDecoder;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.Entry;
import io.raftd.proto.ErrorCode;
import io.raftd.proto.LogEntry;
import io.raftd.proto.Member;
import io.raftd.proto.ReadLogRequest;
import io.raftd.proto.ReadLogResponse;
import io.raftd.proto.SnapshotMetadata;
import io.raftd.storage.WriteAheadLog;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.function.LongFunction;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Serves {@code ReadLog} (admin.proto): this member's log as its WAL holds it durably, committed or not, each
 * entry decoded by the {@link EntryDecoder} {@code raftctl wal dump} uses too, in pages that fit the admin port's
 * frames. Any member answers, for its own log. Runs on {@code io} (the read pool), and reads the WAL a slice at a
 * time: the WAL's view is guarded by one monitor, held for the whole of a read from disk, which the RaftLoop takes
 * too (for the terms and entries it sends), so one long read must not hold it. Thread-safe.
 */
public final class LogReader {
  /** Entries read from the WAL under its monitor at once: few enough that the RaftLoop never waits on it for long. */
  static final int SLICE_ENTRIES = 64;
  static final long SLICE_BYTES = 256 << 10;
  /** The most entries one page holds, so one request keeps a read lane for a bounded time. */
  static final int PAGE_ENTRIES = 10_000;
  /** Room in a response frame for everything but its entries: the member, the figures, the compacted line, framing. */
  static final int RESPONSE_HEADROOM = 4096;

  private final WriteAheadLog wal;
  private final LongSupplier commit;
  private final Supplier<Member> self;
  private final boolean kvCommands;
  private final LongFunction<String> names;
  private final Executor io;
  private final long pageBytes;

  /**
   * @param commit this member's commit index now
   * @param self this member, as the response names it
   * @param kvCommands whether this member runs the built-in store, whose commands are then decoded
   * @param names members' names by id (null: not known)
   * @param maxFrameBytes the admin port's transport.max_frame_bytes: no response may be larger. An entry in full fits
   *     one (raft.max_entry_bytes leaves 64 KiB of it), so every page holds at least one.
   */
  public LogReader(WriteAheadLog wal, LongSupplier commit, Supplier<Member> self, boolean kvCommands,
      LongFunction<String> names, Executor io, long maxFrameBytes) {
    this.wal = wal;
    this.commit = commit;
    this.self = self;
    this.kvCommands = kvCommands;
    this.names = names;
    this.io = io;
    this.pageBytes = maxFrameBytes - RESPONSE_HEADROOM;
  }

  public CompletableFuture<AdminResponse.Builder> serve(ReadLogRequest r) {
    if (r.getTo() != 0 && r.getFrom() > r.getTo()) {
      return CompletableFuture.failedFuture(new Proposals.Failure(ErrorCode.INVALID_ARGUMENT,
          "from " + r.getFrom() + " is above to " + r.getTo()));
    }
    return CompletableFuture.supplyAsync(() -> AdminResponse.newBuilder().setReadLog(page(r)), io);
  }

  private ReadLogResponse page(ReadLogRequest r) {
    long first = wal.firstIndex();
    long last = wal.lastIndex();
    SnapshotMetadata snapshot = wal.snapshot();
    ReadLogResponse.Builder out = ReadLogResponse.newBuilder().setMember(self.get()).setFirstIndex(first)
        .setLastIndex(last).setCommit(commit.getAsLong()).setSnapshotIndex(snapshot.getIndex())
        .setSnapshotTerm(snapshot.getTerm());
    if (r.getFrom() != 0 && r.getFrom() < first) {
      out.setCompacted(compacted(first, snapshot));
    }
    long to = r.getTo() == 0 ? last : Math.min(r.getTo(), last);
    long from;
    if (r.getFrom() == 0) {
      from = r.getLimit() > 0 ? Math.max(first, to - r.getLimit() + 1) : first;
    } else {
      from = Math.max(r.getFrom(), first);
    }
    int limit = r.getLimit() > 0 ? Math.min(r.getLimit(), PAGE_ENTRIES) : PAGE_ENTRIES;
    EntryDecoder decoder = new EntryDecoder(kvCommands, names, r.getFull(), from <= to ? wal.configurationBefore(from) : null);
    long next = from;
    long bytes = 0;
    reading:
    while (next <= to && out.getEntriesCount() < limit) {
      List<Entry> slice;
      try {
        slice = wal.entries(next, Math.min(to, next + SLICE_ENTRIES - 1) + 1, SLICE_BYTES);
      } catch (IndexOutOfBoundsException e) {
        // Compacted or cut (a follower's suffix replaced) since first and last were read: the page ends here, or if
        // it has nothing yet, starts again from the log as it is now.
        if (out.getEntriesCount() == 0) {
          return page(r);
        }
        break;
      }
      for (Entry e : slice) {
        LogEntry decoded = decoder.decode(e);
        int size = CodedOutputStream.computeMessageSize(ReadLogResponse.ENTRIES_FIELD_NUMBER, decoded);
        if (out.getEntriesCount() > 0 && bytes + size > pageBytes) {
          break reading;
        }
        out.addEntries(decoded);
        bytes += size;
        next = e.getIndex() + 1;
        if (out.getEntriesCount() == limit) {
          break reading;
        }
      }
    }
    return out.setNext(next <= to ? next : 0).build();
  }

  /** Where the log starts now, and the snapshot that holds what came before. */
  static String compacted(long first, SnapshotMetadata snapshot) {
    String where = "compacted: the log starts at " + first;
    String snap = "the snapshot at index " + snapshot.getIndex() + ", term " + snapshot.getTerm();
    if (snapshot.getIndex() == first - 1) {
      return where + " after " + snap;
    }
    // Compaction keeps a tail of entries the snapshot holds too (snapshot.keep_entries), for slow followers.
    return where + "; the entries before it are only in " + snap;
  }
}
