package io.raftd.statemachine;

import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.InputStream;

/**
 * A replicated state machine: what the daemon applies committed entries to, behind the {@link SessionLayer}
 * that gives every command exactly-once semantics. Implementations are found by name through
 * {@link StateMachineProvider}.
 *
 * <p>Every replica applies the same commands in the same order and must reach the same state, so an
 * implementation is <b>deterministic</b>: its state is a function of the commands applied (and the index and
 * term handed in) alone. It reads no clock (time, if needed, belongs in the command), draws no unseeded
 * randomness, starts no threads and does no I/O except on the streams it is handed.
 *
 * <p>Threads: {@link #apply}, {@link #snapshot} and {@link #restore} are called on one thread, the apply
 * thread. {@link #query} may be called on any other thread, concurrently with them, and {@link
 * Snapshot#writeTo} runs on another thread while applies continue. The usual way to meet both is to keep the
 * state in an immutable (persistent) structure published through a volatile field.
 */
public interface StateMachine {

  /**
   * Applies the command of the committed entry at {@code index}, called in index order, once per entry (the
   * session layer filters retries and replays). Must not throw for any bytes: the entry is committed, so
   * every replica would throw at the same index and the cluster could never get past it. A command that
   * makes no sense must change nothing and return a response that says so.
   *
   * @param term the entry's term, which a machine may record (it is the same on every replica)
   * @return the response for the client that proposed the command
   */
  ByteString apply(long index, long term, ByteString command);

  /**
   * Answers a read-only query from the current state. May run concurrently with {@link #apply} on another
   * thread: the answer is read from one applied state, never a half-applied one. The answer does not say
   * which index that state is at; the caller does (a query called after {@link SessionLayer#lastApplied()}
   * returned n reads a state at least that recent).
   *
   * @throws IllegalArgumentException if the query is not one this machine understands (queries are not in
   *     the log, so this fails only the caller's request)
   */
  ByteString query(ByteString query);

  /**
   * Captures the current state for {@link Snapshot#writeTo}, which runs later, on another thread, while
   * applies continue and must still write the state as of this call. Called on the apply thread, which it
   * must not hold up: it takes a reference to the (immutable) state, it does not copy it.
   */
  Snapshot snapshot();

  /**
   * Replaces the whole state with the one {@link Snapshot#writeTo} wrote to {@code in}. Called on the apply
   * thread; reads only its own bytes, not past them.
   *
   * @throws IOException if {@code in} fails or does not hold a snapshot of this machine (the state is then
   *     unchanged)
   */
  void restore(InputStream in) throws IOException;

  /**
   * The bytes the state holds as this machine counts them, or -1 if it does not count them: the daemon's
   * state quota ({@code kv.quota_bytes}) then does not apply to it. Asked by the leader before every
   * proposal, on any thread: O(1), read from the last applied state. Counted on apply, so it is a function
   * of the commands applied, the same on every replica.
   */
  default long bytes() {
    return -1;
  }

  /**
   * Whether applying {@code command} could leave the state larger. A command that cannot (a delete) is
   * proposed even while the state is at its quota, so that space can be freed. Any thread; asked only
   * while the state is near its quota, so it may parse the command.
   */
  default boolean mayGrow(ByteString command) {
    return true;
  }
}
