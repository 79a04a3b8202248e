package io.raftd.raft;

/**
 * The one form a member id takes in logs and messages: 16 hex digits, zero-padded (as raftctl shows ids),
 * after the member's name where it is known: {@code n2(5a9431d1075be6c0)}. A line can then be found by
 * either, and one member never appears in two spellings (signed decimal, unsigned, unpadded hex).
 */
public final class MemberId {
  private MemberId() {}

  public static String hex(long id) {
    return String.format("%016x", id);
  }

  /** {@code name(hex)}, or {@code ?(hex)} where no name is known. */
  public static String label(String name, long id) {
    return (name == null || name.isEmpty() ? "?" : name) + "(" + hex(id) + ")";
  }
}
