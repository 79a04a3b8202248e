package io.raftd.kv;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Iterator;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Objects;

/**
 * An immutable sorted map. {@link #put} and {@link #remove} return a new map that shares all but the
 * O(log n) nodes on the changed path with this one (path copying), so keeping a reference to a map keeps
 * that version, unchanged, at no cost: a snapshot is a reference, and any thread may read a version while
 * newer ones are made. Null keys and values are not allowed.
 *
 * <p>An AVL tree (the heights of a node's subtrees differ by at most one), so every operation is O(log n)
 * whatever the keys: clients choose the keys, and a structure balanced by chance, such as a treap with
 * priorities hashed from the keys, can be degraded on purpose.
 */
public final class PersistentSortedMap<K, V> implements Iterable<Map.Entry<K, V>> {

  /** Immutable, and its fields final, so a tree is safely visible to any thread that sees its root. */
  private record Node<K, V>(K key, V value, Node<K, V> left, Node<K, V> right, int height) {}

  private final Comparator<? super K> order;
  private final Node<K, V> root;
  private final int size;

  private PersistentSortedMap(Comparator<? super K> order, Node<K, V> root, int size) {
    this.order = order;
    this.root = root;
    this.size = size;
  }

  /** The empty map, in {@code order}. */
  public static <K, V> PersistentSortedMap<K, V> empty(Comparator<? super K> order) {
    return new PersistentSortedMap<>(Objects.requireNonNull(order), null, 0);
  }

  public int size() {
    return size;
  }

  public boolean isEmpty() {
    return size == 0;
  }

  /** The value for {@code key}, or null if there is none. */
  public V get(K key) {
    Node<K, V> n = root;
    while (n != null) {
      int c = order.compare(key, n.key);
      if (c == 0) {
        return n.value;
      }
      n = c < 0 ? n.left : n.right;
    }
    return null;
  }

  /** The entry with the smallest key, or null if the map is empty. */
  public Map.Entry<K, V> first() {
    if (root == null) {
      return null;
    }
    Node<K, V> n = root;
    while (n.left != null) {
      n = n.left;
    }
    return Map.entry(n.key, n.value);
  }

  /** This map with {@code key} mapped to {@code value}. */
  public PersistentSortedMap<K, V> put(K key, V value) {
    Objects.requireNonNull(key);
    Objects.requireNonNull(value);
    int newSize = get(key) == null ? size + 1 : size;
    return new PersistentSortedMap<>(order, insert(root, key, value), newSize);
  }

  /** This map without {@code key}; this very map if it has no such key. */
  public PersistentSortedMap<K, V> remove(K key) {
    if (get(key) == null) {
      return this;
    }
    return new PersistentSortedMap<>(order, delete(root, key), size - 1);
  }

  /** Every entry, in key order. */
  @Override
  public Iterator<Map.Entry<K, V>> iterator() {
    return new InOrder<>(root, null, order);
  }

  /** The entries with keys at or after {@code from}, in key order. */
  public Iterator<Map.Entry<K, V>> iteratorFrom(K from) {
    return new InOrder<>(root, Objects.requireNonNull(from), order);
  }

  private Node<K, V> insert(Node<K, V> n, K key, V value) {
    if (n == null) {
      return new Node<>(key, value, null, null, 1);
    }
    int c = order.compare(key, n.key);
    if (c < 0) {
      return balance(n.key, n.value, insert(n.left, key, value), n.right);
    }
    if (c > 0) {
      return balance(n.key, n.value, n.left, insert(n.right, key, value));
    }
    return new Node<>(n.key, value, n.left, n.right, n.height);
  }

  /** Removes {@code key}, which the subtree holds. */
  private Node<K, V> delete(Node<K, V> n, K key) {
    int c = order.compare(key, n.key);
    if (c < 0) {
      return balance(n.key, n.value, delete(n.left, key), n.right);
    }
    if (c > 0) {
      return balance(n.key, n.value, n.left, delete(n.right, key));
    }
    if (n.left == null) {
      return n.right;
    }
    if (n.right == null) {
      return n.left;
    }
    Node<K, V> successor = n.right;
    while (successor.left != null) {
      successor = successor.left;
    }
    return balance(successor.key, successor.value, n.left, deleteFirst(n.right));
  }

  private static <K, V> Node<K, V> deleteFirst(Node<K, V> n) {
    if (n.left == null) {
      return n.right;
    }
    return balance(n.key, n.value, deleteFirst(n.left), n.right);
  }

  /**
   * A node over {@code left} and {@code right}, whose heights differ by at most two (one insertion or
   * removal below a balanced node), rotated back to a difference of at most one.
   */
  private static <K, V> Node<K, V> balance(K key, V value, Node<K, V> left, Node<K, V> right) {
    int hl = height(left);
    int hr = height(right);
    if (hl > hr + 1) {
      if (height(left.left) >= height(left.right)) {
        return node(left.key, left.value, left.left, node(key, value, left.right, right));
      }
      Node<K, V> lr = left.right;
      return node(lr.key, lr.value, node(left.key, left.value, left.left, lr.left), node(key, value, lr.right, right));
    }
    if (hr > hl + 1) {
      if (height(right.right) >= height(right.left)) {
        return node(right.key, right.value, node(key, value, left, right.left), right.right);
      }
      Node<K, V> rl = right.left;
      return node(rl.key, rl.value, node(key, value, left, rl.left), node(right.key, right.value, rl.right, right.right));
    }
    return node(key, value, left, right);
  }

  private static <K, V> Node<K, V> node(K key, V value, Node<K, V> left, Node<K, V> right) {
    return new Node<>(key, value, left, right, 1 + Math.max(height(left), height(right)));
  }

  private static int height(Node<?, ?> n) {
    return n == null ? 0 : n.height;
  }

  /** In-order walk with an explicit stack: the nodes whose left part is done and who are still to come. */
  private static final class InOrder<K, V> implements Iterator<Map.Entry<K, V>> {
    private final ArrayDeque<Node<K, V>> pending = new ArrayDeque<>();

    /** Starts at the first key at or after {@code from}, or at the first key if {@code from} is null. */
    InOrder(Node<K, V> root, K from, Comparator<? super K> order) {
      Node<K, V> n = root;
      while (n != null) {
        if (from == null || order.compare(n.key, from) >= 0) {
          pending.push(n);
          n = n.left;
        } else {
          n = n.right;
        }
      }
    }

    @Override
    public boolean hasNext() {
      return !pending.isEmpty();
    }

    @Override
    public Map.Entry<K, V> next() {
      if (pending.isEmpty()) {
        throw new NoSuchElementException();
      }
      Node<K, V> n = pending.pop();
      for (Node<K, V> m = n.right; m != null; m = m.left) {
        pending.push(m);
      }
      return Map.entry(n.key, n.value);
    }
  }
}
