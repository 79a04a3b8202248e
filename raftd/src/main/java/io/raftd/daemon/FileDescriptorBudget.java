package io.raftd.daemon;

import com.sun.management.UnixOperatingSystemMXBean;
import io.raftd.config.RaftdConfig;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes sure connections from outside can never take the file descriptors the WAL and the snapshot store
 * need: a WAL that cannot open its next segment stops the member (a leader exits). The ports' connection
 * limits are what bound the descriptors connections hold, so at start the limits, what is open already
 * and a reserve for everything else must fit the process's open-file limit; if they do not, the member
 * refuses to start, with one line saying what to raise or lower.
 *
 * <p>Why a reserve rather than a WAL that keeps its next segment open: the reserve also covers the snapshot
 * files, the directory syncs, the connections this member dials and the JVM's own files, none of which a
 * pre-opened segment would protect; and it leaves the WAL's code alone.
 */
final class FileDescriptorBudget {
  private static final Logger LOG = LoggerFactory.getLogger(FileDescriptorBudget.class);

  /**
   * Descriptors kept for what this member opens after start, besides accepted connections: the WAL's open
   * segment, the next one being preallocated and directory syncs; snapshots being written, received and
   * sent (one per peer); the connections it dials (Raft, snapshot and probes to each peer); its event
   * loops' epoll, eventfd and timerfd; log files.
   */
  static final int RESERVE = 128;
  /**
   * Connections a listening socket accepts in one go before its limit sees them and closes those over it:
   * Netty's default messages per read for a server channel. Each port may briefly hold this many more.
   */
  static final int ACCEPT_BATCH = 16;

  private FileDescriptorBudget() {}

  /** Refuses to start if the configured limits do not fit the open-file limit; logs the budget otherwise. */
  static void check(RaftdConfig config) throws Daemon.StartupException {
    OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
    if (!(os instanceof UnixOperatingSystemMXBean unix)) {
      LOG.warn("cannot read this process's open-file limit on this platform: connection limits not checked against it");
      return;
    }
    long limit = unix.getMaxFileDescriptorCount();
    long open = unix.getOpenFileDescriptorCount();
    String refusal = refusal(limit, open, config.peerPort().maxConnections(), config.adminPort().maxConnections());
    if (refusal != null) {
      throw new Daemon.StartupException(refusal);
    }
    LOG.info("open-file limit {}: {} open, up to {} + {} connections on the peer and admin ports, {} kept for the WAL,"
        + " snapshots and dialed connections", limit, open, config.peerPort().maxConnections(),
        config.adminPort().maxConnections(), RESERVE);
  }

  /** Why limits of {@code peer} and {@code admin} connections do not fit, or null if they do. */
  static String refusal(long limit, long open, long peer, long admin) {
    long needed = open + peer + admin + 2L * ACCEPT_BATCH + RESERVE;
    if (needed <= limit) {
      return null;
    }
    return "the open-file limit (" + limit + ") is too low for peer_port.max_connections = " + peer
        + " and admin_port.max_connections = " + admin + " with " + open + " files open and "
        + (2 * ACCEPT_BATCH + RESERVE) + " kept for the WAL, snapshots and dialed connections: raise it to at least "
        + needed + " (ulimit -n, or LimitNOFILE= in the systemd unit), or lower max_connections";
  }
}
