package io.raftd.transport;

import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;

/**
 * Requests the admin port answers with a stream of responses rather than one (WatchEvents). The server pulls
 * each stream's responses while the client reads them, so a client that reads slowly holds up only its own
 * stream, whose producer decides what to do about it.
 */
public interface AdminStreams {
  /** One stream's responses, taken by the server on its connection's thread. */
  interface Stream {
    /** The next response (with the request's id), or null when none is ready now. */
    AdminResponse next();

    /** True once the last response was taken. */
    boolean over();

    /** The connection closed: produce nothing more. */
    void close();
  }

  AdminStreams NONE = (request, ready) -> null;

  /**
   * The stream {@code request} asks for, or null if it asks for one answer.
   *
   * @param ready to run, from any thread and without waiting, whenever the stream has a response to take
   */
  Stream open(AdminRequest request, Runnable ready);
}
