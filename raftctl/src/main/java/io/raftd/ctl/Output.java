package io.raftd.ctl;

import com.google.gson.Gson;
import com.google.gson.GsonBuilder;
import com.google.gson.JsonElement;
import com.google.protobuf.ByteString;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;

/**
 * Where results go: stdout, as a table for people or (with {@code -o json}) one JSON document per command
 * whose field names are a stable contract. Nothing else is written to stdout.
 */
final class Output {
  private static final Gson GSON = new GsonBuilder().setPrettyPrinting().disableHtmlEscaping().serializeNulls().create();
  private static final Gson COMPACT = new GsonBuilder().disableHtmlEscaping().serializeNulls().create();

  final PrintStream out;
  final boolean json;
  /** Whether a JSON document went out: a command that printed its result and then fails (wal verify finding damage) gets no second one. */
  private boolean wroteJson;

  Output(PrintStream out, boolean json) {
    this.out = out;
    this.json = json;
  }

  void json(JsonElement document) {
    out.println(GSON.toJson(document));
    wroteJson = true;
  }

  /** One JSON document on one line: a stream of them (JSON lines) for commands that go on until interrupted. */
  void jsonLine(JsonElement document) {
    out.println(COMPACT.toJson(document));
    wroteJson = true;
  }

  boolean wroteJson() {
    return wroteJson;
  }

  void line(String text) {
    out.println(text);
  }

  /** Bytes exactly as they are (not decoded, so not replaced), then a newline: {@code get}'s value. */
  void bytesLine(ByteString bytes) {
    try {
      bytes.writeTo(out);
    } catch (IOException e) {
      throw new UncheckedIOException(e);  // a PrintStream does not throw; it sets its error flag
    }
    out.println();
  }

  /** Named values, one a line, the values lined up after the longest name: {@code name:   value}. */
  void fields(Map<String, String> fields) {
    int width = fields.keySet().stream().mapToInt(String::length).max().orElse(0);
    fields.forEach((k, v) -> out.println(k + ":" + " ".repeat(width - k.length() + 1) + v));
  }

  /** Columns padded to their widest cell, two spaces apart; no trailing blanks. */
  void table(List<String> header, List<List<String>> rows) {
    int[] width = new int[header.size()];
    for (int c = 0; c < width.length; c++) {
      width[c] = header.get(c).length();
      for (List<String> row : rows) {
        width[c] = Math.max(width[c], row.get(c).length());
      }
    }
    printRow(header, width);
    rows.forEach(r -> printRow(r, width));
  }

  private void printRow(List<String> cells, int[] width) {
    StringBuilder b = new StringBuilder();
    for (int c = 0; c < cells.size(); c++) {
      b.append(cells.get(c));
      if (c < cells.size() - 1) {
        b.append(" ".repeat(width[c] - cells.get(c).length() + 2));
      }
    }
    out.println(b.toString().stripTrailing());
  }
}
