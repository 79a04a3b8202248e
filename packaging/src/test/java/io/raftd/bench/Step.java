package io.raftd.bench;

import java.util.Arrays;
import java.util.List;

/** One step of the comparison's load: puts, linearizable gets or stale gets, at a number of calls in flight. */
record Step(Kind kind, int inFlight) {
  enum Kind {
    PUT("put"), GET("get"), STALE("stale");

    final String word;

    Kind(String word) {
      this.word = word;
    }
  }

  /** Steps from "put:1,put:8,get:64,stale:64" (the bench.steps property). */
  static List<Step> parse(String steps) {
    return Arrays.stream(steps.split(",")).map(String::trim).filter(s -> !s.isEmpty()).map(s -> {
      String[] kv = s.split(":");
      Kind kind = Arrays.stream(Kind.values()).filter(k -> k.word.equals(kv[0].trim())).findFirst()
          .orElseThrow(() -> new IllegalArgumentException("unknown step " + s + ": expected put:N, get:N or stale:N"));
      return new Step(kind, Integer.parseInt(kv[1].trim()));
    }).toList();
  }

  @Override
  public String toString() {
    return switch (kind) {
      case PUT -> "put × " + inFlight;
      case GET -> "linearizable get × " + inFlight;
      case STALE -> "stale get × " + inFlight;
    };
  }
}
