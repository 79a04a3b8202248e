package io.raftd.ctl;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Script mode: one command per line of stdin, in the one-shot syntax, each printing what the one-shot
 * command prints. The lines share one connection and one session, so a retried write applies once. Blank
 * lines and lines starting with # are skipped. Stops at the first failing line with its exit code, unless
 * --keep-going (then the exit code is the first failure's).
 */
final class ScriptMode {
  private final Raftctl invocation;

  ScriptMode(Raftctl invocation) {
    this.invocation = invocation;
  }

  int run() throws IOException {
    invocation.startScript();
    BufferedReader in = new BufferedReader(new InputStreamReader(invocation.io.in(), StandardCharsets.UTF_8));
    int firstFailure = ExitCode.OK;
    int number = 0;
    for (String line = in.readLine(); line != null; line = in.readLine()) {
      number++;
      List<String> words;
      try {
        words = split(line);
      } catch (IllegalArgumentException e) {
        invocation.io.err().println("raftctl: line " + number + ": " + e.getMessage());
        words = null;
      }
      if (words != null && words.isEmpty()) {
        continue;
      }
      String[] argv = words == null ? null : words.toArray(String[]::new);
      int code = argv == null ? ExitCode.USAGE
          : Main.commandLine(new Raftctl(invocation.io, invocation), CommandWord.of(argv)).execute(argv);
      invocation.io.out().flush();
      if (code != ExitCode.OK) {
        if (firstFailure == ExitCode.OK) {
          firstFailure = code;
        }
        if (!invocation.keepGoing) {
          invocation.io.err().println("raftctl: stopped at line " + number + " (exit " + code + "): " + line.strip());
          return code;
        }
      }
    }
    return firstFailure;
  }

  /**
   * Splits a line into words as a shell would for these commands: blanks separate words, single quotes
   * keep everything literally, double quotes keep blanks and honour backslash escapes, # outside quotes
   * starts a comment.
   */
  static List<String> split(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (quote == '\'') {
        if (c == '\'') {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (quote == '"') {
        if (c == '"') {
          quote = 0;
        } else if (c == '\\' && i + 1 < line.length()) {
          word.append(line.charAt(++i));
        } else {
          word.append(c);
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
        inWord = true;
      } else if (c == '\\' && i + 1 < line.length()) {
        word.append(line.charAt(++i));
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else if (c == '#' && !inWord) {
        break;
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (quote != 0) {
      throw new IllegalArgumentException("unclosed " + quote + " quote");
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }
}
