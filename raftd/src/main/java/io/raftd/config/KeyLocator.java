package io.raftd.config;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Where each key of a TOML text is assigned, by line: toml4j reports no positions, and an error should
 * point at the line to fix. Keys are the dotted paths the loader names them by, {@code raft.heartbeat_ms}
 * or {@code cluster.members[2].peer} (whether the members are an array of inline tables or
 * {@code [[cluster.members]]} tables); an array element's path gives the line it starts on.
 *
 * <p>It also finds assignments with no value ({@code heartbeat_ms =}), which toml4j silently drops: a
 * half-edited line must not quietly fall back to the default.
 *
 * <p>It only ever scans text that toml4j has accepted, so it reports nothing about malformed input: on
 * anything it does not follow it moves on, at worst losing a line number.
 */
final class KeyLocator {
  private final String text;
  private final Map<String, Integer> lines = new HashMap<>();
  private String firstWithoutValue;
  private int pos;
  private int line = 1;

  private KeyLocator(String text) {
    this.text = text;
  }

  static KeyLocator scan(String text) {
    KeyLocator locator = new KeyLocator(text);
    locator.document();
    return locator;
  }

  /** The line where the key (a dotted path) is assigned, or where its table or array element starts. */
  OptionalInt line(String path) {
    Integer found = lines.get(path);
    return found == null ? OptionalInt.empty() : OptionalInt.of(found);
  }

  /** The first key, in file order, that is followed by '=' and then nothing. */
  Optional<String> firstKeyWithoutValue() {
    return Optional.ofNullable(firstWithoutValue);
  }

  private void document() {
    String table = "";
    Map<String, Integer> arrayTableCounts = new HashMap<>();
    while (skipWhitespaceAndComments()) {
      int start = pos;
      if (peek() == '[') {
        boolean arrayTable = text.startsWith("[[", pos);
        advance(arrayTable ? 2 : 1);
        int nameStart = pos;
        while (!atEnd() && peek() != ']' && peek() != '\n') {
          advance();
        }
        String name = text.substring(nameStart, pos).strip().replaceAll("\\s*\\.\\s*", ".");
        table = arrayTable ? name + "[" + (arrayTableCounts.merge(name, 1, Integer::sum) - 1) + "]" : name;
        lines.putIfAbsent(table, line);
      } else {
        keyValue(table);
      }
      skipRestOfLine();
      if (pos == start) {
        advance(); // never needed on valid TOML; guarantees progress on anything else
      }
    }
  }

  private void keyValue(String prefix) {
    int keyLine = line;
    String key = key();
    if (key.isEmpty() || !consume('=')) {
      return;
    }
    String path = prefix.isEmpty() ? key : prefix + "." + key;
    lines.putIfAbsent(path, keyLine);
    skipSpaces();
    if (atEnd() || peek() == '\n' || peek() == '\r' || peek() == '#') {
      if (firstWithoutValue == null) {
        firstWithoutValue = path;
      }
    } else {
      value(path);
    }
  }

  /** A bare or quoted key, as written (toml4j keeps the quotes of a quoted key too). */
  private String key() {
    skipSpaces();
    int start = pos;
    if (!atEnd() && (peek() == '"' || peek() == '\'')) {
      string();
    } else {
      while (!atEnd() && "= \t\r\n".indexOf(peek()) < 0) {
        advance();
      }
    }
    String key = text.substring(start, pos);
    skipSpaces();
    return key;
  }

  private void value(String path) {
    switch (peek()) {
      case '[' -> array(path);
      case '{' -> inlineTable(path);
      case '"', '\'' -> string();
      default -> { // a number, boolean or date
        while (!atEnd() && ",]}#\r\n".indexOf(peek()) < 0) {
          advance();
        }
      }
    }
  }

  private void array(String path) {
    advance();
    int index = 0;
    while (skipWhitespaceAndComments() && peek() != ']') {
      String element = path + "[" + index++ + "]";
      lines.putIfAbsent(element, line);
      int start = pos;
      value(element);
      skipWhitespaceAndComments();
      if (!consume(',') && pos == start) {
        return;
      }
    }
    consume(']');
  }

  private void inlineTable(String path) {
    advance();
    while (skipWhitespaceAndComments() && peek() != '}') {
      int start = pos;
      keyValue(path);
      skipWhitespaceAndComments();
      if (!consume(',') && pos == start) {
        return;
      }
    }
    consume('}');
  }

  /** Any of the four kinds: "basic", 'literal', and their triple-quoted multi-line forms. */
  private void string() {
    char quote = peek();
    String tripled = String.valueOf(quote).repeat(3);
    String delimiter = text.startsWith(tripled, pos) ? tripled : String.valueOf(quote);
    advance(delimiter.length());
    while (!atEnd() && !text.startsWith(delimiter, pos)) {
      if (quote == '"' && peek() == '\\') {
        advance(); // the escaped character cannot end the string
      }
      advance();
    }
    advance(delimiter.length());
  }

  /** Skips blank space, line ends and comments; false at the end of the text. */
  private boolean skipWhitespaceAndComments() {
    while (!atEnd()) {
      char c = peek();
      if (c == '#') {
        skipRestOfLine();
      } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
        advance();
      } else {
        return true;
      }
    }
    return false;
  }

  private void skipSpaces() {
    while (!atEnd() && (peek() == ' ' || peek() == '\t')) {
      advance();
    }
  }

  private void skipRestOfLine() {
    while (!atEnd() && peek() != '\n') {
      advance();
    }
  }

  private boolean consume(char c) {
    if (!atEnd() && peek() == c) {
      advance();
      return true;
    }
    return false;
  }

  private boolean atEnd() {
    return pos >= text.length();
  }

  private char peek() {
    return text.charAt(pos);
  }

  private void advance() {
    if (!atEnd()) {
      if (text.charAt(pos) == '\n') {
        line++;
      }
      pos++;
    }
  }

  private void advance(int count) {
    for (int i = 0; i < count; i++) {
      advance();
    }
  }
}
