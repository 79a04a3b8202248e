package io.raftd.host;

import com.google.protobuf.ByteString;
import io.raftd.statemachine.ChecksumListener;
import io.raftd.statemachine.SessionLayer;
import io.raftd.statemachine.Snapshot;
import java.io.IOException;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Divergence detection: replicas that applied the same entries must hold the same state, so a member whose
 * state differs (a non-deterministic state machine, memory or disk corruption that checksums missed) is
 * found and stops serving reads, rather than answering wrongly for ever. The leader proposes a mark every
 * divergence.check_interval_ms; every member, applying it, takes a SHA-256 of its state as of the mark (the
 * bytes a snapshot would hold, written on the snapshot writer's lane from a persistent view, so applies go
 * on); the leader proposes its own digest; every member compares its digest with the leader's as that entry
 * applies. One mismatch logs one ERROR, naming the index and both digests.
 */
public final class DivergenceCheck implements ChecksumListener {
  private static final Logger LOG = LoggerFactory.getLogger(DivergenceCheck.class);
  /** Marks whose digest is kept for the leader's report; older ones are forgotten. */
  private static final int KEPT = 16;

  /** Where this member's state first differed from the leader's. */
  public record Divergence(long markIndex, ByteString ours, ByteString leaders) {}

  private final SessionLayer state;
  private final Lane digester;
  private final BiConsumer<Long, ByteString> ownDigest;
  /** Apply thread: this member's digests at recent marks, computed or under way. */
  private final Map<Long, CompletableFuture<ByteString>> digests = new LinkedHashMap<>() {
    @Override
    protected boolean removeEldestEntry(Map.Entry<Long, CompletableFuture<ByteString>> eldest) {
      return size() > KEPT;
    }
  };
  private volatile Divergence diverged;
  private final AtomicLong compared = new AtomicLong();

  /**
   * @param digester the lane digests are computed on (the snapshot writer's: it writes the same bytes)
   * @param ownDigest told (mark index, digest) once this member's digest at a mark is known: a leader
   *     proposes it
   */
  public DivergenceCheck(SessionLayer state, Lane digester, BiConsumer<Long, ByteString> ownDigest) {
    this.state = state;
    this.digester = digester;
    this.ownDigest = ownDigest;
  }

  @Override
  public void markApplied(long index) {
    Snapshot view = state.snapshot();
    CompletableFuture<ByteString> digest = new CompletableFuture<>();
    digests.put(index, digest);
    digester.post(() -> {
      try {
        digest.complete(sha256(view));
      } catch (IOException | RuntimeException e) {
        LOG.warn("cannot digest the state at checksum mark {}: {}", index, e.getMessage());
        digest.completeExceptionally(e);
        return;
      }
      ownDigest.accept(index, digest.join());
    });
  }

  @Override
  public void reportApplied(long markIndex, ByteString leaders) {
    CompletableFuture<ByteString> ours = digests.get(markIndex);
    if (ours == null) {
      // This process started after the mark, or it is long gone: nothing to compare.
      LOG.debug("no digest of this member's state at checksum mark {} to compare", markIndex);
      return;
    }
    ours.thenAccept(digest -> compare(markIndex, digest, leaders));
  }

  private void compare(long markIndex, ByteString ours, ByteString leaders) {
    compared.incrementAndGet();
    if (ours.equals(leaders) || diverged != null) {
      return;
    }
    diverged = new Divergence(markIndex, ours, leaders);
    LOG.error("this member's state at index {} differs from the leader's (SHA-256 {} here, {} on the leader): it serves"
        + " no reads from now on. Its state machine is not deterministic, or its memory or disk corrupted it: stop it"
        + " and rebuild it from a healthy member", markIndex, hex(ours), hex(leaders));
  }

  /** Where this member's state first differed from the leader's, or null if it never did. Any thread. */
  public Divergence divergence() {
    return diverged;
  }

  /** Marks whose digest this member compared with the leader's. Any thread. */
  public long compared() {
    return compared.get();
  }

  static String hex(ByteString digest) {
    return HexFormat.of().formatHex(digest.toByteArray());
  }

  private static ByteString sha256(Snapshot view) throws IOException {
    MessageDigest sha;
    try {
      sha = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
    try (OutputStream out = new DigestOutputStream(OutputStream.nullOutputStream(), sha)) {
      view.writeTo(out);
    }
    return ByteString.copyFrom(sha.digest());
  }
}
