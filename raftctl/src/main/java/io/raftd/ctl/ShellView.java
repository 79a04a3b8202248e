package io.raftd.ctl;

import com.google.protobuf.ByteString;
import io.raftd.client.KvClient;
import io.raftd.client.AdminCredentials;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.ClusterStatusRequest;
import io.raftd.proto.KvQueryResult;
import io.raftd.proto.KvScan;
import io.raftd.proto.MemberStatus;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * What the shell knows of the cluster between commands, for its prompt and completion: asked in the background
 * every couple of seconds on a client of its own (a command never waits for it, nor it for a command), with a
 * short timeout, so a cluster that is down makes the prompt say so rather than hang.
 */
final class ShellView implements AutoCloseable {
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(1);
  private static final long REFRESH_NANOS = TimeUnit.SECONDS.toNanos(2);
  /** Keys offered when completing a key: a bounded scan, so completion stays quick whatever the store holds. */
  static final int KEY_CANDIDATES = 50;

  private final Runnable changed;
  private volatile RaftdClient client;
  private final AdminCredentials credentials;
  private volatile String prompt = "raftd ?> ";
  private volatile List<String> names = List.of();
  private final Thread refresher;
  private volatile boolean closed;

  /**
   * @param credentials what the view's requests carry (the shell's own)
   * @param changed told, on the view's thread, when the prompt changed
   */
  ShellView(List<String> endpoints, AdminCredentials credentials, Runnable changed) {
    this.changed = changed;
    this.credentials = credentials;
    this.client = RaftdClient.create(endpoints, ASK_TIMEOUT, credentials);
    this.refresher = new Thread(this::refreshUntilClosed, "raftctl-shell-view");
    refresher.setDaemon(true);
  }

  void start() {
    refresher.start();
  }

  /** The prompt: the cluster's leader (starred), and the members answering of all; plain when not known. */
  String prompt() {
    return prompt;
  }

  /** The members' names, as last seen. */
  List<String> memberNames() {
    return names;
  }

  /** Another cluster ({@code connect}): asked from now on. */
  void connect(List<String> endpoints) {
    RaftdClient old = client;
    client = RaftdClient.create(endpoints, ASK_TIMEOUT, credentials);
    old.close();
    prompt = "raftd ?> ";
    names = List.of();
    refresher.interrupt();  // ask the new one now
  }

  /** Keys starting with {@code prefix} (UTF-8), at most {@link #KEY_CANDIDATES}, as of a stale read; none if that fails. */
  List<String> keys(String prefix) {
    try {
      KvQueryResult r = new KvClient(client).scan(KvScan.newBuilder()
          .setPrefix(ByteString.copyFrom(prefix, StandardCharsets.UTF_8)).setLimit(KEY_CANDIDATES).build(), true);
      return r.getKvsList().stream().map(kv -> kv.getKey().toStringUtf8()).toList();
    } catch (RaftdException | RuntimeException e) {
      return List.of();  // completion offers nothing rather than an error in the middle of a line
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return List.of();
    }
  }

  private void refreshUntilClosed() {
    while (!closed) {
      refresh();
      try {
        TimeUnit.NANOSECONDS.sleep(REFRESH_NANOS);  // the refresh interval
      } catch (InterruptedException e) {
        // connect() wants the new cluster asked now; close() ends the loop
      }
    }
  }

  private void refresh() {
    String next;
    try {
      List<MemberStatus> members = client.call(AdminRequest.newBuilder()
          .setClusterStatus(ClusterStatusRequest.getDefaultInstance()), false, true).getClusterStatus().getMembersList();
      names = members.stream().map(m -> m.getMember().getName()).sorted().toList();
      long up = members.stream().filter(MemberStatus::getReachable).count();
      String leader = new Cluster(members).leader().map(s -> s.getSelf().getName() + "*").orElse("(no leader)");
      next = "raftd " + leader + " " + up + "/" + members.size() + "> ";
    } catch (RaftdException e) {
      next = "raftd (unreachable)> ";
    } catch (InterruptedException e) {
      return;
    }
    if (!next.equals(prompt)) {
      prompt = next;
      changed.run();
    }
  }

  @Override
  public void close() {
    closed = true;
    refresher.interrupt();
    client.close();
  }
}
