package io.raftd.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.client.EventWatch;
import io.raftd.client.KvClient;
import io.raftd.client.RaftdClient;
import io.raftd.client.RaftdException;
import io.raftd.host.EventHub;
import io.raftd.proto.AdminRequest;
import io.raftd.proto.AdminResponse;
import io.raftd.proto.Event;
import io.raftd.proto.EventKind;
import io.raftd.proto.WatchEventsRequest;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * WatchEvents (issue 15): a member's events as they happen. Watching the survivors while their leader stops
 * shows the election (started, won with its votes) and the new leader; a watcher that never reads is cut off
 * with the number of events it lost, while the cluster goes on committing at its rate.
 */
class WatchEventsTest {
  private static final Duration WAIT = Duration.ofSeconds(30);
  /** Writes timed for a rate: about a second's worth on this machine. */
  private static final int MEASURED = 500;

  @TempDir
  Path dir;

  @Test
  void theSurvivorsOfAStoppedLeaderShowTheElectionAndTheNewLeader() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.FAST_WAL)) {
      c.startAll();
      RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(10));
      int leader = c.awaitLeader();
      String oldLeader = c.names.get(leader);
      List<Integer> survivors = new ArrayList<>();
      List<List<Event>> seen = new ArrayList<>();
      List<EventWatch> watches = new ArrayList<>();
      AtomicLong subscribed = new AtomicLong();
      for (int i = 0; i < 3; i++) {
        if (i != leader) {
          survivors.add(i);
          List<Event> events = new CopyOnWriteArrayList<>();
          seen.add(events);
          watches.add(client.watchEvents(c.adminAddresses.get(i), new EventWatch.Sink() {
            @Override
            public void subscribed() {
              subscribed.incrementAndGet();
            }

            @Override
            public void events(List<Event> batch) {
              events.addAll(batch);
            }
          }));
        }
      }
      LocalCluster.await("both watches subscribed", WAIT, () -> subscribed.get() == 2);
      c.stop(leader);
      int next = c.awaitLeader();
      String newLeader = c.names.get(next);
      List<Event> winner = seen.get(survivors.indexOf(next));
      LocalCluster.await("the winner's events to show it leads", WAIT, () -> winner.stream().anyMatch(e ->
          e.getKind() == EventKind.ROLE_CHANGED && e.getPeer().startsWith(newLeader)));
      int wonAt = indexOf(winner, e -> e.getKind() == EventKind.ELECTION_WON && !e.getPreVote());
      int startedAt = indexOf(winner, e -> e.getKind() == EventKind.ELECTION_STARTED && !e.getPreVote());
      int leadsAt = indexOf(winner, e -> e.getKind() == EventKind.ROLE_CHANGED && e.getPeer().startsWith(newLeader));
      assertTrue(startedAt >= 0 && startedAt < wonAt && wonAt < leadsAt, () -> "started, won, leads: " + texts(winner));
      Event won = winner.get(wonAt);
      assertEquals(3, won.getVoters(), won::toString);
      assertTrue(won.getVotes() >= 2, won::toString);
      assertTrue(won.getText().contains("won the election for term " + won.getTerm()), won::toString);
      for (Event e : winner) {
        assertTrue(e.getMember().equals(newLeader) && e.getTimeMs() > 0, e::toString);
      }
      // The other survivor saw the leader go and the new one come.
      List<Event> other = seen.get(1 - survivors.indexOf(next));
      LocalCluster.await("the other survivor to follow the new leader", WAIT, () -> other.stream().anyMatch(e ->
          e.getKind() == EventKind.ROLE_CHANGED && e.getPeer().startsWith(newLeader)));
      assertTrue(other.stream().noneMatch(e -> e.getKind() == EventKind.ROLE_CHANGED && e.getPeer().startsWith(oldLeader)),
          () -> "no event names the stopped leader as leader anew: " + texts(other));
      for (EventWatch w : watches) {
        w.close();
        assertTrue(w.ended().isDone() || waitEnded(w), "a closed watch ends");
      }
      LocalCluster.await("the members forget the closed watches", WAIT,
          () -> c.daemons.get(next).events().subscribers() == 0);
      client.close();
    }
  }

  @Test
  void aWatcherThatNeverReadsIsCutOffAndTheClusterKeepsItsRate() throws Exception {
    try (LocalCluster c = new LocalCluster(dir, 3, LocalCluster.FAST_WAL + """
        [snapshot]
        entries = 200
        keep_entries = 50
        """)) {
      c.startAll();
      int leader = c.awaitLeader();
      EventHub hub = c.daemons.get(leader).events();
      try (Socket stuck = new Socket();
           RaftdClient client = RaftdClient.create(c.adminAddresses, Duration.ofSeconds(10))) {
        stuck.setReceiveBufferSize(4096);
        stuck.connect(new InetSocketAddress("127.0.0.1", port(c.adminAddresses.get(leader))), 5000);
        DataOutputStream out = new DataOutputStream(stuck.getOutputStream());
        byte[] watch = AdminRequest.newBuilder().setId(7).setWatchEvents(WatchEventsRequest.getDefaultInstance())
            .build().toByteArray();
        out.writeInt(watch.length);
        out.write(watch);
        out.flush();
        LocalCluster.await("the stuck watcher subscribed", WAIT, () -> hub.subscribers() == 1);

        AtomicBoolean stop = new AtomicBoolean();
        AtomicLong commits = new AtomicLong();
        AtomicReference<Throwable> failed = new AtomicReference<>();
        List<Thread> writers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
          int writer = w;
          Thread t = new Thread(() -> {
            KvClient kv = new KvClient(client);
            try {
              for (int i = 0; !stop.get(); i++) {
                kv.put(utf8("w" + writer + "-" + (i % 500)), utf8("value-" + i));
                commits.incrementAndGet();
              }
            } catch (RaftdException | InterruptedException | RuntimeException e) {
              failed.compareAndSet(null, e);
            }
          }, "watch-test-writer-" + w);
          writers.add(t);
          t.start();
        }
        try {
          LocalCluster.await("writes flowing", WAIT, () -> commits.get() > 200);
          long before = rate(commits);
          // An event storm far larger than the watcher's buffer, the connection's and the kernel's: the member
          // must drop the watcher's events, never wait for it.
          String padding = "x".repeat(200);
          long stormStarted = System.nanoTime();
          for (int i = 0; i < 200_000; i++) {
            hub.publish(Event.newBuilder().setKind(EventKind.SLOW_FSYNC).setText("storm " + i + " " + padding));
          }
          long stormMillis = (System.nanoTime() - stormStarted) / 1_000_000;
          long during = rate(commits);
          System.out.printf("WatchEventsTest: %d writes/s before, %d with a watcher cut off (200000 events"
              + " published in %d ms)%n", before, during, stormMillis);
          assertTrue(during * 2 >= before, "the commit rate fell from " + before + "/s to " + during + "/s");
        } finally {
          stop.set(true);
          for (Thread t : writers) {
            t.join(WAIT.toMillis());
          }
        }
        assertEquals(null, failed.get(), "a write failed");

        // Reading at last, the watcher gets what was queued for it, then the number of events it lost before it
        // was cut off (those published after are not its: it is no longer a subscriber).
        DataInputStream in = new DataInputStream(stuck.getInputStream());
        long received = 0;
        long lost = 0;
        while (lost == 0) {
          byte[] frame = new byte[in.readInt()];
          in.readFully(frame);
          AdminResponse r = AdminResponse.parseFrom(frame);
          assertEquals(7, r.getId());
          received += r.getWatchEvents().getEventsCount();
          lost = r.getWatchEvents().getLost();
        }
        assertTrue(lost > 0, "received " + received + ", lost " + lost);
        assertTrue(received >= EventHub.BUFFER_EVENTS, "the watcher got at least its buffer: " + received);
        assertEquals(0, hub.subscribers(), "a watcher cut off is no longer a subscriber");
      }
    }
  }

  /** Writes a second, from how long the writers take to commit {@link #MEASURED} more (polled, with a deadline). */
  private static long rate(AtomicLong commits) throws InterruptedException {
    long target = commits.get() + MEASURED;
    long t0 = System.nanoTime();
    LocalCluster.await(MEASURED + " more writes", WAIT, () -> commits.get() >= target);
    return MEASURED * 1_000_000_000L / Math.max(1, System.nanoTime() - t0);
  }

  private static boolean waitEnded(EventWatch w) throws InterruptedException {
    LocalCluster.await("the watch to end", WAIT, () -> w.ended().isDone());
    return true;
  }

  private static int indexOf(List<Event> events, java.util.function.Predicate<Event> p) {
    for (int i = 0; i < events.size(); i++) {
      if (p.test(events.get(i))) {
        return i;
      }
    }
    return -1;
  }

  private static List<String> texts(List<Event> events) {
    return events.stream().map(e -> e.getKind() + ": " + e.getText()).toList();
  }

  private static int port(String address) {
    return Integer.parseInt(address.substring(address.lastIndexOf(':') + 1));
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }
}
