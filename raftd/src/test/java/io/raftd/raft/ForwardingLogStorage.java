package io.raftd.raft;

import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.HardState;
import io.raftd.proto.SnapshotMetadata;
import java.util.List;

/** A {@link LogStorage} that passes every call to another: tests override the calls they watch or delay. */
public class ForwardingLogStorage implements LogStorage {
  protected final LogStorage log;

  public ForwardingLogStorage(LogStorage log) {
    this.log = log;
  }

  @Override
  public HardState hardState() {
    return log.hardState();
  }

  @Override
  public Configuration configuration() {
    return log.configuration();
  }

  @Override
  public SnapshotMetadata snapshot() {
    return log.snapshot();
  }

  @Override
  public long firstIndex() {
    return log.firstIndex();
  }

  @Override
  public long lastIndex() {
    return log.lastIndex();
  }

  @Override
  public long term(long index) {
    return log.term(index);
  }

  @Override
  public List<Entry> entries(long lo, long hi, long maxBytes) {
    return log.entries(lo, hi, maxBytes);
  }
}
