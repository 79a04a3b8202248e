package io.raftd.raft;

/**
 * Where the core reports what it decided; the daemon backs it with SLF4J and its event stream (raftctl watch),
 * the simulator captures it.
 */
public interface RaftLogger {
  void info(String message);

  void warn(String message);

  /**
   * Something happened that an operator may watch happen (an election, a refusal, a transfer): its kind, term,
   * last index, the other member and a line of text are set; the host adds the time and this member's name.
   */
  default void event(io.raftd.proto.Event.Builder event) {}

  /** How messages name a member: the core knows only ids, the host knows their names. */
  default String member(long id) {
    return MemberId.hex(id);
  }

  RaftLogger NONE = new RaftLogger() {
    @Override
    public void info(String message) {}

    @Override
    public void warn(String message) {}
  };
}
