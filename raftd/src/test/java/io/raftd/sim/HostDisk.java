package io.raftd.sim;

import io.raftd.storage.ForwardingFileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A member's disk in the host simulator: its {@link SimFileSystem} (which outlives the member's crashes),
 * whose fsyncs take time, with a {@link SimHostRuntime#preempt} point before every operation, where another
 * lane of the member may run as a second thread would while this one waits on the disk; and writes under
 * the snapshot directory failing while {@link #failSnapshotWrites} is set.
 */
final class HostDisk extends ForwardingFileIO {
  final SimFileSystem fs;
  private final SimHostRuntime runtime;
  private final String snapshotDir;
  private final SplittableRandom random;
  boolean failSnapshotWrites;
  /** Snapshot writes refused while {@link #failSnapshotWrites} was set. */
  long snapshotWritesFailed;

  HostDisk(SimHostRuntime runtime, Path snapshotDir, SplittableRandom random) {
    this(new SimFileSystem(), runtime, snapshotDir, random);
  }

  private HostDisk(SimFileSystem fs, SimHostRuntime runtime, Path snapshotDir, SplittableRandom random) {
    super(fs);
    this.fs = fs;
    this.runtime = runtime;
    this.snapshotDir = snapshotDir.toString() + "/";
    this.random = random;
  }

  /** An fsync takes 50 µs to 2 ms, now and then 20 ms. */
  private long fsyncNanos() {
    return random.nextInt(50) == 0 ? 20_000_000 : 50_000 + random.nextLong(1_950_000);
  }

  @Override
  public Handle open(Path file, boolean create) throws IOException {
    runtime.preempt();
    return super.open(file, create);
  }

  @Override
  protected Handle handle(Path file, Handle opened) {
    boolean snapshotFile = file.toString().startsWith(snapshotDir);
    return new ForwardingHandle(opened) {
      @Override
      public void write(long position, ByteBuffer src) throws IOException {
        runtime.preempt();
        if (snapshotFile && failSnapshotWrites) {
          snapshotWritesFailed++;
          throw new IOException("injected: writing " + file + " failed");
        }
        h.write(position, src);
      }

      @Override
      public void force() throws IOException {
        runtime.preempt();
        h.force();
        runtime.advance(fsyncNanos());
      }

      @Override
      public void truncate(long size) throws IOException {
        runtime.preempt();
        h.truncate(size);
      }
    };
  }

  @Override
  public List<String> list(Path dir) throws IOException {
    runtime.preempt();
    return fs.list(dir);
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    runtime.preempt();
    fs.rename(from, to);
  }

  @Override
  public void delete(Path file) throws IOException {
    runtime.preempt();
    fs.delete(file);
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    runtime.preempt();
    fs.syncDirectory(dir);
    runtime.advance(fsyncNanos());
  }
}
