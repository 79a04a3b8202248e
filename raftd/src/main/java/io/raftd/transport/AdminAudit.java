package io.raftd.transport;

import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;

/**
 * Hears how each request on the admin port ended, refused ones included, with who asked and from where:
 * the audit stream keeps the state-changing ones. Called on the connection's event loop or the thread that
 * answered, so it must not wait. Streams (reads only) are not reported.
 */
public interface AdminAudit {
  AdminAudit NONE = (request, response, caller, identity) -> {};

  /** @param identity who asked, as the {@link AdminGate} decided */
  void answered(AdminRequest request, AdminResponse response, AdminGate.Caller caller, String identity);
}
