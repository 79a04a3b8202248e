package io.raftd.man;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pages' gzip: what gzip -9n writes (no name, no time, "best compression"), the same bytes every time. */
class ManGzipTest {
  private static final byte[] PAGE = ".TH \"RAFTD\" \"8\"\n.SH \"NAME\"\nraftd \\- a Raft daemon\n"
      .repeat(50).getBytes(StandardCharsets.UTF_8);

  @Test
  void theHeaderHasNoNameNoTimeAndSaysBestCompressionFromUnix() throws IOException {
    byte[] gz = GzipPages.gzip(PAGE);
    // magic, deflate, no flags (so no name), mtime 0, XFL 2 (best compression), OS 3 (Unix)
    assertArrayEquals(new byte[] {0x1f, (byte) 0x8b, 8, 0, 0, 0, 0, 0, 2, 3}, Arrays.copyOf(gz, 10));
  }

  @Test
  void itDecompressesToThePageAndIsTheSameEachTime() throws IOException {
    byte[] gz = GzipPages.gzip(PAGE);
    try (GZIPInputStream in = new GZIPInputStream(new ByteArrayInputStream(gz))) {
      assertArrayEquals(PAGE, in.readAllBytes());
    }
    assertArrayEquals(gz, GzipPages.gzip(PAGE));
  }

  @Test
  void pagesGoToTheirSectionWithTheFixedTime(@TempDir Path dir) throws IOException {
    Path troff = Files.createDirectories(dir.resolve("troff"));
    for (String name : List.of("raftctl.1", "raftd.toml.5", "raftd.8", "notes.txt")) {
      Files.write(troff.resolve(name), PAGE);
    }
    Instant time = Instant.parse("2026-12-07T00:00:00Z");
    Path out = dir.resolve("man");
    List<Path> written = GzipPages.gzipAll(troff, out, time);
    assertEquals(List.of(out.resolve("man1/raftctl.1.gz"), out.resolve("man8/raftd.8.gz"),
        out.resolve("man5/raftd.toml.5.gz")), written);
    for (Path gz : written) {
      assertEquals(time, Files.getLastModifiedTime(gz).toInstant(), gz::toString);
    }
  }
}
