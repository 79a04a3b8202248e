package io.raftd.transport;

import io.raftd.proto.AdminRequest;
import io.raftd.proto.Error;
import java.net.InetAddress;

/**
 * Whether the admin port lets a request through to be answered (authentication and roles): asked for every
 * request, streams included, before anything acts on it. Called on the connection's event loop, so it must
 * not wait.
 */
public interface AdminGate {
  /** No authentication configured: everything goes through. */
  AdminGate OPEN = (request, from) -> null;

  /** @return null to let the request through, else the error to answer it with */
  Error refuse(AdminRequest request, InetAddress from);
}
