package io.raftd.transport;

import io.raftd.datadir.FileFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What is made from a few files (TLS contexts from PEM files, the admin tokens), made again when the files
 * change, so that certificates and tokens rotate without a restart. The files are looked at on use, at most
 * once a second; a set of files that does not load (say, half-copied) is logged and the last good one kept.
 * TLS connections already open keep the certificates they were made with.
 *
 * <p>Thread-safe.
 *
 * @param <C> what the files make
 */
public final class ReloadingFiles<C> {
  private static final Logger log = LoggerFactory.getLogger(ReloadingFiles.class);
  private static final long RECHECK_NANOS = 1_000_000_000L;

  /** Makes the contexts from the files as they are now. */
  public interface Loader<C> {
    /** @throws IOException naming the files, what does not load and what was expected */
    C load() throws IOException;
  }

  private record Loaded<C>(C contexts, String stamp) {}

  private final String table;
  private final List<Path> files;
  private final Loader<C> loader;
  private final LongSupplier nanoClock;
  private volatile Loaded<C> loaded;
  private final AtomicLong lastCheck;

  private ReloadingFiles(String table, List<Path> files, Loader<C> loader, LongSupplier nanoClock, Loaded<C> loaded) {
    this.table = table;
    this.files = files;
    this.loader = loader;
    this.nanoClock = nanoClock;
    this.loaded = loaded;
    this.lastCheck = new AtomicLong(nanoClock.getAsLong());
  }

  /**
   * Loads the files now.
   *
   * @param table the config table they come from, for messages ({@code peer_tls})
   * @param nanoClock the host's monotonic clock (HostRuntime's), which spaces the looks at the files
   * @throws IOException naming the file that does not load and why
   */
  public static <C> ReloadingFiles<C> load(String table, List<Path> files, Loader<C> loader, LongSupplier nanoClock)
      throws IOException {
    String stamp = stamp(table, files);
    return new ReloadingFiles<>(table, List.copyOf(files), loader, nanoClock, new Loaded<>(loader.load(), stamp));
  }

  /** The contexts to use now: loaded again first if the files changed since the last look a second or more ago. */
  public C current() {
    long now = nanoClock.getAsLong();
    long last = lastCheck.get();
    if (now - last >= RECHECK_NANOS && lastCheck.compareAndSet(last, now)) {
      reloadIfChanged();
    }
    return loaded.contexts();
  }

  private void reloadIfChanged() {
    try {
      String stamp = stamp(table, files);
      if (stamp.equals(loaded.stamp())) {
        return;
      }
      loaded = new Loaded<>(loader.load(), stamp);
      log.info("{}: reloaded {}", table, files);
    } catch (IOException e) {
      log.warn("{}: the changed files do not load, keeping what was loaded before: {}", table, e.getMessage());
    }
  }

  /** When and how large each file was: what a change of the files changes. */
  private static String stamp(String table, List<Path> files) throws IOException {
    StringBuilder s = new StringBuilder();
    for (Path f : files) {
      try {
        BasicFileAttributes a = Files.readAttributes(f, BasicFileAttributes.class);
        s.append(a.lastModifiedTime().toMillis()).append('/').append(a.size()).append(' ');
      } catch (IOException e) {
        throw new IOException(table + ": cannot read " + FileFailure.explain(e, f).getMessage(), e);
      }
    }
    return s.toString();
  }

  /** The innermost cause's message: what a bad PEM file's exception chain says at its bottom. */
  static String rootMessage(Throwable e) {
    Throwable t = e;
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
  }
}
