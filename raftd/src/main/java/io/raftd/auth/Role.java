package io.raftd.auth;

import java.util.Locale;

/** What a token may do on the admin port; each role may do everything the ones before it may. */
public enum Role {
  /** Status, reads, the log, events, the lists of members and snapshots: nothing that changes anything. */
  READ,
  /** Plus writes (put, delete, cas, append) and sessions. */
  WRITE,
  /** Plus snapshots and backups, leadership transfer and membership. */
  ADMIN;

  /** Whether a token with this role may make a request that needs {@code needed}. */
  public boolean allows(Role needed) {
    return compareTo(needed) >= 0;
  }

  /** As the tokens file and messages spell it. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The role spelt {@code label}, or null if none is. */
  static Role parse(String label) {
    for (Role r : values()) {
      if (r.label().equals(label)) {
        return r;
      }
    }
    return null;
  }
}
