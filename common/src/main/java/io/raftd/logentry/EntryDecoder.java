package io.raftd.logentry;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.proto.Configuration;
import io.raftd.proto.ConfigurationChange;
import io.raftd.proto.Entry;
import io.raftd.proto.Excerpt;
import io.raftd.proto.KvCas;
import io.raftd.proto.KvCommand;
import io.raftd.proto.LogCommand;
import io.raftd.proto.LogEntry;
import io.raftd.proto.Member;
import java.util.List;
import java.util.function.LongFunction;

/**
 * Decodes log entries for people ({@link LogEntry}): the one decoder behind the admin port's ReadLog (a running
 * member's log) and {@code raftctl wal dump} (a stopped member's WAL), so both show an entry alike.
 *
 * <p>What raftd puts in the log: a NOOP is a new leader's first entry; a CONFIG entry holds the
 * {@link Configuration} it changes to; a NORMAL entry holds a {@link LogCommand} (statemachine.proto): a session
 * opened, kept alive or closed, a checksum mark or report, or a command for the state machine, in a session or
 * not. Commands are decoded as the built-in store's ({@link KvCommand}) when the member runs it and the bytes are
 * exactly one of its commands; any other command is kept as bytes. Data raftd does not write is kept as bytes too,
 * with why: nothing is dropped.
 *
 * <p>Keys, values and payloads are cut to {@link #EXCERPT_BYTES} (their full size kept) unless asked for in full.
 * A configuration is shown with the one before it (the old voters), so decode entries in log order: each CONFIG
 * entry is in force for the entries after it. Not thread-safe: one decoder per walk through the log.
 */
public final class EntryDecoder {
  /** How many bytes of each key, value and payload an entry keeps unless asked for in full. */
  public static final int EXCERPT_BYTES = 64;

  private final boolean kvCommands;
  private final LongFunction<String> names;
  private final boolean full;
  private Configuration inForce;
  /** The index {@link #inForce} took effect at (0: before the first entry decoded). */
  private long inForceSince;

  /**
   * @param kvCommands whether the member runs the built-in store ({@code state_machine = "kv"}): only then are
   *     commands decoded as its commands
   * @param names a member's name by id, or null if not known (then the configuration's own directory says,
   *     else the id in 16 hex digits)
   * @param full keys, values and payloads in full
   * @param inForce the configuration in force before the first entry decoded, or null if not known
   */
  public EntryDecoder(boolean kvCommands, LongFunction<String> names, boolean full, Configuration inForce) {
    this.kvCommands = kvCommands;
    this.names = names;
    this.full = full;
    this.inForce = inForce;
  }

  /**
   * A snapshot at {@code index} holds configuration {@code c} (a snapshot record, in a WAL dump): it is in force from
   * there on, unless an entry after the snapshot changed it already (a WAL repeats its newest snapshot record at the
   * start of each segment).
   */
  public void snapshot(long index, Configuration c) {
    if (index >= inForceSince) {
      inForce = c;
      inForceSince = index;
    }
  }

  public LogEntry decode(Entry e) {
    LogEntry.Builder b = LogEntry.newBuilder().setIndex(e.getIndex()).setTerm(e.getTerm()).setType(e.getType())
        .setSize(e.getData().size());
    switch (e.getType()) {
      case NOOP -> b.setKind("noop");
      case CONFIG -> configuration(e.getData(), b);
      case NORMAL -> command(e, b);
      default -> undecodable(b, "an entry type this version of raftd does not know (" + e.getTypeValue() + ")",
          e.getData());
    }
    return b.setSummary(EntrySummary.of(b)).build();
  }

  private void command(Entry e, LogEntry.Builder b) {
    LogCommand c;
    try {
      c = LogCommand.parseFrom(e.getData());
    } catch (InvalidProtocolBufferException x) {
      undecodable(b, "not a command raftd writes", e.getData());
      return;
    }
    b.setStampMs(c.getStampMs());
    switch (c.getBodyCase()) {
      case OPEN_SESSION -> b.setKind("open-session").setSession(e.getIndex())  // a session's id is its entry's index
          .setSessionTimeoutMs(c.getOpenSession().getTimeoutMs());
      case KEEP_ALIVE -> b.setKind("keep-alive").setSession(c.getKeepAlive().getSession())
          .setLowestPending(c.getKeepAlive().getLowestPending());
      case CLOSE_SESSION -> b.setKind("close-session").setSession(c.getCloseSession().getSession());
      case COMMAND -> {
        b.setSession(c.getCommand().getSession()).setSeq(c.getCommand().getSeq())
            .setLowestPending(c.getCommand().getLowestPending());
        machineCommand(c.getCommand().getCommand(), b);
      }
      case PLAIN -> machineCommand(c.getPlain(), b);
      case CHECKSUM_MARK -> b.setKind("checksum-mark");
      case CHECKSUM_REPORT -> b.setKind("checksum-report").setMarkIndex(c.getChecksumReport().getMarkIndex())
          .setDigest(c.getChecksumReport().getDigest());
      case BODY_NOT_SET -> undecodable(b, e.getData().isEmpty() ? "no data"
          : "a command this version of raftd does not know", e.getData());
    }
  }

  private void machineCommand(ByteString command, LogEntry.Builder b) {
    KvCommand kv = kvCommands ? kvCommand(command) : null;
    if (kv == null) {
      b.setKind("command").setValue(excerpt(command));
      return;
    }
    switch (kv.getOpCase()) {
      case PUT -> b.setKind("put").setKey(excerpt(kv.getPut().getKey())).setValue(excerpt(kv.getPut().getValue()));
      case DELETE -> b.setKind("delete").setKey(excerpt(kv.getDelete().getKey()));
      case APPEND -> b.setKind("append").setValue(excerpt(kv.getAppend().getPayload()));
      case CAS -> {
        KvCas cas = kv.getCas();
        b.setKind("cas").setKey(excerpt(cas.getKey())).setValue(excerpt(cas.getNewValue()));
        switch (cas.getExpectCase()) {
          case VALUE -> b.setExpectedValue(excerpt(cas.getValue()));
          case VERSION -> b.setExpectedVersion(cas.getVersion());
          case ABSENT -> b.setExpectAbsent(cas.getAbsent());
          case EXPECT_NOT_SET -> { }  // the store never sets then
        }
      }
      case OP_NOT_SET -> throw new IllegalStateException("kvCommand returns only commands with an operation");
    }
  }

  /**
   * The store's command these bytes are, or null: they must be exactly its encoding of one command (any bytes
   * parse as some protobuf message, so parsing alone proves nothing).
   */
  private static KvCommand kvCommand(ByteString bytes) {
    try {
      KvCommand kv = KvCommand.parseFrom(bytes);
      return kv.getOpCase() != KvCommand.OpCase.OP_NOT_SET && kv.toByteString().equals(bytes) ? kv : null;
    } catch (InvalidProtocolBufferException e) {
      return null;
    }
  }

  private void configuration(ByteString data, LogEntry.Builder b) {
    Configuration c;
    try {
      c = Configuration.parseFrom(data);
    } catch (InvalidProtocolBufferException e) {
      undecodable(b, "not a configuration", data);
      return;
    }
    boolean joint = c.getOutgoingVotersCount() > 0;
    ConfigurationChange.Builder change = ConfigurationChange.newBuilder().setJoint(joint)
        .addAllVoters(names(c.getVotersList(), c)).addAllLearners(names(c.getLearnersList(), c))
        .addAllToPromote(names(c.getAutoPromoteList(), c));
    if (joint) {
      change.addAllOldVoters(names(c.getOutgoingVotersList(), c));
    } else if (inForce != null) {
      // Leaving a joint configuration completes the change its outgoing half was the old side of.
      List<Long> old = inForce.getOutgoingVotersCount() > 0 ? inForce.getOutgoingVotersList() : inForce.getVotersList();
      change.addAllOldVoters(names(old, inForce));
    }
    b.setKind("config").setConfiguration(change);
    inForce = c;
    inForceSince = b.getIndex();
  }

  /** Members' names, sorted: unknown ones as their ids. */
  private List<String> names(List<Long> ids, Configuration directory) {
    return ids.stream().map(id -> name(id, directory)).sorted().toList();
  }

  private String name(long id, Configuration directory) {
    String known = names != null ? names.apply(id) : null;
    if (known != null) {
      return known;
    }
    for (Member m : directory.getMembersList()) {
      if (m.getId() == id) {
        return m.getName();
      }
    }
    return String.format("%016x", id);
  }

  private void undecodable(LogEntry.Builder b, String problem, ByteString data) {
    b.setKind("undecodable").setProblem(problem).setValue(excerpt(data));
  }

  private Excerpt excerpt(ByteString bytes) {
    return Excerpt.newBuilder().setBytes(full ? bytes : ByteText.head(bytes, EXCERPT_BYTES)).setSize(bytes.size())
        .build();
  }
}
