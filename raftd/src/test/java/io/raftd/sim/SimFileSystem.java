package io.raftd.sim;

import io.raftd.storage.FileIO;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * A file system in memory with the crash model the WAL is held to: bytes are durable once their file is
 * forced; names (creations, renames, deletions) once their directory is synced. On {@link #crash}, each
 * file keeps its durable content plus, of each write since its last force, none, all, or a random subset
 * of the 512-byte sectors it touched (sector writes are atomic); an unforced truncation may or may not
 * survive; each deletion since its directory's last sync survives or not, independently of the others (a
 * file system may persist a later unlink before an earlier one); every other name change since then
 * (creations, renames) is undone. Directories themselves are durable once created. Owned by one thread.
 */
public final class SimFileSystem implements FileIO {
  static final int SECTOR = 512;

  /** A file's bytes: what is durable, what is current, and the writes in between. */
  private static final class Inode {
    byte[] durable = new byte[0];
    byte[] current = new byte[0];
    final List<Object> pending = new ArrayList<>();  // PendingWrite or Long (a truncation)
  }

  private record PendingWrite(long position, byte[] bytes) {}

  private final TreeMap<String, Inode> names = new TreeMap<>();
  private final TreeMap<String, Inode> durableNames = new TreeMap<>();
  private final TreeMap<String, Boolean> directories = new TreeMap<>();

  /** The outcome of a crash, for coverage counts. */
  public record CrashOutcome(int pendingWrites, int writesFullyKept, int writesPartlyKept, int nameChangesUndone) {}

  @Override
  public Handle open(Path file, boolean create) throws IOException {
    String name = key(file);
    Inode inode = names.get(name);
    if (inode == null) {
      if (!create) {
        throw new FileNotFoundException(name);
      }
      requireDirectory(file.getParent());
      inode = new Inode();
      names.put(name, inode);
    }
    return new SimHandle(inode);
  }

  @Override
  public boolean exists(Path file) {
    return names.containsKey(key(file));
  }

  @Override
  public List<String> list(Path dir) throws IOException {
    requireDirectory(dir);
    String prefix = key(dir) + "/";
    List<String> out = new ArrayList<>();
    for (String name : names.keySet()) {
      if (name.startsWith(prefix) && name.indexOf('/', prefix.length()) < 0) {
        out.add(name.substring(prefix.length()));
      }
    }
    return out;
  }

  @Override
  public void rename(Path from, Path to) throws IOException {
    Inode inode = names.remove(key(from));
    if (inode == null) {
      throw new FileNotFoundException(key(from));
    }
    names.put(key(to), inode);
  }

  @Override
  public void delete(Path file) throws IOException {
    if (names.remove(key(file)) == null) {
      throw new FileNotFoundException(key(file));
    }
  }

  @Override
  public void createDirectories(Path dir) {
    for (Path p = dir; p != null; p = p.getParent()) {
      directories.put(key(p), true);
    }
  }

  /** Space is not modelled: the simulated disk never runs low (a full disk is simulated by its writes). */
  @Override
  public long usableSpace(Path dir) {
    return Long.MAX_VALUE;
  }

  @Override
  public void syncDirectory(Path dir) throws IOException {
    requireDirectory(dir);
    String prefix = key(dir) + "/";
    durableNames.keySet().removeIf(n -> inDirectory(n, prefix));
    names.forEach((n, inode) -> {
      if (inDirectory(n, prefix)) {
        durableNames.put(n, inode);
      }
    });
  }

  /** Power loss: see the class comment for what survives. */
  public CrashOutcome crash(SplittableRandom rnd) {
    int undone = 0;
    for (String n : names.keySet()) {
      if (durableNames.get(n) != names.get(n)) {
        undone++;
      }
    }
    List<String> deletionsKept = new ArrayList<>();
    for (String n : durableNames.keySet()) {
      if (!names.containsKey(n)) {
        if (rnd.nextBoolean()) {
          deletionsKept.add(n);
        } else {
          undone++;
        }
      }
    }
    names.clear();
    names.putAll(durableNames);
    for (String n : deletionsKept) {
      names.remove(n);
      durableNames.remove(n);
    }
    int pending = 0;
    int full = 0;
    int partial = 0;
    for (Inode inode : new java.util.LinkedHashSet<>(names.values())) {
      byte[] content = inode.durable;
      for (Object op : inode.pending) {
        if (op instanceof Long size) {
          if (rnd.nextBoolean()) {
            content = Arrays.copyOf(content, (int) (long) size);
          }
          continue;
        }
        PendingWrite w = (PendingWrite) op;
        pending++;
        int mode = rnd.nextInt(3);  // 0: nothing survives, 1: everything, 2: a random subset of sectors
        long firstSector = w.position() / SECTOR;
        long lastSector = (w.position() + w.bytes().length - 1) / SECTOR;
        boolean all = true;
        boolean any = false;
        for (long s = firstSector; s <= lastSector; s++) {
          boolean keep = mode == 1 || (mode == 2 && rnd.nextBoolean());
          all &= keep;
          any |= keep;
          if (keep) {
            content = applySector(content, w, s);
          }
        }
        if (all) {
          full++;
        } else if (any) {
          partial++;
        }
      }
      inode.durable = content;
      inode.current = content.clone();
      inode.pending.clear();
    }
    return new CrashOutcome(pending, full, partial, undone);
  }

  /** Copies the part of {@code w} that falls in sector {@code s} into {@code content}, growing it (zero-filled) if needed. */
  private static byte[] applySector(byte[] content, PendingWrite w, long s) {
    long from = Math.max(w.position(), s * SECTOR);
    long to = Math.min(w.position() + w.bytes().length, (s + 1) * SECTOR);
    byte[] out = content.length < to ? Arrays.copyOf(content, (int) to) : content;
    System.arraycopy(w.bytes(), (int) (from - w.position()), out, (int) from, (int) (to - from));
    return out;
  }

  private final class SimHandle implements Handle {
    private final Inode inode;

    SimHandle(Inode inode) {
      this.inode = inode;
    }

    @Override
    public long size() {
      return inode.current.length;
    }

    @Override
    public int read(long position, ByteBuffer dst) {
      if (position >= inode.current.length) {
        return -1;
      }
      int n = (int) Math.min(dst.remaining(), inode.current.length - position);
      dst.put(inode.current, (int) position, n);
      return n;
    }

    @Override
    public void write(long position, ByteBuffer src) {
      byte[] bytes = new byte[src.remaining()];
      src.get(bytes);
      if (bytes.length == 0) {
        return;
      }
      long end = position + bytes.length;
      if (end > inode.current.length) {
        inode.current = Arrays.copyOf(inode.current, (int) end);
      }
      System.arraycopy(bytes, 0, inode.current, (int) position, bytes.length);
      inode.pending.add(new PendingWrite(position, bytes));
    }

    @Override
    public void force() {
      inode.durable = inode.current.clone();
      inode.pending.clear();
    }

    @Override
    public void truncate(long size) {
      if (size < inode.current.length) {
        inode.current = Arrays.copyOf(inode.current, (int) size);
        inode.pending.add(size);
      }
    }

    @Override
    public void close() {}
  }

  private void requireDirectory(Path dir) throws IOException {
    if (dir == null || !directories.containsKey(key(dir))) {
      throw new FileNotFoundException("no directory " + dir);
    }
  }

  private static boolean inDirectory(String name, String prefix) {
    return name.startsWith(prefix) && name.indexOf('/', prefix.length()) < 0;
  }

  private static String key(Path p) {
    return p.normalize().toString();
  }
}
