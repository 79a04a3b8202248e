package io.raftd.logentry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import io.raftd.proto.ChecksumMark;
import io.raftd.proto.ChecksumReport;
import io.raftd.proto.CloseSession;
import io.raftd.proto.Configuration;
import io.raftd.proto.Entry;
import io.raftd.proto.EntryType;
import io.raftd.proto.KeepAlive;
import io.raftd.proto.KvAppend;
import io.raftd.proto.KvCas;
import io.raftd.proto.KvCommand;
import io.raftd.proto.KvDelete;
import io.raftd.proto.KvPut;
import io.raftd.proto.LogCommand;
import io.raftd.proto.LogEntry;
import io.raftd.proto.Member;
import io.raftd.proto.OpenSession;
import io.raftd.proto.SessionCommand;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Every kind of entry raftd writes, decoded and summed up in one line; and what it does not write, kept as bytes. */
class EntryDecoderTest {
  private static final Map<Long, String> NAMES = Map.of(1L, "n1", 2L, "n2", 3L, "n3");
  private static final Configuration BOOT = Configuration.newBuilder().addVoters(1).addVoters(2).addVoters(3).build();

  private static EntryDecoder kv() {
    return new EntryDecoder(true, NAMES::get, false, BOOT);
  }

  private static Entry normal(long index, LogCommand.Builder c) {
    return Entry.newBuilder().setIndex(index).setTerm(2).setType(EntryType.NORMAL)
        .setData(c.setStampMs(1_700_000_000_000L).build().toByteString()).build();
  }

  private static LogCommand.Builder plain(KvCommand.Builder kv) {
    return LogCommand.newBuilder().setPlain(kv.build().toByteString());
  }

  private static LogCommand.Builder inSession(long session, long seq, KvCommand.Builder kv) {
    return LogCommand.newBuilder().setCommand(SessionCommand.newBuilder().setSession(session).setSeq(seq)
        .setLowestPending(seq).setCommand(kv.build().toByteString()));
  }

  private static ByteString utf8(String s) {
    return ByteString.copyFrom(s, StandardCharsets.UTF_8);
  }

  private static KvCommand.Builder put(ByteString key, ByteString value) {
    return KvCommand.newBuilder().setPut(KvPut.newBuilder().setKey(key).setValue(value));
  }

  @Test
  void theStoresCommandsInAndOutOfSessions() {
    EntryDecoder d = kv();
    LogEntry put = d.decode(normal(5, inSession(4, 7, put(utf8("greeting"), utf8("hello")))));
    assertEquals("put", put.getKind());
    assertEquals("session 4 seq 7: put \"greeting\"=\"hello\" (5 B)", put.getSummary());
    assertEquals(4, put.getSession());
    assertEquals(7, put.getSeq());
    assertEquals(1_700_000_000_000L, put.getStampMs());
    assertEquals(5, put.getIndex());
    assertEquals(2, put.getTerm());
    assertEquals(EntryType.NORMAL, put.getType());
    assertEquals(normal(5, inSession(4, 7, put(utf8("greeting"), utf8("hello")))).getData().size(), put.getSize());

    assertEquals("delete \"greeting\"", d.decode(normal(6, plain(KvCommand.newBuilder()
        .setDelete(KvDelete.newBuilder().setKey(utf8("greeting")))))).getSummary());
    assertEquals("append \"first record\" (12 B)", d.decode(normal(7, plain(KvCommand.newBuilder()
        .setAppend(KvAppend.newBuilder().setPayload(utf8("first record")))))).getSummary());

    KvCas.Builder cas = KvCas.newBuilder().setKey(utf8("k")).setNewValue(utf8("new"));
    assertEquals("cas \"k\" if \"old\", set \"new\" (3 B)", summary(d, cas.clone().setValue(utf8("old"))));
    assertEquals("cas \"k\" if version 3, set \"new\" (3 B)", summary(d, cas.clone().setVersion(3)));
    assertEquals("cas \"k\" if absent, set \"new\" (3 B)", summary(d, cas.clone().setAbsent(true)));
    assertEquals("cas \"k\" if present, set \"new\" (3 B)", summary(d, cas.clone().setAbsent(false)));
    assertEquals("cas \"k\" with no expectation (never sets), set \"new\" (3 B)", summary(d, cas.clone()));
    LogEntry byVersion = d.decode(normal(8, plain(KvCommand.newBuilder().setCas(cas.clone().setVersion(3)))));
    assertEquals("cas", byVersion.getKind());
    assertEquals(3, byVersion.getExpectedVersion());
    assertEquals(utf8("new"), byVersion.getValue().getBytes());
  }

  private static String summary(EntryDecoder d, KvCas.Builder cas) {
    return d.decode(normal(8, plain(KvCommand.newBuilder().setCas(cas)))).getSummary();
  }

  @Test
  void bytesAreShownUnambiguouslyAndLongOnesCutShortWithTheirSize() {
    EntryDecoder d = kv();
    ByteString binary = ByteString.copyFrom(new byte[] {(byte) 0xff, 0x00, 'a', '"', '\\', '\n'});
    assertEquals("put \"\\xff\\x00a\\\"\\\\\\x0a\"=\"caf\u00e9\" (5 B)",
        d.decode(normal(9, plain(put(binary, utf8("caf\u00e9"))))).getSummary());
    assertEquals("\"\\\\x41\"", ByteText.quoted(utf8("\\x41")), "a backslash is escaped: text never reads as an escape");

    ByteString big = utf8("\u00e9".repeat(2000));  // 4000 bytes of two-byte characters
    LogEntry cut = d.decode(normal(10, plain(put(utf8("big"), big))));
    assertEquals(4000, cut.getValue().getSize());
    assertTrue(cut.getValue().getBytes().size() <= EntryDecoder.EXCERPT_BYTES, "only the first bytes are kept");
    assertTrue(cut.getValue().getBytes().isValidUtf8(), "the cut does not split a character");
    assertEquals("put \"big\"=\"" + "\u00e9".repeat(20) + "\"... (4000 B)", cut.getSummary());

    LogEntry whole = new EntryDecoder(true, NAMES::get, true, BOOT).decode(normal(10, plain(put(utf8("big"), big))));
    assertEquals(big, whole.getValue().getBytes(), "in full, every byte");
    assertEquals(cut.getSummary(), whole.getSummary(), "the one line stays short");
  }

  @Test
  void sessionsAndChecksums() {
    EntryDecoder d = kv();
    LogEntry open = d.decode(normal(12, LogCommand.newBuilder().setOpenSession(OpenSession.newBuilder().setTimeoutMs(60000))));
    assertEquals("open-session", open.getKind());
    assertEquals(12, open.getSession(), "a session's id is its entry's index");
    assertEquals("open session 12 (timeout 60000 ms)", open.getSummary());
    assertEquals("keep-alive session 12 (lowest pending 3)", d.decode(normal(13, LogCommand.newBuilder()
        .setKeepAlive(KeepAlive.newBuilder().setSession(12).setLowestPending(3)))).getSummary());
    assertEquals("close session 12", d.decode(normal(14, LogCommand.newBuilder()
        .setCloseSession(CloseSession.newBuilder().setSession(12)))).getSummary());
    assertEquals("checksum mark: every member digests its state as of here", d.decode(normal(15, LogCommand.newBuilder()
        .setChecksumMark(ChecksumMark.getDefaultInstance()))).getSummary());
    byte[] digest = new byte[32];
    digest[0] = (byte) 0xab;
    LogEntry report = d.decode(normal(16, LogCommand.newBuilder().setChecksumReport(
        ChecksumReport.newBuilder().setMarkIndex(15).setDigest(ByteString.copyFrom(digest)))));
    assertEquals("checksum report for the mark at 15: SHA-256 ab000000000000000000000000000000... (32 B, hex)",
        report.getSummary());
    assertEquals(15, report.getMarkIndex());
  }

  @Test
  void aNoopAndConfigurationsWithTheirOldAndNewVotersByName() {
    EntryDecoder d = kv();
    LogEntry noop = d.decode(Entry.newBuilder().setIndex(1).setTerm(1).setType(EntryType.NOOP).build());
    assertEquals("noop", noop.getKind());
    assertEquals("no-op: a new leader's first entry", noop.getSummary());

    Member n4 = Member.newBuilder().setId(4).setName("n4").build();
    long unknown = 0x5a9431d1075be6c0L;
    Configuration joint = Configuration.newBuilder().addVoters(1).addVoters(2).addVoters(4).addOutgoingVoters(1)
        .addOutgoingVoters(2).addOutgoingVoters(3).addLearners(unknown).addAutoPromote(unknown).addMembers(n4).build();
    LogEntry entered = d.decode(config(20, joint));
    assertEquals("config", entered.getKind());
    assertTrue(entered.getConfiguration().getJoint());
    assertEquals(List.of("n1", "n2", "n4"), entered.getConfiguration().getVotersList(), "n4 named by the entry itself");
    assertEquals(List.of("n1", "n2", "n3"), entered.getConfiguration().getOldVotersList());
    assertEquals("config (joint): voters n1, n2, n3 -> n1, n2, n4; learners 5a9431d1075be6c0 (to promote)",
        entered.getSummary());

    Configuration left = Configuration.newBuilder().addVoters(1).addVoters(2).addVoters(4).addMembers(n4).build();
    LogEntry leaving = d.decode(config(21, left));
    assertFalse(leaving.getConfiguration().getJoint());
    assertEquals(List.of("n1", "n2", "n3"), leaving.getConfiguration().getOldVotersList(), "the joint one's old half");
    assertEquals("config: voters n1, n2, n3 -> n1, n2, n4; no learners", leaving.getSummary());

    d.snapshot(15, BOOT);  // a segment's start repeats an older snapshot's record: the entry at 21 still holds
    assertEquals(List.of("n1", "n2", "n4"), d.decode(config(22, left)).getConfiguration().getOldVotersList());
    d.snapshot(30, joint);  // a newer snapshot's configuration holds from there on
    assertEquals(List.of("n1", "n2", "n3"), d.decode(config(31, left)).getConfiguration().getOldVotersList());

    LogEntry unknownBefore = new EntryDecoder(true, NAMES::get, false, null).decode(config(21, left));
    assertEquals(List.of(), unknownBefore.getConfiguration().getOldVotersList(), "empty: not known");
    assertEquals("config: voters n1, n2, n4; no learners", unknownBefore.getSummary());
  }

  private static Entry config(long index, Configuration c) {
    return Entry.newBuilder().setIndex(index).setTerm(3).setType(EntryType.CONFIG).setData(c.toByteString()).build();
  }

  @Test
  void anotherMachinesCommandsAndDataRaftdDoesNotWriteAreKeptAsHexWithTheirLength() {
    ByteString storeBytes = put(utf8("k"), utf8("v")).build().toByteString();
    LogEntry other = new EntryDecoder(false, NAMES::get, false, BOOT).decode(normal(30, LogCommand.newBuilder()
        .setPlain(storeBytes)));
    assertEquals("command", other.getKind(), "not the built-in store: its bytes are not read as the store's");
    assertEquals("command " + ByteText.hex(storeBytes) + " (" + storeBytes.size() + " B, hex)", other.getSummary());

    ByteString opaque = ByteString.copyFrom(new byte[100]);
    LogEntry notKv = kv().decode(normal(31, LogCommand.newBuilder().setCommand(SessionCommand.newBuilder()
        .setSession(4).setSeq(2).setCommand(opaque))));
    assertEquals("command", notKv.getKind(), "zeros parse as some message, but are no command of the store's");
    assertEquals("session 4 seq 2: command 00000000000000000000000000000000... (100 B, hex)", notKv.getSummary());
    assertEquals(EntryDecoder.EXCERPT_BYTES, notKv.getValue().getBytes().size());
    assertEquals(100, notKv.getValue().getSize());

    LogEntry garbage = kv().decode(Entry.newBuilder().setIndex(32).setTerm(2).setType(EntryType.NORMAL)
        .setData(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff, 1})).build());
    assertEquals("undecodable", garbage.getKind());
    assertEquals("undecodable, not a command raftd writes: ffff01 (3 B, hex)", garbage.getSummary());
    LogEntry empty = kv().decode(Entry.newBuilder().setIndex(33).setTerm(2).setType(EntryType.NORMAL).build());
    assertEquals("undecodable, no data", empty.getSummary());
    LogEntry badConfig = kv().decode(Entry.newBuilder().setIndex(34).setTerm(2).setType(EntryType.CONFIG)
        .setData(ByteString.copyFrom(new byte[] {(byte) 0xff})).build());
    assertEquals("undecodable, not a configuration: ff (1 B, hex)", badConfig.getSummary());
  }
}
