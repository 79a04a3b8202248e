package io.raftd.transport;

import static io.raftd.transport.Peers.awaitTrue;
import static io.raftd.transport.Peers.deliver;
import static io.raftd.transport.Peers.heartbeat;
import static io.raftd.transport.Peers.introduce;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.raftd.proto.ProbeReply;
import io.raftd.proto.ProbeRequest;
import io.raftd.transport.Peers.Member;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS on the peer port: members of one CA whose certificates name them talk; a plaintext peer, a
 * certificate of another CA, or a certificate naming another member is refused in either direction and
 * delivers nothing; a TLS member never falls back to plaintext; changed certificate files are used without a
 * restart.
 */
class PeerTlsTest {
  @TempDir static Path certs;
  static TestCertificates ca;
  static TestCertificates otherCa;

  @TempDir Path dir;
  Peers peers;

  @BeforeAll
  static void makeCertificates() throws IOException {
    ca = new TestCertificates(certs, "cluster");
    otherCa = new TestCertificates(certs, "other");
  }

  @BeforeEach
  void setUp() {
    peers = new Peers(dir);
  }

  @AfterEach
  void tearDown() {
    peers.close();
  }

  private Member start(long id, PeerTls tls) throws IOException {
    return peers.start(id, Peers.CLUSTER, 0, Options.defaults(), Peers.KEYS, tls);
  }

  private static PeerTls tls(TestCertificates issuer, String name, Path caFile) throws IOException {
    TestCertificates.Issued issued = issuer.issue(name + "-" + System.nanoTime(), name);
    return PeerTls.load(issued.cert(), issued.key(), caFile, System::nanoTime);
  }

  @Test
  void membersOfOneCaWhoseCertificatesNameThemTalk() throws Exception {
    Member a = start(1, tls(ca, "n1", ca.ca()));
    Member b = start(2, tls(ca, "n2", ca.ca()));
    introduce(a, b);
    deliver(a, b, heartbeat(1, 2, 1));
    deliver(b, a, heartbeat(2, 1, 1));
    ProbeReply reply = a.transport().probe(b.address(), ProbeRequest.getDefaultInstance(), Duration.ofSeconds(10))
        .get(20, TimeUnit.SECONDS);
    assertEquals(2, reply.getMemberId());
  }

  @Test
  void aPlaintextPeerIsRefusedAndATlsMemberNeverFallsBackToPlaintext() throws Exception {
    Member secure = start(1, tls(ca, "n1", ca.ca()));
    Member plain = start(2, null);
    introduce(secure, plain);
    awaitTrue(() -> {
      plain.transport().send(heartbeat(2, 1, 1));
      secure.transport().send(heartbeat(1, 2, 1));
      return secure.counters().connectionsClosedForBadInput() > 0 && secure.heard().unreachable.contains(2L)
          && plain.heard().unreachable.contains(1L);
    }, () -> "the plaintext and the TLS member never refused each other");
    assertTrue(secure.heard().messages.isEmpty(), "a plaintext message was delivered");
    assertTrue(plain.heard().messages.isEmpty(), "a TLS member sent in plaintext");
    try (RawPeer raw = new RawPeer(secure.address())) {
      raw.writeIfOpen(io.raftd.proto.PeerFrame.newBuilder().setHello(RawPeer.hello(2, 1)).build());
      assertTrue(raw.closedByPeer(), "a plaintext Hello was not refused");
    }
  }

  @Test
  void aCertificateOfAnotherCaIsRefused() throws Exception {
    Member a = start(1, tls(ca, "n1", ca.ca()));
    Member stranger = start(2, tls(otherCa, "n2", ca.ca()));  // trusts the cluster's CA, but is not of it
    introduce(a, stranger);
    awaitTrue(() -> {
      stranger.transport().send(heartbeat(2, 1, 1));
      return a.counters().connectionsClosedForBadInput() > 0;
    }, () -> "a certificate of another CA was not refused");
    assertTrue(a.heard().messages.isEmpty());
  }

  @Test
  void aCertificateNamingAnotherMemberCannotSpeakForThisOne() throws Exception {
    Member a = start(1, tls(ca, "n1", ca.ca()));
    // Member 2 holds the cluster's token and a certificate of the cluster's CA, but one that names n3.
    Member impostor = start(2, tls(ca, "n3", ca.ca()));
    introduce(a, impostor);
    awaitTrue(() -> {
      impostor.transport().send(heartbeat(2, 1, 1));
      a.transport().send(heartbeat(1, 2, 1));
      return a.counters().connectionsClosedForBadInput() > 0 && a.heard().unreachable.contains(2L);
    }, () -> "a certificate naming n3 spoke for member 2, or member 1 trusted it");
    assertTrue(a.heard().messages.isEmpty(), "a message from a member its certificate does not name was delivered");
    assertTrue(impostor.heard().messages.isEmpty(), "member 1 sent to a member its certificate does not name");
  }

  @Test
  void changedCertificateFilesAreUsedWithoutARestart() throws Exception {
    Path trusted = dir.resolve("trusted-ca.crt");
    Files.copy(ca.ca(), trusted);
    Member a = start(1, tls(ca, "n1", trusted));
    // Issued by a CA member 1 does not trust yet; it trusts member 1's.
    Member newcomer = start(2, tls(otherCa, "n2", ca.ca()));
    introduce(a, newcomer);
    awaitTrue(() -> {
      newcomer.transport().send(heartbeat(2, 1, 1));
      return a.counters().connectionsClosedForBadInput() > 0;
    }, () -> "member 1 trusted a CA it was not given");
    ExecutionException refused = assertThrows(ExecutionException.class, () -> newcomer.transport()
        .probe(a.address(), ProbeRequest.getDefaultInstance(), Duration.ofSeconds(5)).get(20, TimeUnit.SECONDS));
    assertTrue(refused.getCause() instanceof IOException, refused.toString());

    // Both CAs in member 1's bundle now (a CA rotation's first step), replaced atomically as an operator would.
    Path next = dir.resolve("next-ca.crt");
    Files.writeString(next, Files.readString(ca.ca()) + Files.readString(otherCa.ca()));
    Files.move(next, trusted, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    awaitTrue(() -> {
      newcomer.transport().send(heartbeat(2, 1, 7));
      return a.heard().got(heartbeat(2, 1, 7));
    }, () -> "member 1 did not take up its new CA bundle");
  }
}
