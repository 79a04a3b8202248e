package io.raftd.daemon;

import io.raftd.auth.AdminTokens;
import io.raftd.config.RaftdConfig;
import io.raftd.datadir.DataDirFile;
import io.raftd.proto.ClusterRecord;
import io.raftd.proto.MemberIdentity;
import io.raftd.proto.RemovedRecord;
import io.raftd.raft.MemberId;
import io.raftd.statemachine.StateMachines;
import io.raftd.transport.AdminTls;
import io.raftd.transport.PeerTls;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Every check a start makes before it writes anything or binds a port: the data directory's owner and
 * mode, whose member it is, its WAL and snapshot files, the state machine, the peer and admin TLS files,
 * the admin port's tokens file. The start
 * runs exactly these first and {@code raftd --check-config} runs them alone, so a config that checks ok
 * fails to start only for what cannot be known without starting (a port taken, a seed that refuses).
 * Reads only; the config itself and the data directory's shape ({@code ConfigLoader}) are checked before.
 */
final class StartupCheck {
  /** The clock of files loaded only to see that they load: nothing looks at them again. */
  private static final java.util.function.LongSupplier CHECK_ONLY = () -> 0L;

  private StartupCheck() {}

  /** All of them ({@code --check-config}). */
  static void run(RaftdConfig config) throws Daemon.StartupException {
    access(config);
    contents(config);
  }

  /** Whether raftd may create, read and write its data directory: the start checks this before it makes or locks it. */
  static void access(RaftdConfig config) throws Daemon.StartupException {
    DataDirAccess.check(config.dataDir());
  }

  /**
   * The rest, once the start holds the lock (so no other raftd writes what it reads).
   *
   * @return the member's identity from its data directory, or null on its first start
   */
  static MemberIdentity contents(RaftdConfig config) throws Daemon.StartupException {
    Path dataDir = config.dataDir();
    MemberIdentity identity = identity(dataDir, config.name());
    if (identity != null) {
      refuseIfRemoved(dataDir, identity);
    }
    try {
      StateMachines.load(config.stateMachine());
    } catch (IllegalArgumentException e) {
      throw new Daemon.StartupException(config.source() + ": state_machine = \"" + config.stateMachine() + "\": "
          + e.getMessage() + ": set state_machine to one of those, or put the jar providing it in raftd's lib/");
    }
    if (identity != null) {
      unfinishedRecovery(dataDir);
      StoredStateCheck.check(dataDir);  // without one, a first start that never finished left nothing of a member's
    }
    if (config.peerTls().isPresent()) {
      RaftdConfig.Tls tls = config.peerTls().get();
      try {
        PeerTls.load(tls.certFile(), tls.keyFile(), tls.caFile(), CHECK_ONLY);
      } catch (IOException e) {
        throw new Daemon.StartupException(e.getMessage());
      }
    }
    if (config.adminTls().isPresent()) {
      RaftdConfig.AdminTls tls = config.adminTls().get();
      try {
        AdminTls.load(tls.certFile(), tls.keyFile(), tls.clientCaFile(), CHECK_ONLY);
      } catch (IOException e) {
        throw new Daemon.StartupException(e.getMessage());
      }
    }
    if (config.adminAuth().isPresent()) {
      AdminTokens tokens;
      try {
        tokens = AdminTokens.load(config.adminAuth().get().tokensFile());
      } catch (IOException e) {
        throw new Daemon.StartupException(e.getMessage());
      }
      boolean clientCertificates = config.adminTls().map(t -> t.clientCaFile().isPresent()).orElse(false);
      if (!tokens.certificateHolders().isEmpty() && !clientCertificates) {
        throw new Daemon.StartupException(config.adminAuth().get().tokensFile() + ": " + tokens.certificateHolders()
            + " authenticate by client certificate (certificate = true), but clients present none: set"
            + " admin_tls.client_ca_file, or give them tokens");
      }
    }
    return identity;
  }

  /** A removed member's data can never rejoin: the member comes back as a new one, on an empty data_dir. */
  private static void refuseIfRemoved(Path dataDir, MemberIdentity identity) throws Daemon.StartupException {
    RemovedRecord removed;
    ClusterRecord cluster;
    try {
      removed = DataDirFile.read(dataDir.resolve(DataDirFile.REMOVED), RemovedRecord.parser());
      cluster = removed == null ? null : DataDirFile.read(dataDir.resolve(DataDirFile.CLUSTER), ClusterRecord.parser());
    } catch (IOException e) {
      throw new Daemon.StartupException(e.getMessage());
    }
    if (removed == null) {
      return;
    }
    String seed = cluster == null || cluster.getMembersCount() == 0 ? "HOST:ADMIN_PORT"
        : cluster.getMembersList().stream().filter(m -> m.getId() != identity.getMemberId()).findFirst()
            .orElse(cluster.getMembers(0)).getAdminAddress();
    throw new Daemon.RemovedException("data_dir " + dataDir + " belongs to member "
        + MemberId.label(identity.getName(), identity.getMemberId()) + ", which was removed from cluster "
        + MemberId.hex(removed.getClusterId()) + ": its data can never rejoin (member ids are never reused). To run"
        + " this machine as a member again: empty data_dir, set cluster.join = [\"" + seed + "\"] (a member's admin"
        + " address) in place of cluster.members, and start raftd: it joins as a new member");
  }

  /** A {@code raftctl recover --force-new-cluster} decided but not finished: it must be run again, not started over. */
  private static void unfinishedRecovery(Path dataDir) throws Daemon.StartupException {
    if (java.nio.file.Files.exists(dataDir.resolve(DataDirFile.FORCED_NEW_CLUSTER))) {
      throw new Daemon.StartupException("data_dir " + dataDir + " holds an unfinished raftctl recover (the file "
          + DataDirFile.FORCED_NEW_CLUSTER + "): run `raftctl recover --data-dir " + dataDir + " --force-new-cluster`"
          + " again to finish it, then start raftd");
    }
  }

  private static MemberIdentity identity(Path dataDir, String name) throws Daemon.StartupException {
    MemberIdentity id;
    try {
      id = DataDirFile.read(dataDir.resolve(DataDirFile.IDENTITY), MemberIdentity.parser());
    } catch (IOException e) {
      throw new Daemon.StartupException(e.getMessage());
    }
    if (id != null && !id.getName().equals(name)) {
      throw new Daemon.StartupException("data_dir " + dataDir + " belongs to member " + id.getName()
          + ", but the config names " + name + ": point this config at its own data_dir");
    }
    return id;
  }
}
