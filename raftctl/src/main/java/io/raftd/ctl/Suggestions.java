package io.raftd.ctl;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * "did you mean" for a mistyped command or option: the names within a small edit distance of it. picocli's
 * own suggestions always name the three most similar commands, even for a word like no command at all.
 */
final class Suggestions {
  private Suggestions() {}

  /** "; did you mean status?" or "" when nothing is close. */
  static String of(ParameterException e) {
    if (!(e instanceof UnmatchedArgumentException u) || u.getUnmatched().isEmpty()) {
      return "";
    }
    String word = u.getUnmatched().get(0);
    Collection<String> names = word.startsWith("-")
        ? e.getCommandLine().getCommandSpec().options().stream().filter(o -> !o.hidden())
            .flatMap(o -> List.of(o.names()).stream()).toList()
        : e.getCommandLine().getSubcommands().keySet();
    List<String> close = closeTo(word.split("=", 2)[0], names);
    return close.isEmpty() ? "" : "; did you mean " + String.join(" or ", close) + "?";
  }

  /** The names at most 2 edits from {@code word} (1 for short words), closest first. */
  static List<String> closeTo(String word, Collection<String> names) {
    int limit = word.length() <= 4 ? 1 : 2;
    List<String> close = new ArrayList<>();
    for (int d = 1; d <= limit; d++) {
      for (String n : names) {
        if (distance(word, n) == d) {
          close.add(n);
        }
      }
    }
    return close;
  }

  /** Edits (insert, delete, substitute, swap two neighbours) from a to b. */
  static int distance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      for (int j = 0; j <= b.length(); j++) {
        if (i == 0 || j == 0) {
          d[i][j] = i + j;
          continue;
        }
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
        if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }
}
