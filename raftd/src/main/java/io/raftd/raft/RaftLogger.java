package io.raftd.raft;

/** Where the core reports what it decided; the daemon backs it with SLF4J, the simulator captures it. */
public interface RaftLogger {
  void info(String message);

  void warn(String message);

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
