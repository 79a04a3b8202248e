package io.raftd.statemachine;

import static io.raftd.kv.Kv.append;
import static io.raftd.kv.Kv.casValue;
import static io.raftd.kv.Kv.commandResult;
import static io.raftd.kv.Kv.get;
import static io.raftd.kv.Kv.put;
import static io.raftd.kv.Kv.queryResult;
import static io.raftd.statemachine.Log.close;
import static io.raftd.statemachine.Log.command;
import static io.raftd.statemachine.Log.keepAlive;
import static io.raftd.statemachine.Log.open;
import static io.raftd.statemachine.Log.plain;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.kv.KvStore;
import io.raftd.proto.CommandResult;
import io.raftd.proto.CommandResult.Status;
import io.raftd.proto.KeyValue;
import io.raftd.proto.LogCommand;
import io.raftd.proto.SessionState;
import io.raftd.proto.SessionsSnapshot;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SessionLayerTest {
  private static final long TERM = 2;

  private final CountingMachine machine = new CountingMachine(new KvStore());
  private SessionLayer layer = new SessionLayer(machine);
  private long index;

  /** Applies at the next index. */
  private CommandResult apply(LogCommand command) {
    return layer.apply(++index, TERM, command);
  }

  private static CommandResult status(Status status) {
    return CommandResult.newBuilder().setStatus(status).build();
  }

  private KeyValue read(String key) {
    return queryResult(layer.query(get(key))).getKvs(0);
  }

  @Test
  void aSessionIsNamedAfterTheIndexThatOpenedIt() {
    index = 6;
    assertEquals(CommandResult.newBuilder().setSession(7).build(), apply(open(0, 1_000)));
    assertEquals(List.of(7L), sessionIds(layer));
  }

  @Test
  void aCounterIncrementedFiveHundredTimesWithDuplicatesEndsAtFiveHundred() {
    SplittableRandom random = new SplittableRandom(7);
    long session = apply(open(0, 60_000)).getSession();
    apply(plain(0, put("counter", "0")));
    List<LogCommand> sent = new ArrayList<>();
    Map<Long, CommandResult> firstResponse = new HashMap<>();
    long lowestPending = 1;
    int cached = 0;
    int stale = 0;
    for (int i = 1; i <= 500; i++) {
      // The client acknowledges lazily: it still awaits up to 30 earlier responses.
      lowestPending = Math.max(lowestPending, i - random.nextInt(30));
      LogCommand increment =
          command(i, session, i, lowestPending, casValue("counter", String.valueOf(i - 1), String.valueOf(i)));
      sent.add(increment);
      CommandResult response = apply(increment);
      assertEquals(Status.OK, response.getStatus());
      assertTrue(commandResult(response.getResult()).getSucceeded(), "increment " + i);
      firstResponse.put((long) i, response);
      for (int d = random.nextInt(4); d > 0; d--) {
        LogCommand duplicate = sent.get(Math.max(0, sent.size() - 1 - random.nextInt(40)));
        long seq = duplicate.getCommand().getSeq();
        CommandResult again = apply(duplicate);
        if (seq < lowestPending) {
          assertEquals(status(Status.STALE), again, "seq " + seq);
          stale++;
        } else {
          assertEquals(firstResponse.get(seq), again, "seq " + seq);
          cached++;
        }
      }
    }
    assertEquals("500", read("counter").getValue().toStringUtf8());
    assertEquals(501, read("counter").getVersion());
    assertEquals(501, machine.applies, "the put and each increment once");
    assertTrue(cached > 100 && stale > 100, "duplicates both still kept and forgotten: " + cached + ", " + stale);
  }

  @Test
  void responsesBelowLowestPendingAreForgottenAndItNeverGoesBack() {
    long s = apply(open(0, 60_000)).getSession();
    LogCommand first = command(0, s, 1, 1, put("a", "1"));
    LogCommand second = command(0, s, 2, 1, put("a", "2"));
    LogCommand third = command(0, s, 3, 1, put("a", "3"));
    apply(first);
    apply(second);
    CommandResult thirdResponse = apply(third);
    apply(command(0, s, 4, 3, put("a", "4")));
    assertEquals(thirdResponse, apply(third), "3 is still awaited: its retry, carrying lowest pending 1, is answered");
    assertEquals(status(Status.STALE), apply(second), "an older lowest pending does not bring 2 back");
    assertEquals(status(Status.STALE), apply(first));
    assertEquals(CommandResult.getDefaultInstance(), apply(keepAlive(0, s, 5)));
    assertEquals(status(Status.STALE), apply(command(0, s, 4, 3, put("a", "4"))), "keep-alive trims too");
    assertEquals(4, machine.applies);
    assertEquals(5, table(layer).getSessions(0).getLowestPending());
    assertEquals(0, table(layer).getSessions(0).getResponsesCount());
  }

  @Test
  void aSessionKeepingTheMaximumOfResponsesIsBusyAndAppliesNothing() {
    layer = new SessionLayer(machine, 3);
    long s = apply(open(0, 60_000)).getSession();
    for (int seq = 1; seq <= 3; seq++) {
      assertEquals(Status.OK, apply(command(0, s, seq, 1, put("k", "v" + seq))).getStatus());
    }
    assertEquals(status(Status.BUSY), apply(command(0, s, 4, 1, put("k", "v4"))));
    assertEquals(3, machine.applies);
    assertEquals("v3", read("k").getValue().toStringUtf8());
    CommandResult fourth = apply(command(0, s, 4, 2, put("k", "v4")));
    assertEquals(Status.OK, fourth.getStatus(), "once 1 is acknowledged there is room");
    assertEquals(fourth, apply(command(0, s, 4, 2, put("k", "v4"))), "a kept response is answered at the bound");
    assertEquals(4, machine.applies);
  }

  /**
   * Log time was the largest stamp: one leader whose clock was a year ahead expired every session at once,
   * and log time then stood still for a year under leaders with right clocks (issue 12). Now a term's
   * first stamp moves log time at most {@link SessionLayer#MAX_STEP_MS}, and each leader's own progress
   * counts from there.
   */
  @Test
  void aLeaderWhoseClockIsFarAheadNeitherExpiresEverySessionNorStopsExpiry() {
    long now = 1_000_000;
    long idle = layer.apply(++index, 1, open(now, 60_000)).getSession();
    long busy = layer.apply(++index, 1, open(now, 60_000)).getSession();
    long yearAhead = now + 365L * 24 * 3600 * 1000;
    layer.apply(++index, 2, plain(yearAhead, put("a", "1")));  // term 2's leader: its clock is a year ahead
    assertEquals(now + SessionLayer.MAX_STEP_MS, table(layer).getLogTimeMs());
    assertEquals(List.of(idle, busy), sessionIds(layer), "a clock far ahead expired the sessions");
    layer.apply(++index, 2, keepAlive(yearAhead + 10_000, busy, 0));  // its own clock moves on 10 s

    // Term 3's leader has a right clock, behind log time: it adds only its own progress, which expires
    // the idle session once 60 s of it have passed, and keeps the busy one that keeps alive.
    long t = now + 1_000;
    layer.apply(++index, 3, keepAlive(t, busy, 0));
    for (int i = 0; i < 12; i++) {
      t += 10_000;
      layer.apply(++index, 3, keepAlive(t, busy, 0));
    }
    assertEquals(List.of(busy), sessionIds(layer), "expiry stopped after the leader whose clock was ahead");
    assertEquals(now + SessionLayer.MAX_STEP_MS + 10_000 + 120_000, table(layer).getLogTimeMs());
  }

  @Test
  void aSessionExpiresWhenLogTimePassesItsLastActivityPlusTimeout() {
    long s = apply(open(1_000, 500)).getSession();
    apply(plain(1_500, put("x", "1")));
    assertEquals(List.of(s), sessionIds(layer), "1000 + 500 is not before 1500");
    apply(command(1_400, s, 1, 1, put("x", "2")));
    assertEquals(1_500, table(layer).getSessions(0).getLastActiveMs(), "an older stamp does not turn time back");
    apply(plain(2_000, put("x", "3")));
    assertEquals(List.of(s), sessionIds(layer));
    apply(plain(2_001, put("x", "4")));
    assertEquals(List.of(), sessionIds(layer), "expired at the entry whose stamp passed 1500 + 500");
    assertEquals(status(Status.SESSION_EXPIRED), apply(command(2_001, s, 1, 1, put("x", "5"))),
        "even a seq whose response was kept");
    assertEquals(status(Status.SESSION_EXPIRED), apply(keepAlive(2_001, s, 1)));
    assertEquals(status(Status.SESSION_EXPIRED), apply(close(2_001, s)));
    assertEquals("4", read("x").getValue().toStringUtf8());
  }

  @Test
  void aSessionExpiresBeforeTheEntryThatFindsItExpiredIsCarriedOut() {
    long s = apply(open(0, 100)).getSession();
    assertEquals(status(Status.SESSION_EXPIRED), apply(command(101, s, 1, 1, put("x", "1"))));
    assertEquals(0, machine.applies);
  }

  @Test
  void keepAlivesPreventExpiry() {
    long s = apply(open(1_000, 500)).getSession();
    long other = apply(open(1_000, 500)).getSession();
    for (long t = 1_400; t <= 5_000; t += 400) {
      assertEquals(Status.OK, apply(keepAlive(t, s, 1)).getStatus());
    }
    assertEquals(List.of(s), sessionIds(layer), "the other session, idle, expired");
    assertEquals(status(Status.SESSION_EXPIRED), apply(keepAlive(5_000, other, 1)));
    apply(plain(5_500, put("x", "1")));
    assertEquals(List.of(s), sessionIds(layer), "5000 + 500 is not before 5500");
    apply(plain(5_501, put("x", "2")));
    assertEquals(List.of(), sessionIds(layer));
  }

  @Test
  void aClosedSessionIsGone() {
    long s = apply(open(0, 60_000)).getSession();
    assertEquals(CommandResult.getDefaultInstance(), apply(close(0, s)));
    assertEquals(status(Status.SESSION_EXPIRED), apply(command(0, s, 1, 1, put("a", "1"))));
    assertEquals(status(Status.SESSION_EXPIRED), apply(close(0, s)));
    assertEquals(status(Status.SESSION_EXPIRED), apply(command(0, 12345, 1, 1, put("a", "1"))), "never opened");
    assertEquals(0, machine.applies);
  }

  @Test
  void plainCommandsApplyEveryTime() {
    apply(plain(0, put("a", "1")));
    CommandResult again = apply(plain(0, put("a", "1")));
    assertEquals(2, commandResult(again.getResult()).getCurrent().getVersion());
    assertEquals(2, machine.applies);
  }

  @Test
  void expiryIsTheSameOnEveryReplicaWhateverItsHistory() throws IOException {
    SplittableRandom random = new SplittableRandom(11);
    List<LogCommand> log = randomLog(random, 3_000);
    SessionLayer whole = new SessionLayer(new KvStore());
    SessionLayer caughtUp = new SessionLayer(new KvStore());
    int expirations = 0;
    for (int i = 0; i < log.size(); i++) {
      long at = i + 1;
      CommandResult expected = whole.apply(at, TERM, log.get(i));
      if (i == 1_000) {
        // Joins from a snapshot: it never saw the first thousand entries, and rebuilds its expiry order.
        caughtUp.restore(new ByteArrayInputStream(written(whole.snapshot())));
        continue;
      }
      if (i > 1_000) {
        int before = table(caughtUp).getSessionsCount();
        assertEquals(expected, caughtUp.apply(at, TERM, log.get(i)), "index " + at);
        assertArrayEquals(written(whole.snapshot()), written(caughtUp.snapshot()), "index " + at);
        if (table(caughtUp).getSessionsCount() < before && !log.get(i).hasCloseSession()) {
          expirations++;
        }
      }
    }
    assertTrue(expirations > 20, "sessions expired " + expirations + " times");
  }

  @Test
  void snapshotAndRestoreKeepSessionsDedupAndTime() throws IOException {
    long s = apply(open(100, 1_000)).getSession();
    CommandResult firstPut = apply(command(100, s, 1, 1, put("a", "1")));
    apply(command(200, s, 2, 1, append("p")));
    apply(plain(300, put("b", "1")));
    Snapshot taken = layer.snapshot();
    byte[] bytes = written(taken);
    apply(command(400, s, 3, 1, put("a", "2")));
    assertArrayEquals(bytes, written(taken), "written after later applies, it holds the state when taken");

    CountingMachine restoredMachine = new CountingMachine(new KvStore());
    SessionLayer restored = new SessionLayer(restoredMachine);
    restored.restore(new ByteArrayInputStream(bytes));
    assertEquals(4, restored.lastApplied());
    assertEquals(firstPut, restored.apply(5, TERM, command(250, s, 1, 1, put("a", "1"))), "dedup survives");
    assertEquals(0, restoredMachine.applies);
    assertEquals("1", queryResult(restored.query(get("a"))).getKvs(0).getValue().toStringUtf8());
    restored.apply(6, TERM, plain(1_300, put("c", "1")));
    assertEquals(List.of(s), sessionIds(restored), "active at 300 (log time survives; the stamp 250 is older)");
    restored.apply(7, TERM, plain(1_301, put("c", "2")));
    assertEquals(List.of(), sessionIds(restored));
  }

  @Test
  void anEntryAtOrBelowLastAppliedIsIgnored() throws IOException {
    long s = apply(open(0, 60_000)).getSession();
    LogCommand putA = command(0, s, 1, 1, put("a", "1"));
    CommandResult response = apply(putA);
    assertEquals(response, layer.apply(2, TERM, putA), "the kept response");
    assertEquals(CommandResult.getDefaultInstance(), layer.apply(1, TERM, open(0, 60_000)));
    assertEquals(CommandResult.getDefaultInstance(), layer.apply(2, TERM, plain(0, put("a", "x"))));
    assertEquals(1, machine.applies);
    assertEquals(List.of(s), sessionIds(layer));
    assertEquals(2, layer.lastApplied());

    SessionLayer restarted = new SessionLayer(new KvStore());
    restarted.restore(new ByteArrayInputStream(written(layer.snapshot())));
    assertEquals(CommandResult.getDefaultInstance(), restarted.apply(2, TERM, plain(0, put("a", "x"))));
    assertEquals(1, queryResult(restarted.query(get("a"))).getKvs(0).getVersion(), "applied once across restarts");
  }

  @Test
  void anEntryThatIsNotALogCommandChangesNothingButIsApplied() throws IOException {
    apply(plain(0, put("a", "1")));
    byte[] before = written(machine.snapshot());
    assertEquals(status(Status.INVALID), layer.apply(2, TERM, ByteString.copyFrom(new byte[] {0})));
    assertEquals(2, layer.lastApplied());
    assertEquals(status(Status.INVALID), layer.apply(3, TERM, ByteString.EMPTY), "a LogCommand without a body");
    assertEquals(CommandResult.getDefaultInstance(), layer.apply(2, TERM, ByteString.copyFrom(new byte[] {0})));
    assertArrayEquals(before, written(machine.snapshot()));
    SplittableRandom random = new SplittableRandom(3);
    for (long at = 4; at < 1_000; at++) {
      byte[] garbage = new byte[random.nextInt(24)];
      random.nextBytes(garbage);
      long i = at;
      assertDoesNotThrow(() -> layer.apply(i, TERM, ByteString.copyFrom(garbage)));
    }
  }

  @Test
  void aSnapshotThatIsNotOneIsRefusedAndChangesNothing() throws IOException {
    long s = apply(open(0, 60_000)).getSession();
    apply(command(0, s, 1, 1, put("a", "1")));
    byte[] before = written(layer.snapshot());
    ByteArrayOutputStream damaged = new ByteArrayOutputStream();
    SessionsSnapshot.newBuilder().setLastApplied(99).build().writeDelimitedTo(damaged);
    damaged.write("not a store".getBytes(StandardCharsets.US_ASCII));
    for (byte[] bad : List.of(new byte[0], new byte[] {5, 1}, damaged.toByteArray())) {
      assertThrows(IOException.class, () -> layer.restore(new ByteArrayInputStream(bad)));
      assertArrayEquals(before, written(layer.snapshot()));
    }
  }

  /** A log of session traffic on few sessions, with stamps that mostly advance and sometimes go back. */
  private static List<LogCommand> randomLog(SplittableRandom random, int length) {
    List<LogCommand> log = new ArrayList<>();
    List<Long> opened = new ArrayList<>();
    long clock = 0;
    for (int i = 0; i < length; i++) {
      clock += random.nextInt(100);
      long stamp = random.nextInt(10) == 0 ? clock - random.nextInt(500) : clock;
      long session = opened.isEmpty() ? 1 : opened.get(random.nextInt(opened.size()));
      int op = random.nextInt(20);
      if (op < 2 || opened.isEmpty()) {
        opened.add((long) i + 1);
        log.add(open(stamp, 200 + random.nextInt(2_000)));
      } else if (op < 12) {
        long seq = 1 + random.nextInt(30);
        log.add(command(stamp, session, seq, Math.max(1, seq - random.nextInt(10)), put("k" + random.nextInt(9), "v")));
      } else if (op < 17) {
        log.add(keepAlive(stamp, session, random.nextInt(20)));
      } else if (op < 18) {
        log.add(close(stamp, session));
      } else {
        log.add(plain(stamp, append("p" + i)));
      }
    }
    return log;
  }

  private static List<Long> sessionIds(SessionLayer layer) {
    return table(layer).getSessionsList().stream().map(SessionState::getId).toList();
  }

  private static SessionsSnapshot table(SessionLayer layer) {
    try {
      return SessionsSnapshot.parseDelimitedFrom(new ByteArrayInputStream(written(layer.snapshot())));
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] written(Snapshot snapshot) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    snapshot.writeTo(out);
    return out.toByteArray();
  }
}
