package io.raftd.walformat;

/**
 * Damage found in a WAL file. A torn tail is what a crash leaves under the crash model (the last,
 * unsynced batch partly written): recovery drops it. Anything else is corruption: data that was synced
 * has changed, and the node must not start from it.
 *
 * @param offset the byte offset in {@code file} where the damage starts
 */
public record Damage(Kind kind, String file, long offset, String what) {
  public enum Kind { TORN, CORRUPT }

  public boolean torn() {
    return kind == Kind.TORN;
  }
}
