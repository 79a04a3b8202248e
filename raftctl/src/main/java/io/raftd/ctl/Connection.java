package io.raftd.ctl;

import io.raftd.client.KvClient;
import io.raftd.client.AdminCredentials;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.client.Session;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;

/**
 * raftctl's way to the cluster, made on first use: a one-shot command writes without a session (an unknown
 * outcome exits 6); script mode shares one client and one session across its lines, so a retried write
 * there applies once.
 */
final class Connection implements AutoCloseable {
  private static final Duration SCRIPT_SESSION_TIMEOUT = Duration.ofSeconds(60);

  final List<String> endpoints;
  /** The token every request carries, and TLS for members with [admin_tls]. */
  final AdminCredentials credentials;
  final Duration timeout;
  private final boolean withSession;
  private final PrintStream wireLog;
  private RaftdClient client;
  private Session session;

  /** @param wireLog where to log each request and answer (--debug), or null */
  Connection(List<String> endpoints, AdminCredentials credentials, Duration timeout, boolean withSession,
      PrintStream wireLog) {
    this.endpoints = endpoints;
    this.credentials = credentials;
    this.timeout = timeout;
    this.withSession = withSession;
    this.wireLog = wireLog;
  }

  RaftdClient client() {
    if (client == null) {
      client = RaftdClient.create(endpoints, timeout, credentials);
      if (wireLog != null) {
        client.wireLog(line -> wireLog.println("raftctl: wire " + line));
      }
    }
    return client;
  }

  KvClient kv() throws RaftdException, InterruptedException {
    if (!withSession) {
      return new KvClient(client());
    }
    if (session == null) {
      session = client().openSession(SCRIPT_SESSION_TIMEOUT);
    }
    return new KvClient(client(), session::writeAsync);
  }

  @Override
  public void close() throws InterruptedException {
    if (session != null) {
      session.close();
    }
    if (client != null) {
      client.close();
    }
  }
}
