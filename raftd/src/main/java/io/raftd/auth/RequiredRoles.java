package io.raftd.auth;

import io.raftd.proto.AdminRequest;

/**
 * The one table of which role each admin request needs. A switch without a default, so that a request type
 * added to admin.proto does not compile until it is given its role here.
 */
public final class RequiredRoles {
  private RequiredRoles() {}

  public static Role of(AdminRequest.BodyCase request) {
    return switch (request) {
      case STATUS, CLUSTER_STATUS, READ, LIST_SNAPSHOTS, LIST_MEMBERS, READ_LOG, WATCH_EVENTS -> Role.READ;
      // An empty request changes nothing (it is answered INVALID_ARGUMENT): any valid token may learn that.
      case BODY_NOT_SET -> Role.READ;
      case WRITE, OPEN_SESSION, KEEP_ALIVE, CLOSE_SESSION -> Role.WRITE;
      // SAVE_SNAPSHOT is a backup: it reads every key, and costs the member a snapshot's worth of disk reads.
      case CREATE_SNAPSHOT, SAVE_SNAPSHOT, TRANSFER_LEADER, ADD_MEMBER, PROMOTE_MEMBER, REMOVE_MEMBER,
          CHANGE_MEMBERSHIP -> Role.ADMIN;
    };
  }

  /** The request as messages name it: admin.proto's field name, such as remove_member. */
  static String operation(AdminRequest.BodyCase request) {
    return request == AdminRequest.BodyCase.BODY_NOT_SET ? "an empty request"
        : request.name().toLowerCase(java.util.Locale.ROOT);
  }
}
