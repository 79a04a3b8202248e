package io.raftd.man;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every page this build rendered passes {@code groff -man -ww} without a word: a warning there is a page that
 * man(1) sets badly (a line it cannot break, a macro it does not know), and lintian flags it. Where groff is not
 * installed this skips, except in CI (CI=true), which installs it (.ci/run): there it fails.
 */
class ManRenderTest {
  @BeforeAll
  static void needsGroff() {
    boolean ci = "true".equals(System.getenv("CI"));
    if (ci) {
      assertTrue(Groff.installed(), "groff is not installed: .ci/run installs groff-base");
    }
    assumeTrue(Groff.installed(), "groff is not installed (apt-get install groff-base)");
  }

  @Test
  void everyPageRendersWithoutWarnings() throws IOException {
    List<Path> pages;
    try (Stream<Path> files = Files.list(Path.of(System.getProperty("man.troff", "target/troff")))) {
      pages = files.filter(f -> f.getFileName().toString().matches(".+\\.[1-9]")).sorted().toList();
    }
    assertTrue(pages.stream().anyMatch(p -> p.endsWith("raftd.8")), pages::toString);
    List<String> findings = new ArrayList<>();
    for (Path page : pages) {
      Groff.Result r = Groff.check(page);
      if (r.exit() != 0 || !r.stderr().isEmpty()) {
        findings.add(page.getFileName() + " (exit " + r.exit() + "):\n" + r.stderr());
      }
    }
    assertEquals(List.of(), findings);
  }

  @Test
  void aLineGroffCannotBreakIsAFinding(@TempDir Path dir) throws IOException {
    Path page = dir.resolve("bad.1");
    Files.writeString(page, ".TH \"BAD\" \"1\"\n.SH \"NAME\"\nbad \\- " + "x".repeat(200) + "\n");
    Groff.Result r = Groff.check(page);
    assertFalse(r.stderr().isEmpty(), "groff said nothing about a 200-character word");
  }
}
