package io.raftd.man;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import java.util.zip.DeflaterOutputStream;

/**
 * Gzips the rendered pages into the layout of /usr/share/man: {@code raftd.8} becomes {@code man8/raftd.8.gz}.
 * As {@code gzip -9n} does, and as Debian policy asks of man pages: the best compression, and no name or time in
 * the header (the JDK's GZIPOutputStream cannot say "best compression" in its header, which lintian reads). The
 * files' mtimes are the build's fixed timestamp too, so whatever packs them gets the same bytes each build.
 * Arguments: the rendered pages' directory, the output directory, the timestamp (ISO 8601).
 */
public final class GzipPages {
  /** A page's file name: NAME.SECTION, the section a digit (and maybe a suffix, such as 1ssl). */
  private static final Pattern PAGE = Pattern.compile(".+\\.([1-9])[a-z]*");
  /** The header's extra flags: 2 is "compressed with the slowest, best method". */
  private static final int XFL_BEST = 2;
  /** The header's operating system: 3 is Unix, what gzip on Linux writes. */
  private static final int OS_UNIX = 3;

  private GzipPages() {}

  public static void main(String[] args) throws IOException {
    if (args.length != 3) {
      throw new IllegalArgumentException("usage: GzipPages PAGES_DIR OUTPUT_DIR TIMESTAMP");
    }
    List<Path> written = gzipAll(Path.of(args[0]), Path.of(args[1]), Instant.parse(args[2]));
    if (written.isEmpty()) {
      throw new IOException("no man pages in " + args[0]);
    }
  }

  /** Gzips every page in {@code pages} into {@code out}/manN/, each with mtime {@code time}; returns them. */
  static List<Path> gzipAll(Path pages, Path out, Instant time) throws IOException {
    List<Path> written = new ArrayList<>();
    try (Stream<Path> files = Files.list(pages)) {
      for (Path source : files.sorted().toList()) {
        Matcher page = PAGE.matcher(source.getFileName().toString());
        if (page.matches()) {
          Path target = out.resolve("man" + page.group(1)).resolve(source.getFileName() + ".gz");
          Files.createDirectories(target.getParent());
          Files.write(target, gzip(Files.readAllBytes(source)));
          Files.setLastModifiedTime(target, FileTime.from(time));
          written.add(target);
        }
      }
    }
    return written;
  }

  /** {@code data} as one gzip member (RFC 1952): header with no name and mtime 0, deflate at level 9, trailer. */
  static byte[] gzip(byte[] data) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(new byte[] {0x1f, (byte) 0x8b, Deflater.DEFLATED, 0, 0, 0, 0, 0, XFL_BEST, OS_UNIX});
    Deflater deflater = new Deflater(Deflater.BEST_COMPRESSION, true);
    // Closing a ByteArrayOutputStream does nothing: the trailer can follow what the deflater's close finishes.
    try (DeflaterOutputStream deflate = new DeflaterOutputStream(out, deflater)) {
      deflate.write(data);
    } finally {
      deflater.end();
    }
    CRC32 crc = new CRC32();
    crc.update(data);
    writeLittleEndian(out, crc.getValue());
    writeLittleEndian(out, data.length & 0xffffffffL);
    return out.toByteArray();
  }

  private static void writeLittleEndian(OutputStream out, long value) throws IOException {
    for (int i = 0; i < 4; i++) {
      out.write((int) (value >>> (8 * i)) & 0xff);
    }
  }
}
