package io.raftd.config;

import io.raftd.storage.WriteAheadLog.FsyncPolicy;
import io.raftd.transport.PortLimits;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A member's configuration, as read from its {@code raftd.toml} by {@link ConfigLoader}: every value typed,
 * defaulted and checked. Times are {@link Duration}s (the file gives milliseconds); sizes are bytes.
 *
 * @param name this member's name, unique in the cluster
 * @param dataDir where the WAL, snapshots and the member's identity live
 * @param peerAddress where this member listens for Raft traffic from its peers
 * @param adminAddress where this member listens for raftctl and clients
 * @param metricsAddress where this member serves its metrics
 * @param stateMachine the name of the state machine to run (a {@code StateMachineProvider}'s name)
 * @param peerPort what the peer port's connections may hold: how many, from one address, bytes of frames
 * @param adminPort the same for the admin port, and how long a client connection may stay idle
 * @param adminTls TLS on the admin port; absent: plaintext
 * @param adminAuth tokens and roles on the admin port; absent: the admin port answers whoever connects
 * @param audit where the audit stream of state-changing admin operations goes, and whether writes are in it
 * @param insecure the operator accepts a peer or admin port open to the network without TLS and
 *     authentication (otherwise such a configuration is refused at start)
 * @param kv the built-in store's limits
 * @param divergenceCheckInterval how often a leader has every member compare a digest of its state with its
 *     own (divergence detection); zero: never
 * @param membership when the leader promotes an added member it has been told to (a learner catching up)
 * @param log what raftd logs and how
 * @param source the file this was read from, for messages about it
 */
public record RaftdConfig(
    String name,
    Path dataDir,
    HostPort peerAddress,
    HostPort adminAddress,
    HostPort metricsAddress,
    String stateMachine,
    Cluster cluster,
    Optional<Tls> peerTls,
    Raft raft,
    Transport transport,
    PortLimits peerPort,
    PortLimits adminPort,
    Optional<AdminTls> adminTls,
    Optional<AdminAuth> adminAuth,
    Audit audit,
    boolean insecure,
    Snapshot snapshot,
    Wal wal,
    Disk disk,
    Kv kv,
    Duration divergenceCheckInterval,
    Membership membership,
    Log log,
    String source) {

  /**
   * @param token the secret every member proves it holds before any peer connection carries anything (and
   *     what the cluster id is derived from on the first start); absent only for a one-node cluster, which
   *     then accepts no peers
   * @param previousTokens tokens still accepted from peers while a new one is rolled out
   * @param members the initial members, used only on the very first start; empty for a one-node cluster
   * @param join admin addresses of members of a running cluster this member asks, on its very first start,
   *     to add it (in place of members); empty: it forms a cluster (members) or runs alone
   */
  public record Cluster(Optional<String> token, List<String> previousTokens, List<Member> members,
      List<HostPort> join) {
    public Cluster {
      Objects.requireNonNull(token);
      previousTokens = List.copyOf(previousTokens);
      members = List.copyOf(members);
      join = List.copyOf(join);
    }
  }

  /**
   * A member added to be a voter enters as a learner and is promoted once its log has stayed within
   * {@code catchUpEntries} of the leader's commit index for {@code catchUpTime}.
   */
  public record Membership(long catchUpEntries, Duration catchUpTime) {}

  /**
   * Mutual TLS on the peer port: PEM files for this member's certificate (chain), its PKCS#8 private key, and
   * the CA bundle every member's certificate must chain to. Each certificate must name its member (a
   * subjectAltName DNS name, or the subject CN, equal to the member's name).
   */
  public record Tls(Path certFile, Path keyFile, Path caFile) {}

  /**
   * Authentication and roles on the admin port: every request must carry a token from {@code tokensFile}
   * (checked at start: owner, mode 0600, each token's length and role) whose role allows it.
   *
   * @param maxFailures wrong tokens one remote address may send within {@code lockout} before its requests
   *     are refused unchecked for {@code lockout}
   */
  public record AdminAuth(Path tokensFile, int maxFailures, Duration lockout) {}

  /**
   * TLS on the admin port: PEM files for the port's certificate (chain) and its PKCS#8 private key, read again
   * when they change. With {@code clientCaFile}, every client must present a certificate that chains to it;
   * the certificate's name (subjectAltName DNS name, or subject CN) is then the caller's identity.
   */
  public record AdminTls(Path certFile, Path keyFile, Optional<Path> clientCaFile) {}

  /**
   * The audit stream: every state-changing admin operation, with who asked, from where and how it ended.
   *
   * @param file a file of its own (JSON lines); absent: the {@code raftd.audit} logger in the main log
   * @param writes whether writes (put, delete, cas, append) are recorded too
   */
  public record Audit(Optional<Path> file, boolean writes) {}

  /** One initial member: its name and the addresses its peers and clients reach it at. */
  public record Member(String name, HostPort peer, HostPort admin) {}

  /**
   * @param heartbeat how often a leader sends heartbeats
   * @param electionTimeoutMin each election timeout is drawn from [min, max]
   * @param maxEntryBytes the largest command a client may propose
   * @param maxAppendBytes entry bytes per AppendEntries message
   * @param maxInflight pipelined AppendEntries per follower
   */
  public record Raft(
      Duration heartbeat,
      Duration electionTimeoutMin,
      Duration electionTimeoutMax,
      long maxEntryBytes,
      long maxAppendBytes,
      int maxInflight) {}

  /**
   * @param maxFrameBytes the hard limit on one peer or admin frame
   * @param frameTimeout how long a peer or admin connection may hold an unfinished frame while receiving
   *     nothing more of it before it is closed
   */
  public record Transport(long maxFrameBytes, Duration frameTimeout) {}

  /**
   * @param entries take a snapshot every this many applied entries
   * @param bytes or once this many bytes of entry data have been applied since the last one
   * @param keepEntries entries kept in the log behind a snapshot, so slow followers need no snapshot
   * @param retain snapshot files kept
   * @param logPercent the entries bound waits, beyond a small state, until the entry data since the last
   *     snapshot is this percent of that snapshot's size
   */
  public record Snapshot(long entries, long bytes, long keepEntries, int retain, int logPercent) {}

  /** @param segmentBytes the size WAL segments are preallocated to, a multiple of 512 */
  public record Wal(long segmentBytes, FsyncPolicy fsync) {}

  /**
   * @param minFreeBytes below this much free space on data_dir's file system a member takes no new writes
   *     (and a leader hands over) until space returns; 0: no such guard
   * @param slowFsync an fsync slower than this is counted and logged
   */
  public record Disk(long minFreeBytes, Duration slowFsync) {}

  /**
   * @param quotaBytes the most bytes of keys and values (each with an estimate of the heap around it) the state
   *     may hold before the leader refuses writes that could add more (NO_SPACE); 0: sized from the heap
   */
  public record Kv(long quotaBytes) {}

  /**
   * @param level the level of every logger not named in {@code levels}: off, error, warn, info, debug, trace
   * @param levels levels by logger name (a package or class: io.raftd.transport)
   * @param format "text", one line per event, or "json", one JSON object per line
   */
  public record Log(String level, Map<String, String> levels, String format) {
    public Log {
      levels = Map.copyOf(levels);
    }

    public static final Log DEFAULT = new Log("info", Map.of(), "text");
  }
}
