package io.raftd.statemachine;

import static io.raftd.kv.Kv.append;
import static io.raftd.kv.Kv.casAbsent;
import static io.raftd.kv.Kv.casValue;
import static io.raftd.kv.Kv.casVersion;
import static io.raftd.kv.Kv.delete;
import static io.raftd.kv.Kv.put;
import static io.raftd.kv.Kv.queryResult;
import static io.raftd.kv.Kv.readLog;
import static io.raftd.kv.Kv.scanPrefix;
import static io.raftd.statemachine.Log.close;
import static io.raftd.statemachine.Log.command;
import static io.raftd.statemachine.Log.keepAlive;
import static io.raftd.statemachine.Log.open;
import static io.raftd.statemachine.Log.plain;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import io.raftd.kv.KvStore;
import io.raftd.proto.AppendedRecord;
import io.raftd.proto.CommandResult;
import io.raftd.proto.CommandResult.Status;
import io.raftd.proto.KeyValue;
import io.raftd.proto.KvCas;
import io.raftd.proto.KvCommand;
import io.raftd.proto.KvCommandResult;
import io.raftd.proto.KvQueryResult;
import io.raftd.proto.LogCommand;
import io.raftd.proto.SessionCommand;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/**
 * SessionLayer(KvStore) against a model written as plainly as possible (linear scans, one map per concern),
 * under clients that lose, retry and duplicate their requests, acknowledge lazily, go idle until their
 * sessions expire, and replicas that restart from snapshots. Every result and every read must match.
 */
class SessionLayerModelTest {
  private static final int BOUND = 6;
  private static final long TERM = 5;
  private static final int CLIENTS = 4;
  private static final int KEYS = 6;

  /** The model: the session rules of thesis §6.3 and the store's, over plain collections. */
  private static final class Model {
    long logTime;
    final Map<Long, ModelSession> sessions = new HashMap<>();
    final TreeMap<ByteString, KeyValue> kvs = new TreeMap<>(ByteString.unsignedLexicographicalComparator());
    final List<AppendedRecord> records = new ArrayList<>();

    CommandResult apply(long index, LogCommand c) {
      logTime = Math.max(logTime, c.getStampMs());
      sessions.values().removeIf(s -> s.lastActive + s.timeout < logTime);
      switch (c.getBodyCase()) {
        case OPEN_SESSION -> {
          sessions.put(index, new ModelSession(c.getOpenSession().getTimeoutMs(), logTime));
          return CommandResult.newBuilder().setSession(index).build();
        }
        case COMMAND -> {
          SessionCommand sc = c.getCommand();
          ModelSession s = active(sc.getSession(), sc.getLowestPending());
          if (s == null) {
            return status(Status.SESSION_EXPIRED);
          }
          if (sc.getSeq() < s.lowestPending) {
            return status(Status.STALE);
          }
          if (s.kept.containsKey(sc.getSeq())) {
            return ok(s.kept.get(sc.getSeq()));
          }
          if (s.kept.size() >= BOUND) {
            return status(Status.BUSY);
          }
          ByteString response = kv(index, sc.getCommand());
          s.kept.put(sc.getSeq(), response);
          return ok(response);
        }
        case KEEP_ALIVE -> {
          return active(c.getKeepAlive().getSession(), c.getKeepAlive().getLowestPending()) == null
              ? status(Status.SESSION_EXPIRED) : CommandResult.getDefaultInstance();
        }
        case CLOSE_SESSION -> {
          return sessions.remove(c.getCloseSession().getSession()) == null
              ? status(Status.SESSION_EXPIRED) : CommandResult.getDefaultInstance();
        }
        case PLAIN -> {
          return ok(kv(index, c.getPlain()));
        }
        default -> throw new AssertionError(c);
      }
    }

    /** The session, marked active and trimmed, or null if it is not open. */
    private ModelSession active(long id, long lowestPending) {
      ModelSession s = sessions.get(id);
      if (s != null) {
        s.lastActive = logTime;
        s.lowestPending = Math.max(s.lowestPending, lowestPending);
        s.kept.keySet().removeIf(seq -> seq < s.lowestPending);
      }
      return s;
    }

    private ByteString kv(long index, ByteString bytes) {
      KvCommand c;
      try {
        c = KvCommand.parseFrom(bytes);
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError(e);
      }
      KvCommandResult.Builder r = KvCommandResult.newBuilder().setIndex(index).setTerm(TERM);
      switch (c.getOpCase()) {
        case PUT -> set(index, c.getPut().getKey(), c.getPut().getValue(), r);
        case DELETE -> r.setSucceeded(kvs.remove(c.getDelete().getKey()) != null);
        case CAS -> {
          KvCas cas = c.getCas();
          KeyValue now = kvs.get(cas.getKey());
          boolean matches = switch (cas.getExpectCase()) {
            case VALUE -> now != null && now.getValue().equals(cas.getValue());
            case VERSION -> now != null && now.getVersion() == cas.getVersion();
            case ABSENT -> (now == null) == cas.getAbsent();
            default -> false;
          };
          if (matches) {
            set(index, cas.getKey(), cas.getNewValue(), r);
          } else if (now != null) {
            r.setCurrent(now);
          }
        }
        case APPEND -> {
          records.add(AppendedRecord.newBuilder().setIndex(index).setTerm(TERM)
              .setPayload(c.getAppend().getPayload()).build());
          r.setSucceeded(true);
        }
        default -> throw new AssertionError(c);
      }
      return r.build().toByteString();
    }

    private void set(long index, ByteString key, ByteString value, KvCommandResult.Builder r) {
      KeyValue old = kvs.get(key);
      KeyValue kv = KeyValue.newBuilder().setKey(key).setValue(value)
          .setVersion(old == null ? 1 : old.getVersion() + 1)
          .setCreateIndex(old == null ? index : old.getCreateIndex())
          .setModIndex(index).build();
      kvs.put(key, kv);
      r.setSucceeded(true).setCurrent(kv);
    }

    private static CommandResult ok(ByteString response) {
      return CommandResult.newBuilder().setResult(response).build();
    }

    private static CommandResult status(Status status) {
      return CommandResult.newBuilder().setStatus(status).build();
    }
  }

  private static final class ModelSession {
    final long timeout;
    long lastActive;
    long lowestPending;
    final TreeMap<Long, ByteString> kept = new TreeMap<>();

    ModelSession(long timeout, long lastActive) {
      this.timeout = timeout;
      this.lastActive = lastActive;
    }
  }

  /** A client: its session, and the requests it still awaits a response to, by seq. */
  private static final class Client {
    long session;
    long nextSeq = 1;
    final TreeMap<Long, ByteString> awaiting = new TreeMap<>();
    final List<LogCommand> sent = new ArrayList<>();

    long lowestPending() {
      return awaiting.isEmpty() ? nextSeq : awaiting.firstKey();
    }
  }

  /** What the run saw, so that it can fail if the random search missed a case. */
  private static final class Seen {
    final Map<Status, Integer> statuses = new HashMap<>();
    int expirations;
    int restores;
  }

  @Test
  void sessionLayerOverKvStoreMatchesTheModel() throws IOException {
    Seen seen = new Seen();
    for (long seed = 0; seed < 25; seed++) {
      run(seed, seen);
    }
    for (Status s : List.of(Status.OK, Status.SESSION_EXPIRED, Status.BUSY, Status.STALE)) {
      assertTrue(seen.statuses.getOrDefault(s, 0) > 50, "too few " + s + ": " + seen.statuses);
    }
    assertTrue(seen.expirations > 20, "sessions expired " + seen.expirations + " times");
    assertTrue(seen.restores > 20, "restored " + seen.restores + " times");
  }

  private static void run(long seed, Seen seen) throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    Model model = new Model();
    SessionLayer layer = new SessionLayer(new KvStore(), BOUND);
    Map<String, ByteString> firstOk = new HashMap<>();
    List<Client> clients = new ArrayList<>();
    for (int i = 0; i < CLIENTS; i++) {
      clients.add(new Client());
    }
    long clock = 0;
    long index = 0;
    for (int step = 0; step < 2_000; step++) {
      String where = "seed " + seed + " step " + step;
      clock += random.nextInt(40);
      // Client i acts about half as often as client i - 1, so the quiet ones let their sessions lapse.
      Client client = clients.get(Math.min(CLIENTS - 1, Long.numberOfTrailingZeros(random.nextLong() | 1L << 62)));
      LogCommand entry = nextEntry(random, client, clock);
      if (entry == null) {
        continue;
      }
      int sessionsBefore = model.sessions.size();
      CommandResult expected = model.apply(++index, entry);
      CommandResult actual = layer.apply(index, TERM, entry);
      assertEquals(expected, actual, where + ": " + entry);
      if (model.sessions.size() < sessionsBefore && !entry.hasCloseSession()) {
        seen.expirations++;
      }
      seen.statuses.merge(actual.getStatus(), 1, Integer::sum);
      if (entry.hasCommand() && actual.getStatus() == Status.OK) {
        String request = entry.getCommand().getSession() + "/" + entry.getCommand().getSeq();
        assertEquals(firstOk.computeIfAbsent(request, r -> actual.getResult()), actual.getResult(),
            where + ": every delivery of " + request + " gets the first response");
      }
      receive(random, client, entry, actual);
      if (random.nextInt(20) == 0) {
        assertReadsMatch(model, layer, where);
      }
      if (random.nextInt(100) == 0) {
        layer = restarted(layer);
        seen.restores++;
      }
    }
    assertReadsMatch(model, layer, "seed " + seed + " at the end");
  }

  /** The client's next action as an entry, or null if it does nothing this step. */
  private static LogCommand nextEntry(SplittableRandom random, Client client, long clock) {
    // The leader's clock, as stamped: a deposed leader's entry may carry an older time.
    long stamp = random.nextInt(15) == 0 ? Math.max(0, clock - random.nextInt(300)) : clock;
    if (client.session == 0) {
      return open(stamp, 300 + random.nextInt(1_500));
    }
    int action = random.nextInt(100);
    if (action < 40) {
      long seq = client.nextSeq++;
      LogCommand c = command(stamp, client.session, seq, client.lowestPending(), randomKvCommand(random));
      client.awaiting.put(seq, c.getCommand().getCommand());
      client.sent.add(c);
      return random.nextInt(5) == 0 ? null : c;  // lost on the way: retried later
    }
    if (action < 65 && !client.awaiting.isEmpty()) {
      // A retry of an awaited request, carrying the client's lowest pending now.
      long seq = client.awaiting.keySet().stream().skip(random.nextInt(client.awaiting.size())).findFirst()
          .orElseThrow();
      return command(stamp, client.session, seq, client.lowestPending(), client.awaiting.get(seq));
    }
    if (action < 80 && !client.sent.isEmpty()) {
      // A duplicate the network kept, proposed again (so stamped anew) with its old lowest pending.
      LogCommand old = client.sent.get(client.sent.size() - 1 - random.nextInt(Math.min(client.sent.size(), 25)));
      return old.toBuilder().setStampMs(stamp).build();
    }
    if (action < 90) {
      return keepAlive(stamp, client.session, client.lowestPending());
    }
    if (action < 92) {
      long session = client.session;
      client.session = 0;
      client.awaiting.clear();
      return close(stamp, session);
    }
    return plain(stamp, randomKvCommand(random));
  }

  /** The client hears the result (or not: it may still be waiting when it is delivered again). */
  private static void receive(SplittableRandom random, Client client, LogCommand entry, CommandResult result) {
    if (entry.hasOpenSession() && client.session == 0) {
      client.session = result.getSession();
      client.nextSeq = 1;
      client.sent.clear();
    } else if (entry.hasCommand() || entry.hasKeepAlive()) {
      long session = entry.hasCommand() ? entry.getCommand().getSession() : entry.getKeepAlive().getSession();
      if (session != client.session) {
        return;
      }
      if (result.getStatus() == Status.SESSION_EXPIRED) {
        client.session = 0;
        client.awaiting.clear();
      } else if (entry.hasCommand() && result.getStatus() == Status.OK && random.nextInt(3) > 0) {
        client.awaiting.remove(entry.getCommand().getSeq());
      }
    }
  }

  private static ByteString randomKvCommand(SplittableRandom random) {
    String key = "k" + random.nextInt(KEYS);
    String value = "v" + random.nextInt(3);
    return switch (random.nextInt(7)) {
      case 0, 1 -> put(key, value);
      case 2 -> delete(key);
      case 3 -> casValue(key, "v" + random.nextInt(3), value);
      case 4 -> casVersion(key, random.nextInt(4), value);
      case 5 -> casAbsent(key, random.nextBoolean(), value);
      default -> append(value);
    };
  }

  private static void assertReadsMatch(Model model, SessionLayer layer, String where) {
    KvQueryResult all = queryResult(layer.query(scanPrefix("", -1)));
    assertEquals(new ArrayList<>(model.kvs.values()), all.getKvsList(), where + ": keys");
    assertEquals(model.records, queryResult(layer.query(readLog(0, -1))).getRecordsList(), where + ": records");
  }

  /** A replica restarted from a snapshot of this one. */
  private static SessionLayer restarted(SessionLayer layer) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    layer.snapshot().writeTo(out);
    SessionLayer restarted = new SessionLayer(new KvStore(), BOUND);
    restarted.restore(new ByteArrayInputStream(out.toByteArray()));
    assertEquals(layer.lastApplied(), restarted.lastApplied());
    return restarted;
  }
}
