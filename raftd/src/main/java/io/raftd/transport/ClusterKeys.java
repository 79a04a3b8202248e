package io.raftd.transport;

import io.raftd.proto.Hello;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * The secrets of the peer handshake (peer.proto): a key derived from each cluster token this member accepts,
 * the one it proves with when it connects, and the proofs both sides exchange. The token itself never
 * leaves this class: what crosses the wire are nonces, HMAC-SHA256 proofs and a key's fingerprint.
 *
 * <p>A token is shared by every member, so a proof says "a member of this cluster", not which one; the
 * member ids it covers are the ones the connector claims. Mutual TLS ({@code [peer_tls]}) adds which one.
 *
 * <p>Immutable and thread-safe.
 */
public final class ClusterKeys {
  static final int NONCE_BYTES = 32;
  private static final String KEY_LABEL = "raftd peer key v2";
  private static final byte[] KEY_ID_LABEL = "raftd key id".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] ACCEPTOR_LABEL = "raftd peer acceptor proof".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] CONNECTOR_LABEL = "raftd peer connector proof".getBytes(StandardCharsets.US_ASCII);
  private static final SecureRandom RANDOM = new SecureRandom();

  /** One usable key: the HMAC key derived from a token, and its public fingerprint. */
  private record Key(long id, byte[] secret) {}

  private final Key current;
  private final List<Key> accepted;

  private ClusterKeys(Key current, List<Key> accepted) {
    this.current = current;
    this.accepted = accepted;
  }

  /** No token: a member that neither connects to nor accepts any peer (a one-member cluster). */
  public static ClusterKeys none() {
    return new ClusterKeys(null, List.of());
  }

  /**
   * @param token the cluster token this member proves with, and accepts
   * @param previous tokens also accepted from peers while a rotation is rolled out
   */
  public static ClusterKeys of(String token, List<String> previous) {
    Key current = derive(token);
    List<Key> accepted = new ArrayList<>();
    accepted.add(current);
    for (String t : previous) {
      accepted.add(derive(t));
    }
    return new ClusterKeys(current, List.copyOf(accepted));
  }

  /** Whether this member has a token to connect with (and so accepts peers at all). */
  boolean usable() {
    return current != null;
  }

  /** The fingerprint of the key this member proves with when it connects. */
  long currentKeyId() {
    return current.id;
  }

  static byte[] nonce() {
    byte[] n = new byte[NONCE_BYTES];
    RANDOM.nextBytes(n);
    return n;
  }

  /** The accepted key with this fingerprint, if any. */
  Optional<byte[]> secretFor(long keyId) {
    for (Key k : accepted) {
      if (k.id == keyId) {
        return Optional.of(k.secret);
      }
    }
    return Optional.empty();
  }

  byte[] currentSecret() {
    return current.secret;
  }

  /** The acceptor's proof over the connector's Hello and the acceptor's nonce. */
  static byte[] acceptorProof(byte[] secret, Hello hello, byte[] acceptorNonce) {
    return mac(secret, ACCEPTOR_LABEL, transcript(hello, acceptorNonce));
  }

  /** The connector's proof over its own Hello and the acceptor's nonce. */
  static byte[] connectorProof(byte[] secret, Hello hello, byte[] acceptorNonce) {
    return mac(secret, CONNECTOR_LABEL, transcript(hello, acceptorNonce));
  }

  /** Compares proofs in time independent of where they differ. */
  static boolean same(byte[] expected, byte[] received) {
    return MessageDigest.isEqual(expected, received);
  }

  /**
   * Everything both proofs cover, in fixed-width fields, so that no two different handshakes share one:
   * the protocol version, purpose, cluster id, both member ids and both nonces.
   */
  private static byte[] transcript(Hello hello, byte[] acceptorNonce) {
    byte[] connectorNonce = hello.getNonce().toByteArray();
    return ByteBuffer.allocate(4 + 4 + 8 + 8 + 8 + 4 + connectorNonce.length + 4 + acceptorNonce.length)
        .putInt(hello.getProtocolVersion()).putInt(hello.getPurposeValue()).putLong(hello.getClusterId())
        .putLong(hello.getFrom()).putLong(hello.getTo())
        .putInt(connectorNonce.length).put(connectorNonce)
        .putInt(acceptorNonce.length).put(acceptorNonce)
        .array();
  }

  private static Key derive(String token) {
    byte[] secret = mac(token.getBytes(StandardCharsets.UTF_8), KEY_LABEL.getBytes(StandardCharsets.US_ASCII),
        new byte[0]);
    long id = ByteBuffer.wrap(mac(secret, KEY_ID_LABEL, new byte[0])).getLong();
    return new Key(id, secret);
  }

  private static byte[] mac(byte[] key, byte[] label, byte[] data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      mac.update(label);
      mac.update((byte) 0);
      mac.update(data);
      return mac.doFinal();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every Java runtime", e);
    }
  }
}
