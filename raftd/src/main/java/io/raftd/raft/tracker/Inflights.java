package io.raftd.raft.tracker;

/**
 * The bounded window of AppendEntries sent to one follower in replicate state and not yet acknowledged,
 * remembered by the last index each carried. The leader pipelines (sends without waiting for a response)
 * until the window is full; an acknowledgement of index i frees every message that ended at or below i.
 * Invariant: indexes in the window strictly increase from the oldest to the newest.
 */
public final class Inflights {
  private final long[] ring;
  private int start;
  private int count;

  public Inflights(int capacity) {
    if (capacity < 1) {
      throw new IllegalArgumentException("in-flight window must hold at least one message");
    }
    this.ring = new long[capacity];
  }

  public void add(long lastIndex) {
    if (full()) {
      throw new IllegalStateException("in-flight window is full");
    }
    ring[(start + count) % ring.length] = lastIndex;
    count++;
  }

  /** Frees every message whose last index is at or below {@code index}. */
  public void freeLE(long index) {
    while (count > 0 && ring[start] <= index) {
      start = (start + 1) % ring.length;
      count--;
    }
  }

  /** Frees the oldest message in flight. */
  public void freeFirst() {
    if (count > 0) {
      start = (start + 1) % ring.length;
      count--;
    }
  }

  public void reset() {
    start = 0;
    count = 0;
  }

  public boolean full() {
    return count == ring.length;
  }

  public int count() {
    return count;
  }
}
