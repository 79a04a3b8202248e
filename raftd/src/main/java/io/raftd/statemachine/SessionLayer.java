package io.raftd.statemachine;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.proto.CloseSession;
import io.raftd.proto.CommandResult;
import io.raftd.proto.CommandResult.Status;
import io.raftd.proto.KeepAlive;
import io.raftd.proto.LogCommand;
import io.raftd.proto.SessionCommand;
import io.raftd.proto.SessionsSnapshot;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * Exactly-once semantics around any {@link StateMachine} (thesis §6.3), and what the daemon's apply thread
 * calls with every committed entry's data, a {@link LogCommand}.
 *
 * <ul>
 *   <li>{@code open_session} registers a session whose id is the entry's index.
 *   <li>{@code command} (session, seq, lowest_pending, command): for an unknown or expired session,
 *       SESSION_EXPIRED. Otherwise the session is active now, and its responses below lowest_pending are
 *       forgotten; then a seq below the session's lowest pending is STALE (its response is gone), a seq
 *       whose response is kept gets that response without applying again, and any other seq is applied to
 *       the machine and its response kept, unless the session already keeps the maximum number of
 *       responses: then BUSY, and nothing is applied.
 *   <li>{@code keep_alive} marks the session active and forgets responses below lowest_pending;
 *       {@code close_session} ends it; both answer SESSION_EXPIRED for an unknown session.
 *   <li>{@code plain} is applied as is, outside any session: a retry applies it again.
 * </ul>
 *
 * <p><b>Time</b> comes only from the log: each entry carries {@code stamp_ms}, its leader's clock when it
 * proposed. Log time advances by how far a stamp is ahead of the largest earlier stamp of the same term
 * (for a term's first stamp: of log time), never back and at most {@link #MAX_STEP_MS} per entry; before
 * each entry is carried out every session whose last activity plus its timeout is before log time expires.
 * Every replica therefore expires a session at the same index. Steps rather than stamps count so that one
 * leader's clock far ahead cannot expire every session at once and then stop expiry until the others'
 * clocks catch up: it adds at most one step, then its own clock's progress, and a leader whose clock is
 * behind adds its own progress from the start.
 *
 * <p><b>Replays</b>: the index of the last entry applied is part of the state and of every snapshot, and an
 * entry at or below it is ignored, so an entry is applied once even if a restart hands it over again.
 *
 * <p>Threads: {@link #apply}, {@link #snapshot} and {@link #restore} on the apply thread; {@link #query} and
 * {@link #lastApplied} on any.
 */
public final class SessionLayer {
  /** The default bound on responses a session keeps (and so on commands it may have in flight). */
  public static final int DEFAULT_MAX_RESPONSES_PER_SESSION = 1024;
  /**
   * The most log time advances per entry: more than the gap between keep-alives of a session timing out
   * after 90 s (they come every third of it), so with such sessions log time keeps pace with the clocks.
   */
  public static final long MAX_STEP_MS = 30_000;

  private final StateMachine machine;
  private final int maxResponsesPerSession;
  private Sessions sessions = new Sessions();
  private long logTimeMs;
  /** The term of the newest stamped entry applied, and the largest stamp of that term. */
  private long stampTerm;
  private long stampMaxMs;
  /** Written after the machine publishes the entry's state, so a reader that sees n queries a state >= n. */
  private volatile long lastApplied;
  /** For metrics: sessions open as of the last apply or restore, and expired by this process. */
  private volatile int openSessions;
  private volatile long expiredSessions;
  private ChecksumListener checksums = ChecksumListener.NONE;

  public SessionLayer(StateMachine machine) {
    this(machine, DEFAULT_MAX_RESPONSES_PER_SESSION);
  }

  public SessionLayer(StateMachine machine, int maxResponsesPerSession) {
    if (maxResponsesPerSession < 1) {
      throw new IllegalArgumentException("maxResponsesPerSession must be at least 1: " + maxResponsesPerSession);
    }
    this.machine = machine;
    this.maxResponsesPerSession = maxResponsesPerSession;
  }

  /**
   * Applies a committed entry's data. Data that is not a LogCommand changes nothing but the last applied
   * index and yields INVALID rather than an exception: the entry is committed, so every replica meets it at
   * the same index, and an exception would stop them all there for good. Skipping it keeps the replicas
   * identical and the cluster running; the entry can only come from a bug or a newer version, which the
   * result reports. (Empty data, such as a new leader's no-op entry, is a LogCommand without a body: also
   * INVALID, and harmless.)
   */
  public CommandResult apply(long index, long term, ByteString data) {
    LogCommand command;
    try {
      command = LogCommand.parseFrom(data);
    } catch (InvalidProtocolBufferException e) {
      if (index <= lastApplied) {
        return CommandResult.getDefaultInstance();
      }
      lastApplied = index;
      return status(Status.INVALID);
    }
    return apply(index, term, command);
  }

  /**
   * Applies the committed entry at {@code index}, whose data is {@code command}. An index at or below
   * {@link #lastApplied()} was applied already: it changes nothing, and gets the response kept for it if
   * it is a session command whose response is still kept, else an empty result.
   */
  public CommandResult apply(long index, long term, LogCommand command) {
    if (index <= lastApplied) {
      return replayed(command);
    }
    advanceLogTime(term, command.getStampMs());
    int expired = sessions.expire(logTimeMs);
    if (expired > 0) {
      expiredSessions += expired;
    }
    CommandResult result = switch (command.getBodyCase()) {
      case OPEN_SESSION -> open(index, command.getOpenSession().getTimeoutMs());
      case COMMAND -> command(index, term, command.getCommand());
      case KEEP_ALIVE -> keepAlive(command.getKeepAlive());
      case CLOSE_SESSION -> close(command.getCloseSession());
      case PLAIN -> ok(machine.apply(index, term, command.getPlain()));
      case CHECKSUM_MARK, CHECKSUM_REPORT -> CommandResult.getDefaultInstance();
      // A body this version does not know (a newer version's?) is not carried out; its stamp counted above.
      case BODY_NOT_SET -> status(Status.INVALID);
    };
    openSessions = sessions.size();
    lastApplied = index;
    if (command.hasChecksumMark()) {
      checksums.markApplied(index);
    } else if (command.hasChecksumReport()) {
      checksums.reportApplied(command.getChecksumReport().getMarkIndex(), command.getChecksumReport().getDigest());
    }
    return result;
  }

  /** Who is told of divergence detection's entries as they apply (before the apply thread starts). */
  public void setChecksumListener(ChecksumListener listener) {
    this.checksums = listener;
  }

  /** Sessions open as of the last entry applied. Any thread. */
  public int openSessions() {
    return openSessions;
  }

  /** Sessions this process expired (as every replica does, at the same index). Any thread. */
  public long expiredSessions() {
    return expiredSessions;
  }

  /** Answers a query from the machine's current state; see {@link StateMachine#query}. Any thread. */
  public ByteString query(ByteString query) {
    return machine.query(query);
  }

  /** The machine's count of its state's bytes ({@link StateMachine#bytes}), -1 if it keeps none. Any thread. */
  public long machineBytes() {
    return machine.bytes();
  }

  /** Whether the machine's {@code command} could grow its state ({@link StateMachine#mayGrow}). Any thread. */
  public boolean mayGrow(ByteString command) {
    return machine.mayGrow(command);
  }

  /** The index of the last entry applied (or restored from a snapshot). Any thread. */
  public long lastApplied() {
    return lastApplied;
  }

  /**
   * The state as of {@link #lastApplied()}, written as one stream: the {@link SessionsSnapshot}
   * length-delimited, then the machine's snapshot. The session table is copied here, on the apply thread:
   * unlike the machine's state it is small (responses are trimmed by lowest_pending and bounded per
   * session), so it needs no persistent structure; the machine's state is only referenced.
   */
  public Snapshot snapshot() {
    SessionsSnapshot table = SessionsSnapshot.newBuilder()
        .setLastApplied(lastApplied)
        .setLogTimeMs(logTimeMs)
        .setStampTerm(stampTerm)
        .setStampMaxMs(stampMaxMs)
        .addAllSessions(sessions.toProto())
        .build();
    Snapshot machineSnapshot = machine.snapshot();
    return out -> {
      table.writeDelimitedTo(out);
      machineSnapshot.writeTo(out);
    };
  }

  /**
   * Replaces the whole state (sessions, log time, last applied, the machine's state) with what a
   * {@link #snapshot()} wrote.
   *
   * @throws IOException if the stream fails or holds no such snapshot; the state is then unchanged unless
   *     the machine's own restore broke that promise
   */
  public void restore(InputStream in) throws IOException {
    SessionsSnapshot table = SessionsSnapshot.parseDelimitedFrom(in);
    if (table == null) {
      throw new EOFException("empty snapshot: no session table");
    }
    machine.restore(in);
    sessions = Sessions.fromProto(table.getSessionsList());
    openSessions = sessions.size();
    logTimeMs = table.getLogTimeMs();
    stampTerm = table.getStampTerm();
    stampMaxMs = table.getStampMaxMs();
    lastApplied = table.getLastApplied();
  }

  private void advanceLogTime(long term, long stampMs) {
    if (stampMs < 0) {
      return;  // above Long.MAX_VALUE: a uint64 no clock produces
    }
    if (stampTerm == 0) {
      logTimeMs = Math.max(logTimeMs, stampMs);  // the first stamp ever (or since a snapshot of an older format)
    } else {
      long from = term == stampTerm ? stampMaxMs : logTimeMs;
      logTimeMs += Math.min(Math.max(0, stampMs - from), MAX_STEP_MS);
    }
    stampMaxMs = term == stampTerm ? Math.max(stampMaxMs, stampMs) : stampMs;
    stampTerm = term;
  }

  private CommandResult open(long index, long timeoutMs) {
    sessions.open(index, timeoutMs, logTimeMs);
    return CommandResult.newBuilder().setSession(index).build();
  }

  private CommandResult command(long index, long term, SessionCommand command) {
    Session session = sessions.get(command.getSession());
    if (session == null) {
      return status(Status.SESSION_EXPIRED);
    }
    sessions.touch(session, logTimeMs);
    session.forgetBelow(command.getLowestPending());
    long seq = command.getSeq();
    if (seq < session.lowestPending()) {
      return status(Status.STALE);
    }
    ByteString kept = session.response(seq);
    if (kept != null) {
      return ok(kept);
    }
    if (session.responseCount() >= maxResponsesPerSession) {
      return status(Status.BUSY);
    }
    ByteString response = machine.apply(index, term, command.getCommand());
    session.remember(seq, response);
    return ok(response);
  }

  private CommandResult keepAlive(KeepAlive keepAlive) {
    Session session = sessions.get(keepAlive.getSession());
    if (session == null) {
      return status(Status.SESSION_EXPIRED);
    }
    sessions.touch(session, logTimeMs);
    session.forgetBelow(keepAlive.getLowestPending());
    return CommandResult.getDefaultInstance();
  }

  private CommandResult close(CloseSession close) {
    Session session = sessions.get(close.getSession());
    if (session == null) {
      return status(Status.SESSION_EXPIRED);
    }
    sessions.close(session);
    return CommandResult.getDefaultInstance();
  }

  private CommandResult replayed(LogCommand command) {
    if (command.hasCommand()) {
      Session session = sessions.get(command.getCommand().getSession());
      ByteString kept = session == null ? null : session.response(command.getCommand().getSeq());
      if (kept != null) {
        return ok(kept);
      }
    }
    return CommandResult.getDefaultInstance();
  }

  private static CommandResult ok(ByteString response) {
    return CommandResult.newBuilder().setResult(response).build();
  }

  private static CommandResult status(Status status) {
    return CommandResult.newBuilder().setStatus(status).build();
  }
}
