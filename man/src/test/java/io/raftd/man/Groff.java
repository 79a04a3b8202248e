package io.raftd.man;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * groff, as lintian and man(1) run it on a page: {@code groff -man -ww -Tutf8}, every warning on, the output
 * thrown away ({@code -z}); what it says on stderr is the finding.
 */
final class Groff {
  private Groff() {}

  /** Whether groff can be run here. */
  static boolean installed() {
    try {
      return run("-v", null).exit == 0;
    } catch (IOException e) {
      return false;
    }
  }

  /** What groff says about {@code page} (its warnings and errors), and its exit code. */
  static Result check(Path page) throws IOException {
    return run("-man", page);
  }

  record Result(int exit, String stderr) {}

  private static Result run(String arg, Path page) throws IOException {
    ProcessBuilder pb = page == null ? new ProcessBuilder("groff", arg)
        : new ProcessBuilder("groff", arg, "-ww", "-Tutf8", "-z", page.toString());
    pb.environment().put("LC_ALL", "C.UTF-8");
    Path err = Files.createTempFile("groff", ".err");
    try {
      Process p = pb.redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(err.toFile()).start();
      p.getOutputStream().close();  // it reads the page's file; with no file (-v), an empty stdin
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException("groff did not finish within 60 s on " + page);
      }
      return new Result(p.exitValue(), Files.readString(err, StandardCharsets.UTF_8));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException(e);
    } finally {
      Files.delete(err);
    }
  }
}
