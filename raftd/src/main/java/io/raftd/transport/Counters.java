package io.raftd.transport;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/** What the transport has counted since it was created, for metrics and tests. Updated from any thread. */
public final class Counters {
  final AtomicLong framesRejected = new AtomicLong();
  final AtomicLong connectionsClosedForBadInput = new AtomicLong();
  final AtomicLong messagesDropped = new AtomicLong();
  final AtomicLong reconnects = new AtomicLong();
  final AtomicLong snapshotsSent = new AtomicLong();
  final AtomicLong snapshotsReceived = new AtomicLong();
  final AtomicLong snapshotsRejected = new AtomicLong();
  final AtomicLong connectionsRefused = new AtomicLong();
  final AtomicLong unauthenticatedEvicted = new AtomicLong();
  final AtomicLong framesOverBudget = new AtomicLong();
  final AtomicLong idleConnectionsClosed = new AtomicLong();
  final AtomicLong acceptPauses = new AtomicLong();
  private final AtomicLong requestsUnauthenticated = new AtomicLong();
  private final AtomicLong requestsPermissionDenied = new AtomicLong();
  private final AtomicLongArray rejectedByReason = new AtomicLongArray(RejectReason.values().length);

  /** A connection's input rejected (it is being closed): counted as a rejected frame and by its reason. */
  void countRejected(RejectReason reason) {
    framesRejected.incrementAndGet();
    rejectedByReason.incrementAndGet(reason.ordinal());
  }

  /** Connections rejected for bad input of this kind (their sum is {@link #framesRejected()}). */
  public long rejected(RejectReason reason) {
    return rejectedByReason.get(reason.ordinal());
  }

  /**
   * Frames refused: too long, undecodable, cut short, left unfinished past the frame timeout, out of place,
   * or naming another cluster or member.
   */
  public long framesRejected() {
    return framesRejected.get();
  }

  /** Connections closed because the other end broke the protocol (each after one rejected frame). */
  public long connectionsClosedForBadInput() {
    return connectionsClosedForBadInput.get();
  }

  /** Raft messages not sent: the peer unknown, not connected, or its queue or socket buffer full. */
  public long messagesDropped() {
    return messagesDropped.get();
  }

  /** Connection attempts to a peer after a failed attempt or a lost connection. */
  public long reconnects() {
    return reconnects.get();
  }

  /** Snapshots the receiver confirmed as complete and verified. */
  public long snapshotsSent() {
    return snapshotsSent.get();
  }

  /** Snapshots received, verified and put in place. */
  public long snapshotsReceived() {
    return snapshotsReceived.get();
  }

  /** Snapshots received that did not match what the sender announced, or could not be stored. */
  public long snapshotsRejected() {
    return snapshotsRejected.get();
  }

  /**
   * Connections closed as soon as they were accepted, because the port had max_connections open, or
   * max_connections_per_address from the same address.
   */
  public long connectionsRefused() {
    return connectionsRefused.get();
  }

  /**
   * Connections closed before they authenticated to make room for a newer one, when those that had not
   * authenticated held all their places (half of the peer port's).
   */
  public long unauthenticatedEvicted() {
    return unauthenticatedEvicted.get();
  }

  /**
   * Frames whose declared length did not fit what was left of the port's frame_buffer_bytes: each closed its
   * connection before any of it was buffered (and is also counted in framesRejected).
   */
  public long framesOverBudget() {
    return framesOverBudget.get();
  }

  /** Connections closed for sending nothing, with no request unanswered, for the idle timeout. */
  public long idleConnectionsClosed() {
    return idleConnectionsClosed.get();
  }

  /** Times the port stopped accepting for a moment because an accept failed (out of file descriptors). */
  public long acceptPauses() {
    return acceptPauses.get();
  }

  /** An admin request its gate refused (see {@link AdminGate}), by the error it was answered with. */
  void countRefusedRequest(io.raftd.proto.ErrorCode code) {
    (code == io.raftd.proto.ErrorCode.PERMISSION_DENIED ? requestsPermissionDenied : requestsUnauthenticated)
        .incrementAndGet();
  }

  /**
   * Admin requests refused without a valid token: none, a wrong one, or any from an address locked out for
   * sending too many wrong ones.
   */
  public long requestsUnauthenticated() {
    return requestsUnauthenticated.get();
  }

  /** Admin requests refused because their token's role does not allow them. */
  public long requestsPermissionDenied() {
    return requestsPermissionDenied.get();
  }

  @Override
  public String toString() {
    return "framesRejected=" + framesRejected + " connectionsClosedForBadInput=" + connectionsClosedForBadInput
        + " messagesDropped=" + messagesDropped + " reconnects=" + reconnects + " snapshotsSent=" + snapshotsSent
        + " snapshotsReceived=" + snapshotsReceived + " snapshotsRejected=" + snapshotsRejected
 + " connectionsRefused=" + connectionsRefused + " unauthenticatedEvicted=" + unauthenticatedEvicted
        + " framesOverBudget=" + framesOverBudget
        + " idleConnectionsClosed=" + idleConnectionsClosed + " acceptPauses=" + acceptPauses
        + " requestsUnauthenticated=" + requestsUnauthenticated + " requestsPermissionDenied=" + requestsPermissionDenied;
  }
}
