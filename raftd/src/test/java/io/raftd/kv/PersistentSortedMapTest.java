package io.raftd.kv;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class PersistentSortedMapTest {

  private static final PersistentSortedMap<Integer, String> EMPTY =
      PersistentSortedMap.empty(Comparator.naturalOrder());

  /** A version of the map and what it held when it was made. */
  private record Version(PersistentSortedMap<Integer, String> map, TreeMap<Integer, String> expected) {}

  @Test
  void randomOperationsMatchTreeMapAndOldVersionsNeverChange() {
    for (long seed = 0; seed < 20; seed++) {
      SplittableRandom random = new SplittableRandom(seed);
      PersistentSortedMap<Integer, String> map = EMPTY;
      TreeMap<Integer, String> expected = new TreeMap<>();
      List<Version> versions = new ArrayList<>();
      int keySpace = 1 + random.nextInt(300);
      for (int step = 0; step < 3_000; step++) {
        int key = random.nextInt(keySpace);
        int op = random.nextInt(10);
        if (op < 5) {
          String value = "v" + step;
          map = map.put(key, value);
          expected.put(key, value);
        } else if (op < 8) {
          map = map.remove(key);
          expected.remove(key);
        } else if (op < 9) {
          assertEquals(expected.get(key), map.get(key), "seed " + seed + " step " + step);
        } else {
          assertEntries(expected.tailMap(key, true), map.iteratorFrom(key), "seed " + seed + " step " + step);
        }
        assertEquals(expected.size(), map.size(), "seed " + seed + " step " + step);
        if (random.nextInt(50) == 0) {
          versions.add(new Version(map, new TreeMap<>(expected)));
        }
      }
      assertEntries(expected, map.iterator(), "seed " + seed + " at the end");
      for (Version v : versions) {
        assertEntries(v.expected(), v.map().iterator(), "seed " + seed + ": an old version changed");
        assertEquals(v.expected().size(), v.map().size());
      }
    }
  }

  @Test
  void keysInOrderStayBalanced() {
    // Ascending and descending keys make an unbalanced tree a list: its recursion would overflow the stack.
    int n = 200_000;
    PersistentSortedMap<Integer, String> map = EMPTY;
    for (int i = 0; i < n; i++) {
      map = map.put(i, "a").put(-i - 1, "b");
    }
    assertEquals(2 * n, map.size());
    assertEquals(Map.entry(-n, "b"), map.first());
    for (int i = 0; i < n; i++) {
      map = map.remove(i);
    }
    assertEquals(n, map.size());
    Iterator<Map.Entry<Integer, String>> it = map.iterator();
    for (int key = -n; key < 0; key++) {
      assertEquals(key, it.next().getKey());
    }
    assertFalse(it.hasNext());
  }

  @Test
  void iteratorFromStartsAtTheFirstKeyAtOrAfterIt() {
    PersistentSortedMap<Integer, String> map = EMPTY.put(10, "a").put(20, "b").put(30, "c");
    assertEquals(10, map.iteratorFrom(Integer.MIN_VALUE).next().getKey());
    assertEquals(20, map.iteratorFrom(20).next().getKey());
    assertEquals(30, map.iteratorFrom(21).next().getKey());
    Iterator<Map.Entry<Integer, String>> past = map.iteratorFrom(31);
    assertFalse(past.hasNext());
    assertThrows(NoSuchElementException.class, past::next);
  }

  @Test
  void emptyAndAbsentKeys() {
    assertNull(EMPTY.first());
    assertNull(EMPTY.get(1));
    assertFalse(EMPTY.iterator().hasNext());
    PersistentSortedMap<Integer, String> one = EMPTY.put(1, "a");
    assertSame(one, one.remove(2), "removing an absent key copies nothing");
    assertEquals(1, one.put(1, "b").size(), "replacing a value keeps the size");
    assertEquals("a", one.get(1), "replacing made a new version");
    assertThrows(NullPointerException.class, () -> one.put(2, null));
  }

  private static void assertEntries(Map<Integer, String> expected, Iterator<Map.Entry<Integer, String>> actual,
      String where) {
    List<Map.Entry<Integer, String>> got = new ArrayList<>();
    actual.forEachRemaining(got::add);
    assertEquals(new ArrayList<>(expected.entrySet()), got, where);
  }
}
