package io.raftd.ctl;

/** A count with its noun in the right number: "1 segment", "2 segments", "1 entry", "0 entries". */
final class Plural {
  private Plural() {}

  static String of(long n, String one) {
    return of(n, one, one + "s");
  }

  static String of(long n, String one, String many) {
    return n + " " + (n == 1 ? one : many);
  }
}
