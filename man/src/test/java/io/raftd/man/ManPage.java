package io.raftd.man;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A rendered man page, read from the troff Asciidoctor writes, for what a reader finds in it: its sections, and
 * in each the terms of its lists (an option, a command, a key) and its subsection titles. Terms come out as
 * plain text: "-o, --output=table|json", not the troff that sets them in bold.
 */
final class ManPage {
  /** The file's name, such as raftctl-member-add.1. */
  final String file;
  /** Each section's (.SH) terms and subsection titles, by the section's title as troff has it (upper case). */
  private final Map<String, List<String>> terms;
  /** What each term of the page says, by the term. */
  private final Map<String, String> definitions;

  private ManPage(String file, Map<String, List<String>> terms, Map<String, String> definitions) {
    this.file = file;
    this.terms = terms;
    this.definitions = definitions;
  }

  /** Every page in {@code dir} (files named NAME.SECTION), by file name. */
  static Map<String, ManPage> readAll(Path dir) throws IOException {
    Map<String, ManPage> pages = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.sorted().toList()) {
        String name = f.getFileName().toString();
        if (name.matches(".+\\.[1-9]")) {
          pages.put(name, parse(name, Files.readString(f, StandardCharsets.UTF_8)));
        }
      }
    }
    return pages;
  }

  /**
   * Reads {@code troff} as Asciidoctor's manpage backend writes it: {@code .SH "TITLE"} starts a section,
   * {@code .SS "TITLE"} a subsection, and a list item is {@code .sp}, the term on one line, then {@code .RS 4},
   * what it says, and {@code .RE}.
   */
  static ManPage parse(String file, String troff) {
    Map<String, List<String>> terms = new LinkedHashMap<>();
    Map<String, String> definitions = new LinkedHashMap<>();
    List<String> current = null;
    String[] lines = troff.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      if (line.startsWith(".SH ")) {
        current = terms.computeIfAbsent(plain(unquote(line.substring(4))), k -> new ArrayList<>());
      } else if (current != null && line.startsWith(".SS ")) {
        current.add(plain(unquote(line.substring(4))));
      } else if (current != null && i > 0 && lines[i - 1].equals(".sp") && !line.startsWith(".")
          && i + 1 < lines.length && lines[i + 1].startsWith(".RS")) {
        current.add(plain(line));
        definitions.put(plain(line), definition(lines, i + 2));
      }
    }
    return new ManPage(file, terms, definitions);
  }

  /** The text from line {@code from} up to the list item's .RE, as one line of plain text. */
  private static String definition(String[] lines, int from) {
    List<String> text = new ArrayList<>();
    for (int i = from; i < lines.length && !lines[i].startsWith(".RE"); i++) {
      if (!lines[i].startsWith(".")) {
        text.add(plain(lines[i]));
      }
    }
    return String.join(" ", text);
  }

  /** What the term {@code term} says, in plain text; null if the page has no such term. */
  String definition(String term) {
    return definitions.get(term);
  }

  /** The terms and subsection titles of section {@code title} (such as OPTIONS); none if there is no such section. */
  List<String> terms(String title) {
    return terms.getOrDefault(title, List.of());
  }

  /** The terms and subsection titles of every section. */
  List<String> allTerms() {
    return terms.values().stream().flatMap(List::stream).toList();
  }

  private static String unquote(String s) {
    String t = s.strip();
    return t.length() >= 2 && t.startsWith("\"") && t.endsWith("\"") ? t.substring(1, t.length() - 1) : t;
  }

  /** troff text as a reader sees it: no font changes, and the escapes Asciidoctor writes turned back. */
  static String plain(String troff) {
    return troff.replaceAll("\\\\f(\\(..|\\[[^]]*]|.)", "")
        .replace("\\-", "-")
        .replace("\\*(Aq", "'").replace("\\(aq", "'").replace("\\(cq", "'").replace("\\(oq", "'")
        .replace("\\(lq", "\"").replace("\\(rq", "\"").replace("\\(dq", "\"")
        .replace("\\&", "").replace("\\(rs", "\\").replace("\\e", "\\")
        .strip();
  }
}
